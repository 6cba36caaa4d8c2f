// LabelMemo: remembers, for the duration of one append, which label views were already validated
// and resolved to a series.
//
// Within one call the caller's memory cannot change, so an event whose seven label views have the
// same addresses and lengths as an earlier event's has the same labels: its series is known without
// validating, encoding or hashing the strings again. A gateway's batch repeats a few hundred series
// over a thousand events, so most events hit. Views are compared, never dereferenced; a miss only
// costs the full path.
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

  // Forgets everything remembered (views from an earlier call may now name other bytes).
  void Clear() {
    if (++generation_ == 0) {  // wrapped: really clear so that old entries cannot match
      for (Entry& e : entries_) e.generation = 0;
      generation_ = 1;
    }
  }

  // The series remembered for `event`'s label views, or nullptr.
  const ResolvedSeries* Find(const UsageEvent& event) const {
    const Entry& e = entries_[Slot(event)];
    return e.generation == generation_ && Same(e, event) ? &e.series : nullptr;
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
  static constexpr size_t kSlots = 4096;  // a power of two

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
