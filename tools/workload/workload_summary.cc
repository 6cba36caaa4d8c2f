#include "tools/workload/workload_summary.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tally::workload {

void WorkloadSummary::Add(std::span<const UsageEvent> events) {
  for (const UsageEvent& event : events) {
    if (events_ == 0) first_us_ = event.timestamp_us;
    ++events_;
    ++outcome_count_[static_cast<int>(event.outcome)];
    if (event.environment == "production") ++production_events_;
    input_tokens_ += static_cast<uint64_t>(event.input_tokens);
    output_tokens_ += static_cast<uint64_t>(event.output_tokens);
    cost_micros_ += event.cost_micros;
    if (event.timestamp_us < max_us_) ++out_of_order_;
    max_us_ = std::max(max_us_, event.timestamp_us);
    last_us_ = event.timestamp_us;
    input_values_.push_back(event.input_tokens);
    if (event.outcome == Outcome::kSuccess) {
      output_values_.push_back(event.output_tokens);
      latency_values_.push_back(event.latency_us);
    }
  }
}

int64_t WorkloadSummary::Quantile(std::vector<int64_t>& values, double q) {
  if (values.empty()) return 0;
  const size_t rank = std::min(values.size() - 1, static_cast<size_t>(std::ceil(q * values.size())) - (q > 0));
  std::nth_element(values.begin(), values.begin() + rank, values.end());
  return values[rank];
}

int64_t WorkloadSummary::InputTokensQuantile(double q) const { return Quantile(input_values_, q); }
int64_t WorkloadSummary::OutputTokensQuantile(double q) const { return Quantile(output_values_, q); }
int64_t WorkloadSummary::LatencyQuantile(double q) const { return Quantile(latency_values_, q); }

std::string WorkloadSummary::ToText() const {
  const double n = std::max<double>(1, static_cast<double>(events_));
  char text[1024];
  std::snprintf(
      text, sizeof text,
      "events %llu: success %.3f%%, retryable %.3f%%, fatal %.3f%%, production %.1f%%, out of order %llu\n"
      "input tokens  p50 %lld  p90 %lld  p99 %lld  max %lld  (total %llu)\n"
      "output tokens p50 %lld  p90 %lld  p99 %lld  max %lld  (total %llu, successes)\n"
      "latency ms    p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  (successes)\n"
      "cost %.2f (currency units)\n",
      static_cast<unsigned long long>(events_), 100 * outcome_count(Outcome::kSuccess) / n,
      100 * outcome_count(Outcome::kRetryableError) / n, 100 * outcome_count(Outcome::kFatalError) / n,
      100 * production_events_ / n, static_cast<unsigned long long>(out_of_order_),
      static_cast<long long>(InputTokensQuantile(0.5)), static_cast<long long>(InputTokensQuantile(0.9)),
      static_cast<long long>(InputTokensQuantile(0.99)), static_cast<long long>(InputTokensQuantile(1)),
      static_cast<unsigned long long>(input_tokens_), static_cast<long long>(OutputTokensQuantile(0.5)),
      static_cast<long long>(OutputTokensQuantile(0.9)), static_cast<long long>(OutputTokensQuantile(0.99)),
      static_cast<long long>(OutputTokensQuantile(1)), static_cast<unsigned long long>(output_tokens_),
      LatencyQuantile(0.5) / 1e3, LatencyQuantile(0.9) / 1e3, LatencyQuantile(0.99) / 1e3,
      LatencyQuantile(0.999) / 1e3, static_cast<double>(cost_micros_) / 1e6);
  return text;
}

}  // namespace tally::workload
