// RollupBuilder: turns one series' rows, in time order, into encoded cell rows for each resolution —
// what a flush merges into the rollup column families beside the blocks it writes.
//
// A flush builds a row for every (series, resolution, 64-bucket span) its events touch: about a
// million per flush, so the builder is made for speed. It walks a series' events once for all
// resolutions, accumulates each bucket in a plain counter struct (latencies in a fixed array, or in
// a sketch reused from row to row once a bucket passes kExactLatencies successes), and encodes each
// finished row straight into a chunked arena it owns, with no allocation per cell or row. The bytes
// are exactly those RollupCell::Encode and EncodeCellRow produce for the same events.
//
// Thread-safety: one builder per thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rollup/cell_row.h"
#include "tally/db.h"
#include "tally/sketch.h"

namespace tally::rollup {

// An encoded cell row in the builder's arena: valid until the builder is cleared or destroyed.
struct RowBytes {
  int resolution = 0;  // index into the resolution list
  int64_t row_start_us = 0;
  std::string_view bytes;
};

// An encoded cell row that owns its bytes.
struct EncodedRow {
  int resolution = 0;  // index into the resolution list
  int64_t row_start_us = 0;
  std::string bytes;
};

class RollupBuilder {
 public:
  explicit RollupBuilder(std::vector<int64_t> resolutions_us);
  ~RollupBuilder();
  RollupBuilder(const RollupBuilder&) = delete;
  RollupBuilder& operator=(const RollupBuilder&) = delete;

  // Adds the rows of one series (REQUIRES: ascending timestamps) and appends their cell rows to
  // *out, resolution by resolution, each resolution's rows in time order.
  void AddSeries(std::span<const EventRow> rows_in_time_order, std::vector<RowBytes>* out);
  // The same, with rows that own their bytes.
  void AddSeries(std::span<const EventRow> rows_in_time_order, std::vector<EncodedRow>* out);

  // Bytes of encoded rows held in the arena.
  size_t arena_bytes() const { return arena_bytes_; }
  // Forgets every row built so far (their bytes become invalid) but keeps the memory.
  void Clear();

 private:
  struct Level;

  void FinishRow(int level);
  char* Reserve(size_t bytes);

  std::vector<int64_t> resolutions_;
  std::vector<std::unique_ptr<Level>> levels_;
  std::vector<RowBytes> series_rows_;  // scratch: the rows of the series being added
  std::string sketch_scratch_;

  // The arena: chunks of encoded rows. A row never spans two chunks.
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<size_t> chunk_sizes_;
  size_t chunk_index_ = 0;  // the chunk being filled
  char* cursor_ = nullptr;
  char* chunk_end_ = nullptr;
  size_t arena_bytes_ = 0;
};

}  // namespace tally::rollup
