// RollupCell: everything the dashboard needs about one series over one time bucket, so that a
// query over any range adds up cells instead of reading events.
//
// Counts, token sums and money are exact integers. Latency statistics cover successful requests
// only, because failed requests end early and would pull percentiles down exactly when something is
// wrong. While a cell holds at most kExactLatencies successful requests it keeps their latencies
// exactly (sorted); beyond that it keeps a mergeable quantile sketch of them plus their exact sum,
// min and max. Most minute cells of most series hold one or two requests, and a short sorted list
// is both smaller and more precise than a sketch.
//
// Cells merge exactly: merging is associative and commutative, and a cell's bytes depend only on the
// multiset of requests it covers, never on the order in which parts were merged (a list that grows
// past kExactLatencies becomes the sketch of all its values, which is the same sketch the values
// would have built directly).
//
// Serialized layout: docs/format.md, "Cell". A cell is stored only inside a cell row (cell_row.h),
// which carries the format version and the checksum; the cell itself is self-delimiting (no length
// prefix), and its first byte packs the flags with small counts. The encoders below write raw
// memory so that a flush can encode a million cells without a string append per field; the
// RollupBuilder and RollupCell::Encode share them, so both always produce the same bytes.
//
// Thread-safety: a value type; the free functions are pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tally/db.h"
#include "tally/sketch.h"
#include "tally/status.h"

namespace tally::rollup {

// Successful requests whose latencies a cell keeps exactly. Do not change: on-disk format.
inline constexpr int kExactLatencies = 16;

// ---- the cell encoding, piece by piece (docs/format.md, "Cell") ------------------------------

// The counters every cell starts with, up to and including cost_micros.
struct CellCounters {
  uint64_t count = 0;
  uint64_t retryable = 0;
  uint64_t fatal = 0;
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;
  uint64_t cost_micros = 0;
};

// Room EncodeCellCounters, EncodeExactLatencies and EncodeSketchPrefix need at most.
inline constexpr size_t kMaxCellCountersBytes = 1 + 10 + 2 * 10 + 3 * 10;
inline constexpr size_t kMaxExactLatenciesBytes = kExactLatencies * 10;
inline constexpr size_t kMaxSketchPrefixBytes = 4 * 10;

// Writes the head byte and counters at `p`; returns the end. `has_sketch` must be set exactly when
// the successful requests are more than kExactLatencies.
char* EncodeCellCounters(char* p, const CellCounters& c, bool has_sketch);
// The exact latencies (REQUIRES: ascending, 1..kExactLatencies of them).
char* EncodeExactLatencies(char* p, const int64_t* sorted, size_t n);
// What precedes the sketch bytes: latency sum, min, max − min, and the sketch's length.
char* EncodeSketchPrefix(char* p, int64_t sum, int64_t min, int64_t max, size_t sketch_bytes);

// The length of the cell that `bytes` starts with (what follows it is ignored), reading only what
// locates its end. Corruption when the cell is truncated or its counts are inconsistent; the cell
// is not otherwise validated (Decode does that).
Status MeasureCell(std::string_view bytes, size_t* length);

class RollupCell {
 public:
  uint64_t count = 0;      // requests
  uint64_t retryable = 0;  // requests that ended in a retryable error
  uint64_t fatal = 0;      // requests that ended in a fatal error
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cost_micros = 0;

  uint64_t successes() const { return count - retryable - fatal; }
  // Over successful requests; 0 when there is none.
  int64_t latency_sum_us() const { return latency_sum_; }
  int64_t latency_min_us() const { return latency_min_; }
  int64_t latency_max_us() const { return latency_max_; }

  void Add(const EventRow& row);
  // Adds `other` into this cell. Fails only when two sketches use different options, which a
  // database never mixes.
  Status Merge(const RollupCell& other);
  // Adds the encoded cell `bytes` (exactly one cell) into this one without building a cell from
  // it: a sketch is merged straight from its bytes. Corruption when the bytes are damaged; this
  // cell is then partly merged and must be discarded.
  Status MergeEncoded(std::string_view bytes);
  // Adds everything but the latency distribution (sum, min and max are kept); for queries that ask
  // for no quantile. A cell merged this way must not be asked for quantiles.
  void MergeCounters(const RollupCell& other);

  // Adds this cell's successful latencies to `sketch` (which must use default SketchOptions).
  Status AddLatenciesTo(Sketch* sketch) const;
  // Decodes one cell (all of `bytes`) as Decode(bytes, out, false) does — a sketch is not kept —
  // and, when `latencies` is given, adds the cell's latencies to it, a sketch straight from its
  // bytes. For queries, which need each cell's counters and latencies once. Corruption when the
  // bytes are damaged; `latencies` may then hold part of them and must be discarded.
  static Status DecodeAddingLatencies(std::string_view bytes, RollupCell* out, Sketch* latencies);
  // The exact latencies when the cell keeps them (sorted ascending), else nullptr.
  std::span<const int64_t> exact_latencies() const { return {exact_.data(), exact_count_}; }
  bool has_sketch() const { return sketch_.has_value(); }

  void Encode(std::string* out) const;  // appends
  // Decodes one cell (all of `bytes`); with `with_latencies` false a sketch is skipped
  // (length-checked only), which is much cheaper. Corruption on any damage.
  static Status Decode(std::string_view bytes, RollupCell* out, bool with_latencies = true);
  // Decodes a cell of the first format (row version 1: own version byte and flags byte). Only
  // rows written before format 2 hold such cells; ParseCellRow converts them.
  static Status DecodeVersion1(std::string_view bytes, RollupCell* out);

  friend bool operator==(const RollupCell& a, const RollupCell& b);

 private:
  void AddLatency(int64_t latency_us);
  void SpillToSketch();
  void ResetLatencies();
  Status CheckSketchCount() const;

  int64_t latency_sum_ = 0;
  int64_t latency_min_ = 0;
  int64_t latency_max_ = 0;
  size_t exact_count_ = 0;
  std::array<int64_t, kExactLatencies> exact_{};
  std::optional<Sketch> sketch_;  // set once the cell holds more than kExactLatencies latencies
};

}  // namespace tally::rollup
