// LabelInterner: one stable, validated copy of each distinct set of seven label values.
//
// Rows read from a file carry label views into the file, a new address on every row. Swapping them
// for the interned copy does two things: the labels of a series are validated once (the engine's
// rules, engine/ingest/validate.h) instead of on every row, and DB::Append sees the same views
// for every event of a series, which its own label memo recognises without hashing or comparing
// the strings again. Together this is about a quarter of the ingest time of a CSV file.
//
// Memory: one copy of each distinct label set, kept for the interner's life (a few hundred bytes
// per series).
//
// Thread-safety: none.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tally/status.h"
#include "tally/usage_event.h"

namespace tally::cli {

class LabelInterner {
 public:
  // Points event's labels at the interned copy of their values. The first time a set is seen it
  // is validated; an invalid set gives the engine's InvalidArgument ("event 0: workspace: ...")
  // and leaves the event unchanged. The copies live as long as the interner.
  Status Intern(UsageEvent* event);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string key;  // the seven values, each prefixed by its length
    std::array<std::string_view, 7> labels;
  };
  struct KeyHash {
    size_t operator()(std::string_view key) const;
  };

  std::string scratch_;
  std::deque<Entry> entries_;  // stable addresses
  std::unordered_map<std::string_view, const Entry*, KeyHash> index_;
};

}  // namespace tally::cli
