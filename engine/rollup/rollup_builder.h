// RollupBuilder: turns one series' rows, in time order, into encoded cell rows for each resolution —
// what a flush merges into the rollup column families beside the blocks it writes.
//
// Thread-safety: one builder per thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/rollup/cell_row.h"
#include "tally/db.h"

namespace tally::rollup {

struct EncodedRow {
  int resolution = 0;  // index into the resolution list
  int64_t row_start_us = 0;
  std::string bytes;  // an encoded cell row
};

class RollupBuilder {
 public:
  explicit RollupBuilder(std::vector<int64_t> resolutions_us);

  // Adds the rows of one series (REQUIRES: ascending timestamps) and appends their cell rows to
  // *out, resolution by resolution.
  void AddSeries(std::span<const EventRow> rows_in_time_order, std::vector<EncodedRow>* out);

 private:
  std::vector<int64_t> resolutions_;
  std::array<RollupCell, kCellsPerRow> cells_;
  std::array<std::string, kCellsPerRow> encoded_;
};

}  // namespace tally::rollup
