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
// Serialized layout: docs/format.md, "Rollup cell". Cells are stored inside cell rows
// (cell_row.h), which carry the checksum.
//
// Thread-safety: a value type.
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

inline constexpr uint8_t kCellVersion = 1;  // Do not change: on-disk format.
// Successful requests whose latencies a cell keeps exactly. Do not change: on-disk format.
inline constexpr int kExactLatencies = 16;

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
  // Adds everything but the latency distribution (sum, min and max are kept); for queries that ask
  // for no quantile. A cell merged this way must not be asked for quantiles.
  void MergeCounters(const RollupCell& other);

  // Adds this cell's successful latencies to `sketch` (which must use default SketchOptions).
  Status AddLatenciesTo(Sketch* sketch) const;
  // The exact latencies when the cell keeps them (sorted ascending), else nullptr.
  std::span<const int64_t> exact_latencies() const { return {exact_.data(), exact_count_}; }
  bool has_sketch() const { return sketch_.has_value(); }

  void Encode(std::string* out) const;  // appends
  // Decodes a cell; with `with_latencies` false a sketch is skipped (length-checked only), which is
  // much cheaper. Corruption on any damage.
  static Status Decode(std::string_view bytes, RollupCell* out, bool with_latencies = true);

  friend bool operator==(const RollupCell& a, const RollupCell& b);

 private:
  void AddLatency(int64_t latency_us);
  void SpillToSketch();

  int64_t latency_sum_ = 0;
  int64_t latency_min_ = 0;
  int64_t latency_max_ = 0;
  size_t exact_count_ = 0;
  std::array<int64_t, kExactLatencies> exact_{};
  std::optional<Sketch> sketch_;  // set once the cell holds more than kExactLatencies latencies
};

}  // namespace tally::rollup
