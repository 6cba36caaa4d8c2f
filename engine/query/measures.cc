// Measure names and values (the plain-value parts of tally/query.h).
#include <cmath>

#include "tally/query.h"

namespace tally {
namespace {
constexpr std::string_view kMeasureNames[] = {
    "requests",           "input_tokens",     "output_tokens",  "total_tokens",
    "spend",              "success_rate",     "retryable_error_rate", "fatal_error_rate",
    "avg_latency_us",     "min_latency_us",   "max_latency_us", "latency_quantile",
};
}  // namespace

std::string_view MeasureName(Measure measure) { return kMeasureNames[static_cast<int>(measure)]; }

bool ParseMeasure(std::string_view name, Measure* out) {
  for (size_t i = 0; i < std::size(kMeasureNames); ++i) {
    if (kMeasureNames[i] == name) {
      *out = static_cast<Measure>(i);
      return true;
    }
  }
  return false;
}

double MeasureValue(const ResultRow& row, Measure measure) {
  const Totals& t = row.totals;
  switch (measure) {
    case Measure::kRequests: return static_cast<double>(t.requests);
    case Measure::kInputTokens: return static_cast<double>(t.input_tokens);
    case Measure::kOutputTokens: return static_cast<double>(t.output_tokens);
    case Measure::kTotalTokens: return static_cast<double>(t.total_tokens());
    case Measure::kSpend: return static_cast<double>(t.spend_micros);
    case Measure::kSuccessRate: return t.success_rate();
    case Measure::kRetryableErrorRate: return t.retryable_error_rate();
    case Measure::kFatalErrorRate: return t.fatal_error_rate();
    case Measure::kAvgLatency: return t.avg_latency_us();
    case Measure::kMinLatency: return static_cast<double>(t.latency_min_us);
    case Measure::kMaxLatency: return static_cast<double>(t.latency_max_us);
    case Measure::kLatencyQuantile: return row.quantiles.empty() ? NAN : row.quantiles.front();
  }
  return NAN;
}

}  // namespace tally
