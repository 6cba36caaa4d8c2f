// CellRow: the stored unit of a rollup resolution — up to 64 consecutive cells of one series.
//
// A resolution of width w keeps, under the key `series_id | row_start`, the cells of the 64 buckets
// [row_start, row_start + 64·w) that have events. Packing cells into rows keeps the number of
// RocksDB keys (and merge operands per flush) far below one per bucket: a busy series' hour of
// minute cells is one key.
//
// Layout (docs/format.md, "Rollup cell row"): version u8 | presence fixed64 LE (bit i: cell i
// present) | per present cell, in index order: length uvarint + cell bytes | XXH3-64 of all before
// it, low 32 bits, fixed32 LE.
//
// Rows merge cell by cell; a cell present on one side only is copied without decoding, so merging
// the rows of a sparse series costs little.
//
// Thread-safety: free functions over bytes; a CellRowBuilder belongs to one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/rollup/rollup_cell.h"
#include "tally/status.h"

namespace tally::rollup {

inline constexpr uint8_t kCellRowVersion = 1;  // Do not change: on-disk format.
inline constexpr int kCellsPerRow = 64;

// The encoded cells of one row, as views into the row's bytes.
struct CellRowView {
  uint64_t presence = 0;
  std::array<std::string_view, kCellsPerRow> cells;
};

// Checks the checksum and splits a row into its cells (not decoded). Corruption on damage.
Status ParseCellRow(std::string_view row, CellRowView* out);

// Encodes the cells of `view` (views into other rows are fine) as a row, replacing *out.
void EncodeCellRow(const CellRowView& view, std::string* out);

// Merges two rows into *out. Cells present in both are decoded and merged; Corruption (naming the
// cell) when either row or cell is damaged.
Status MergeCellRows(std::string_view a, std::string_view b, std::string* out);

}  // namespace tally::rollup
