// CellRow: the stored unit of a rollup resolution — up to 64 consecutive cells of one series.
//
// A resolution of width w keeps, under the key `series_id | row_start`, the cells of the 64 buckets
// [row_start, row_start + 64·w) that have events. Packing cells into rows keeps the number of
// RocksDB keys (and merge operands per flush) far below one per bucket: a busy series' hour of
// minute cells is one key.
//
// Layout (docs/format.md, "Cell row"), version 2: version u8 | which cells are present: up to 7
// cell indexes, one byte each, after their number, or 0 and a fixed64 LE bitmap | the present cells
// in index order, each self-delimiting (rollup_cell.h) | XXH3-64 of all before it, low 32 bits,
// fixed32 LE. Rows of version 1 (a bitmap always, and a length and a version byte per cell) are
// still read: ParseCellRow converts their cells, and merging rewrites them as version 2.
//
// Rows merge cell by cell; a cell present in one row only is copied without decoding, so merging
// the rows of a sparse series costs little. A row's bytes depend only on its cells' bytes, and
// those only on the multiset of requests they cover.
//
// Thread-safety: free functions over bytes; a CellRowView or RowMerger belongs to one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/rollup/rollup_cell.h"
#include "tally/status.h"

namespace tally::rollup {

inline constexpr uint8_t kCellRowVersion = 2;  // Do not change: on-disk format.
inline constexpr int kCellsPerRow = 64;

// The encoded cells of one row, as views into the row's bytes (or, for a version 1 row, into the
// view's own storage, valid until the view parses another row).
struct CellRowView {
  uint64_t presence = 0;
  std::array<std::string_view, kCellsPerRow> cells;

  // True when `cells` point into `converted` rather than into the parsed row.
  bool converted = false;
  std::string converted_storage;
};

// Checks the checksum and splits a row into its cells (not decoded). Corruption on damage,
// NotSupported for a newer version.
Status ParseCellRow(std::string_view row, CellRowView* out);

// Encodes the cells of `view` (views into other rows are fine) as a row, replacing *out.
void EncodeCellRow(const CellRowView& view, std::string* out);

// The row prefix (version and presence) at `p`, which needs kMaxRowPrefixBytes; returns the end.
// REQUIRES: presence != 0.
inline constexpr size_t kMaxRowPrefixBytes = 2 + 8;
char* EncodeRowPrefix(char* p, uint64_t presence);
// The checksum of a row whose other bytes are [begin, end), written at `end` (4 bytes).
inline constexpr size_t kRowChecksumBytes = 4;
void EncodeRowChecksum(const char* begin, char* end);

// Merges any number of rows: Add each, then Finish. Cells present in one row only are copied as
// they are; the others are decoded once and merged. The rows passed to Add must stay alive until
// Finish.
class RowMerger {
 public:
  // Corruption (naming the cell) when the row or a cell is damaged; the merger must then be Reset.
  Status Add(std::string_view row);
  // Encodes the merged row into *out (replacing it) and resets the merger.
  void Finish(std::string* out);
  void Reset();
  bool empty() const { return presence_ == 0; }

 private:
  uint64_t presence_ = 0;
  uint64_t decoded_ = 0;  // bit i: cells_[i] holds the cell; otherwise single_[i] has its bytes
  std::array<std::string_view, kCellsPerRow> single_;
  std::array<RollupCell, kCellsPerRow> cells_;
  CellRowView view_;
};

// Merges two rows into *out. Corruption (naming the cell) when either row or cell is damaged.
Status MergeCellRows(std::string_view a, std::string_view b, std::string* out);

}  // namespace tally::rollup
