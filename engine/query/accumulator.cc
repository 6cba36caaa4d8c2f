#include "engine/query/accumulator.h"

#include <algorithm>
#include <cmath>

#include "engine/util/status_macros.h"

namespace tally::query {

Totals CountersOf(const rollup::RollupCell& cell) {
  Totals t;
  t.requests = cell.count;
  t.retryable_errors = cell.retryable;
  t.fatal_errors = cell.fatal;
  t.input_tokens = cell.input_tokens;
  t.output_tokens = cell.output_tokens;
  t.spend_micros = cell.cost_micros;
  t.latency_sum_us = cell.latency_sum_us();
  t.latency_min_us = cell.latency_min_us();
  t.latency_max_us = cell.latency_max_us();
  return t;
}

Status Accumulator::AddEncodedCell(std::string_view encoded, rollup::RollupCell* scratch) {
  TALLY_RETURN_IF_ERROR(rollup::RollupCell::DecodeAddingLatencies(encoded, scratch, latencies_ ? &*latencies_ : nullptr));
  AddTotals(CountersOf(*scratch));
  return Status::OK();
}

void Accumulator::AddEvent(const EventRow& row) {
  ++totals_.requests;
  totals_.input_tokens += row.input_tokens;
  totals_.output_tokens += row.output_tokens;
  totals_.spend_micros += row.cost_micros;
  if (row.outcome == Outcome::kRetryableError) {
    ++totals_.retryable_errors;
    return;
  }
  if (row.outcome == Outcome::kFatalError) {
    ++totals_.fatal_errors;
    return;
  }
  totals_.latency_sum_us += row.latency_us;
  AddLatencyRange(1, row.latency_us, row.latency_us);
  if (latencies_) (void)latencies_->Add(static_cast<double>(row.latency_us));
}

std::vector<double> Accumulator::Quantiles(const std::vector<double>& qs) const {
  std::vector<double> out;
  for (double q : qs) {
    Result<double> v = latencies_ && !latencies_->empty() ? latencies_->Quantile(q) : Result<double>(Status::NotFound(""));
    out.push_back(v.ok() ? *v : NAN);
  }
  return out;
}

}  // namespace tally::query
