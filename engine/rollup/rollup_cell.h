// RollupCell: everything the dashboard needs about one series over one time bucket, so that a
// query over any range adds up cells instead of reading events.
//
// Counts, token sums and money are exact integers; latency statistics (sum, min, max and a
// mergeable quantile sketch) cover successful requests only, because failed requests end early and
// would pull percentiles down exactly when something is wrong. Cells merge exactly: merging is
// associative and commutative, and the merged bytes do not depend on the order.
//
// Serialized layout (docs/format.md, "Rollup cell"): a version byte, the counters as varints and
// the sketch (length-prefixed). Cells are stored inside cell rows (cell_row.h), which carry the
// checksum.
//
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tally/db.h"
#include "tally/sketch.h"
#include "tally/status.h"

namespace tally::rollup {

inline constexpr uint8_t kCellVersion = 1;  // Do not change: on-disk format.

struct RollupCell {
  uint64_t count = 0;      // requests
  uint64_t retryable = 0;  // requests that ended in a retryable error
  uint64_t fatal = 0;      // requests that ended in a fatal error
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t cost_micros = 0;
  // Over successful requests only (count - retryable - fatal of them).
  int64_t latency_sum_us = 0;
  int64_t latency_min_us = 0;  // meaningless while there is no successful request
  int64_t latency_max_us = 0;
  Sketch latency;

  uint64_t successes() const { return count - retryable - fatal; }

  void Add(const EventRow& row);
  // Adds `other` into this cell. Fails (leaving this cell unspecified) only when the sketches use
  // different options, which a database never mixes.
  Status Merge(const RollupCell& other);
  // Adds everything but the sketch; for queries that do not ask for quantiles.
  void MergeCounters(const RollupCell& other);

  void Encode(std::string* out) const;  // appends
  // Decodes a cell; with `with_sketch` false the sketch bytes are checked for length only and the
  // sketch is left empty (much cheaper). Corruption on any damage.
  static Status Decode(std::string_view bytes, RollupCell* out, bool with_sketch = true);
};

}  // namespace tally::rollup
