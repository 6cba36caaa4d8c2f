// Accumulator: the running answer of one result row (one bucket of one group) while a query reads
// rollup cells, raw events and head events.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "engine/rollup/rollup_cell.h"
#include "tally/query.h"
#include "tally/sketch.h"

namespace tally::query {

// A cell's counters as query totals.
Totals CountersOf(const rollup::RollupCell& cell);

class Accumulator {
 public:
  explicit Accumulator(bool with_latencies) {
    if (with_latencies) latencies_.emplace();
  }

  void AddEvent(const EventRow& row);
  // Adds the encoded cell `encoded` (decoded once, into *scratch): its counters and, for an
  // accumulator with latencies, its latencies, a sketch merged straight from its bytes.
  Status AddEncodedCell(std::string_view encoded, rollup::RollupCell* scratch);
  // The same for a cell whose counters are known already (the cache holds them decoded); its bytes
  // are decoded only for latencies.
  Status AddCachedCell(const Totals& counters, std::string_view encoded, rollup::RollupCell* scratch) {
    AddTotals(counters);
    if (!latencies_ || counters.successes() == 0) return Status::OK();
    return rollup::RollupCell::DecodeAddingLatencies(encoded, scratch, &*latencies_);
  }
  // Adds the counters alone. REQUIRES: !with_latencies().
  void AddTotals(const Totals& cell) {
    totals_.requests += cell.requests;
    totals_.retryable_errors += cell.retryable_errors;
    totals_.fatal_errors += cell.fatal_errors;
    totals_.input_tokens += cell.input_tokens;
    totals_.output_tokens += cell.output_tokens;
    totals_.spend_micros += cell.spend_micros;
    totals_.latency_sum_us += cell.latency_sum_us;
    AddLatencyRange(cell.successes(), cell.latency_min_us, cell.latency_max_us);
  }
  bool with_latencies() const { return latencies_.has_value(); }

  const Totals& totals() const { return totals_; }
  // The latency quantiles; NaN where there is no successful request.
  std::vector<double> Quantiles(const std::vector<double>& qs) const;

 private:
  void AddLatencyRange(uint64_t successes, int64_t min_us, int64_t max_us) {
    if (successes == 0) return;
    const bool first = totals_.successes() == successes;  // counters already include these
    totals_.latency_min_us = first ? min_us : std::min(totals_.latency_min_us, min_us);
    totals_.latency_max_us = first ? max_us : std::max(totals_.latency_max_us, max_us);
  }

  Totals totals_;
  std::optional<Sketch> latencies_;
};

}  // namespace tally::query
