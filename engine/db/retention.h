// Retention settings: how long each level of data is kept (Options::raw_retention_us and
// Options::rollup_retention_us), resolved and validated when a database opens.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "tally/options.h"
#include "tally/result.h"

namespace tally::db {

// The retention of each of `resolutions_us`: the options' list, or DefaultRollupRetention of each
// width when it is empty. InvalidArgument when the list has another length, a negative entry, or
// keeps a coarser resolution for less time than a finer one.
Result<std::vector<int64_t>> RollupRetention(const Options& options, const std::vector<int64_t>& resolutions_us);

}  // namespace tally::db
