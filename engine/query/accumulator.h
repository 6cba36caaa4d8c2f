// Accumulator: the running answer of one result row (one bucket of one group) while a query reads
// rollup cells, raw events and head events.
#pragma once

#include <optional>

#include "engine/rollup/rollup_cell.h"
#include "tally/query.h"
#include "tally/sketch.h"

namespace tally::query {

class Accumulator {
 public:
  explicit Accumulator(bool with_latencies) {
    if (with_latencies) latencies_.emplace();
  }

  void AddEvent(const EventRow& row);
  Status AddCell(const rollup::RollupCell& cell);
  // Adds the counters of a cell (TotalsCache); only for accumulators without latencies.
  void AddTotals(const Totals& cell);

  const Totals& totals() const { return totals_; }
  // The latency quantiles; NaN where there is no successful request.
  std::vector<double> Quantiles(const std::vector<double>& qs) const;

 private:
  void AddLatencyRange(uint64_t successes, int64_t min_us, int64_t max_us);

  Totals totals_;
  std::optional<Sketch> latencies_;
};

}  // namespace tally::query
