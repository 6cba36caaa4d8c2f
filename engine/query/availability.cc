#include "engine/query/availability.h"

#include <algorithm>

#include "engine/rollup/resolutions.h"

namespace tally::query {
namespace {

int64_t CeilTo(int64_t t, int64_t width) {
  const int64_t f = rollup::FloorTo(t, width);
  return f == t ? t : f + width;
}

// Expired before `before` in records spanning `span`, rounded up to `coarser` (0: no coarser).
int64_t FromInstant(int64_t before, int64_t span, int64_t coarser) {
  if (before == kNothingExpired) return kNothingExpired;
  const int64_t kept_from = rollup::FloorTo(before, span);
  return coarser > 0 ? CeilTo(kept_from, coarser) : kept_from;
}

}  // namespace

Availability AvailabilityFrom(int64_t raw_expired_before_us, std::span<const int64_t> rollup_expired_before_us,
                              int64_t block_window_us, const std::vector<int64_t>& resolutions_us) {
  Availability a;
  const size_t n = resolutions_us.size();
  a.raw_from_us = FromInstant(raw_expired_before_us, block_window_us, n > 0 ? resolutions_us[0] : 0);
  for (size_t i = 0; i < n; ++i) {
    a.level_from_us.push_back(FromInstant(rollup_expired_before_us[i], resolutions_us[i] * rollup::kCellsPerRow,
                                          i + 1 < n ? resolutions_us[i + 1] : 0));
  }
  return a;
}

bool Complete(const Availability& a) {
  return a.raw_from_us == kNothingExpired &&
         std::all_of(a.level_from_us.begin(), a.level_from_us.end(), [](int64_t f) { return f == kNothingExpired; });
}

int64_t SnapToRetained(int64_t t, bool up, const Availability& availability, const std::vector<int64_t>& resolutions_us,
                       bool* moved) {
  if (t >= availability.raw_from_us) return t;
  for (size_t level = 0; level < resolutions_us.size(); ++level) {
    // Availability instants are boundaries of their own resolution, so the cell holding t is
    // retained exactly when t is at or after the level's instant.
    if (t < availability.level_from_us[level]) continue;
    const int64_t w = resolutions_us[level];
    const int64_t snapped = up ? CeilTo(t, w) : rollup::FloorTo(t, w);
    if (snapped != t) *moved = true;
    return snapped;
  }
  return t;
}

}  // namespace tally::query
