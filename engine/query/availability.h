// Availability: from which instant on each level of data — raw events, and the rollup cells of
// each resolution — is complete, once retention has expired what came before.
//
// Retention drops whole records: a block when its whole window has expired, a cell row when all
// of its 64 cells have. Expiry instants (what retention asks for) therefore become availability
// instants (what the planner may rely on) by rounding down to the record's span; they are then
// rounded up to the next coarser resolution, voluntarily giving up a few retained records, so that
// wherever a level is missing the next coarser one can cover the range exactly. What no level
// covers exactly — the edges of a range reaching into expired raw events — is widened to the
// finest retained cells (SnapToRetained), and the query says so.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tally::query {

inline constexpr int64_t kNothingExpired = INT64_MIN;

struct Availability {
  int64_t raw_from_us = kNothingExpired;  // every raw event at or after this instant is kept
  std::vector<int64_t> level_from_us;     // per resolution: every cell at or after this instant
};

// REQUIRES: rollup_expired_before_us has one entry per resolution; resolutions ascending, each
// dividing the next and dividing `block_window_us` or divided by it.
Availability AvailabilityFrom(int64_t raw_expired_before_us, std::span<const int64_t> rollup_expired_before_us,
                              int64_t block_window_us, const std::vector<int64_t>& resolutions_us);

// True when nothing has expired at any level.
bool Complete(const Availability& a);

// When `t` lies where raw events have expired and is not a boundary of the finest resolution
// retained there, moves it down (or up, with `up`) to that resolution's boundary and sets *moved.
// Leaves `t` as it is when it can be covered exactly or when nothing at all is retained there.
int64_t SnapToRetained(int64_t t, bool up, const Availability& availability,
                       const std::vector<int64_t>& resolutions_us, bool* moved);

}  // namespace tally::query
