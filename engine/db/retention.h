// Retention settings: how long each level of data is kept (Options::raw_retention_us and
// Options::rollup_retention_us), resolved and validated when a database opens.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tally/options.h"
#include "tally/result.h"

namespace tally::db {

// The retention of each of `resolutions_us`: the options' list, or DefaultRollupRetention of each
// width when it is empty. InvalidArgument when the list has another length, a negative entry, or
// keeps a coarser resolution for less time than a finer one.
Result<std::vector<int64_t>> RollupRetention(const Options& options, const std::vector<int64_t>& resolutions_us);

// The expiry record (meta `tally.expired_before_us`, docs/format.md) of a database with `levels`
// levels (raw, then each rollup resolution): the instant before which each level has expired.
// Corruption when its size or count does not fit.
Result<std::vector<int64_t>> DecodeExpiredBefore(std::string_view value, size_t levels);

}  // namespace tally::db
