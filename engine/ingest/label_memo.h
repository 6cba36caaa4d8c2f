// LabelMemo: remembers which label views (addresses and lengths) were already validated and
// resolved to a series.
//
// Within one append the caller's memory cannot change, so an event whose seven label views have the
// same addresses and lengths as an earlier event's of the same call has the same labels: its series
// is known without validating, encoding or hashing the strings again. Across appends a gateway
// usually passes views into the same label storage, but that memory may have changed, so a hit from
// an earlier call is only a candidate that the caller confirms by comparing bytes with the series'
// labels — still far cheaper than validating and hashing. The memo itself never dereferences views.
//
// Thread-safety: none (one per writer).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tally/usage_event.h"

namespace tally::ingest {

struct ResolvedSeries {
  uint32_t dense = 0;
  uint64_t id = 0;
};

class LabelMemo {
 public:
  LabelMemo() : entries_(kSlots) {}

  // Starts a new call: what was remembered so far becomes a candidate that needs confirming.
  void NewCall() {
    if (++generation_ == 0) generation_ = 1;  // 0 marks an empty entry
  }

  // Forgets everything (the series it names may no longer exist).
  void Clear() {
    for (Entry& e : entries_) e.generation = 0;
  }

  struct Hit {
    const ResolvedSeries* series = nullptr;  // nullptr: not remembered
    bool this_call = false;                  // remembered in the current call: certain
  };

  // The series remembered for `event`'s label views.
  Hit Find(const UsageEvent& event) const {
    const Entry& e = entries_[Slot(event)];
    if (e.generation == 0 || !Same(e, event)) return {};
    return {&e.series, e.generation == generation_};
  }

  void Remember(const UsageEvent& event, ResolvedSeries series) {
    Entry& e = entries_[Slot(event)];
    e.generation = generation_;
    e.series = series;
    const std::array<std::string_view, 7> v = Views(event);
    for (int i = 0; i < 7; ++i) {
      e.data[i] = v[i].data();
      e.size[i] = static_cast<uint32_t>(v[i].size());
    }
  }

 private:
  static constexpr size_t kSlots = 16384;  // a power of two, well above the series a batch touches

  struct Entry {
    uint32_t generation = 0;
    ResolvedSeries series;
    const char* data[7] = {};
    uint32_t size[7] = {};
  };

  static std::array<std::string_view, 7> Views(const UsageEvent& e) {
    return {e.workspace, e.model, e.endpoint, e.environment, e.api_key, e.user, e.version};
  }

  static size_t Slot(const UsageEvent& event) {
    const std::array<std::string_view, 7> v = Views(event);
    uint64_t h = 0;
    for (int i = 0; i < 7; ++i) {
      h = (h ^ reinterpret_cast<uintptr_t>(v[i].data()) ^ (v[i].size() << 48)) * 0x9E3779B97F4A7C15ULL;
    }
    return static_cast<size_t>(h >> 52) & (kSlots - 1);
  }

  static bool Same(const Entry& e, const UsageEvent& event) {
    const std::array<std::string_view, 7> v = Views(event);
    for (int i = 0; i < 7; ++i) {
      if (e.data[i] != v[i].data() || e.size[i] != v[i].size()) return false;
    }
    return true;
  }

  std::vector<Entry> entries_;
  uint32_t generation_ = 1;
};

}  // namespace tally::ingest
