// Reads everything a DB returns for a filter and range into a map keyed by series labels.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tally/db.h"

namespace tally::testing {

using SeriesRows = std::map<std::string, std::vector<EventRow>>;

inline Status ScanAll(DB& db, SeriesRows* out, const SeriesFilter& filter = {}, const TimeRange& range = {}) {
  out->clear();
  return db.ScanEvents(filter, range, [out](const SeriesInfo& s, std::span<const EventRow> rows) {
    auto& v = (*out)[s.labels.ToString()];
    v.insert(v.end(), rows.begin(), rows.end());
    return Status::OK();
  });
}

inline size_t CountRows(const SeriesRows& rows) {
  size_t n = 0;
  for (const auto& [k, v] : rows) n += v.size();
  return n;
}

}  // namespace tally::testing
