#include "engine/query/accumulator.h"

#include <algorithm>
#include <cmath>

namespace tally::query {

void Accumulator::AddLatencyRange(uint64_t successes, int64_t min_us, int64_t max_us) {
  if (successes == 0) return;
  const bool first = totals_.successes() == successes;  // counters already include these
  totals_.latency_min_us = first ? min_us : std::min(totals_.latency_min_us, min_us);
  totals_.latency_max_us = first ? max_us : std::max(totals_.latency_max_us, max_us);
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

Status Accumulator::AddCell(const rollup::RollupCell& cell) {
  totals_.requests += cell.count;
  totals_.retryable_errors += cell.retryable;
  totals_.fatal_errors += cell.fatal;
  totals_.input_tokens += cell.input_tokens;
  totals_.output_tokens += cell.output_tokens;
  totals_.spend_micros += cell.cost_micros;
  totals_.latency_sum_us += cell.latency_sum_us();
  AddLatencyRange(cell.successes(), cell.latency_min_us(), cell.latency_max_us());
  if (latencies_ && cell.successes() > 0) return cell.AddLatenciesTo(&*latencies_);
  return Status::OK();
}

void Accumulator::AddTotals(const Totals& cell) {
  totals_.requests += cell.requests;
  totals_.retryable_errors += cell.retryable_errors;
  totals_.fatal_errors += cell.fatal_errors;
  totals_.input_tokens += cell.input_tokens;
  totals_.output_tokens += cell.output_tokens;
  totals_.spend_micros += cell.spend_micros;
  totals_.latency_sum_us += cell.latency_sum_us;
  AddLatencyRange(cell.successes(), cell.latency_min_us, cell.latency_max_us);
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
