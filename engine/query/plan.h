// Query planning: which buckets a query's answer has, and how each bucket's time range is covered
// by rollup cells of the available resolutions and raw events.
//
// Cover() splits [from, to) into the coarsest aligned pieces first: with 1m/1h/1d rollups,
// [09:59:30, 12:00:10) becomes raw [09:59:30, 10:00), 1h cells [10:00, 12:00) and raw
// [12:00, 12:00:10). Every instant of the range lies in exactly one piece, which is what makes
// the counts exact. A level is used only where it is available (availability.h): where a finer
// level has expired the coarser ones take over, and raw events fill only what remains after them.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/query/availability.h"
#include "tally/query.h"
#include "tally/result.h"
#include "tally/status.h"

namespace tally::query {

struct Bucket {
  int64_t start_us = 0;  // the bucket's nominal start (reported as the row's time)
  int64_t from_us = 0;   // the part of it inside the query range
  int64_t to_us = 0;
};

// The buckets of `range` at `step` (one bucket for kNone), in time order. InvalidArgument for a
// range that is empty, unbounded or would have more than `max_buckets` buckets.
Result<std::vector<Bucket>> MakeBuckets(const TimeRange& range, Step step, size_t max_buckets = 1'000'000);

// A piece of a bucket: cells of resolution `level` (an index into the ascending resolution list),
// or raw events when level is kRaw.
struct Piece {
  static constexpr int kRaw = -1;
  int level = kRaw;
  int64_t from_us = 0;
  int64_t to_us = 0;
  uint32_t bucket = 0;
};

// Appends the pieces covering [from, to) using `resolutions_us` (ascending, each dividing the next)
// where `availability` allows. False when some part of the range could not be covered: nothing is
// retained there at a resolution that fits (see SnapToRetained for making edges fit).
bool Cover(int64_t from_us, int64_t to_us, uint32_t bucket, const std::vector<int64_t>& resolutions_us,
           const Availability& availability, std::vector<Piece>* out);

}  // namespace tally::query
