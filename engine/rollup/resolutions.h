// Rollup resolutions: the bucket widths rollups are kept at (typically 1 minute, 1 hour, 1 day),
// their column family names, and the arithmetic of buckets and cell rows.
//
// A database's resolutions are chosen at creation and recorded as its column families
// ("rollup.1m", "rollup.1h", "rollup.1d") and in its meta; they cannot change afterwards. Each resolution must divide
// the next, so that a coarse bucket is exactly a whole number of finer ones — which lets the query
// planner cover any range exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rollup/cell_row.h"
#include "tally/options.h"
#include "tally/status.h"

namespace tally::rollup {

inline constexpr std::string_view kFamilyPrefix = "rollup.";

// "rollup.1m" for 60 s, "rollup.1h", "rollup.1d", "rollup.90s" for what is no whole minute...
std::string FamilyName(int64_t resolution_us);
// The inverse; nullopt for a name that is not a rollup family.
std::optional<int64_t> ParseFamilyName(std::string_view name);

// OK when the list (possibly empty) is ascending, every width a whole number of seconds, and each
// divides the next.
Status ValidateResolutions(const std::vector<int64_t>& resolutions_us);

// The start of the row holding the bucket of `t` at `resolution_us`, and the cell's index in it.
inline int64_t FloorTo(int64_t t, int64_t width) {
  int64_t q = t / width;
  if (t % width < 0) --q;
  return q * width;
}
inline int64_t RowStart(int64_t t, int64_t resolution_us) { return FloorTo(t, resolution_us * kCellsPerRow); }
inline int CellIndex(int64_t t, int64_t resolution_us) {
  return static_cast<int>((FloorTo(t, resolution_us) - RowStart(t, resolution_us)) / resolution_us);
}

}  // namespace tally::rollup
