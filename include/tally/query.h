// Query: a usage question — which series (filter), when (range, step), grouped how (labels), and
// which measures — and its answer as plain rows.
//
//   tally::Query q;
//   q.filter.matchers.push_back(tally::LabelMatcher::Equal(tally::Label::kWorkspace, "acme"));
//   q.range = tally::LastDay(now_us);            // "now" is always passed in, never read from a clock
//   q.step = tally::Step::kHour;
//   q.group_by = {tally::Label::kEndpoint};
//   q.quantiles = {0.5, 0.95, 0.99};
//   auto result = db->Query(q);                   // rows: one per (hour, endpoint) with requests
//
// Counts, token sums and money are exact: the planner covers the range with the coarsest rollup
// cells that fit it exactly and fills the unaligned edges from finer rollups and raw events (and
// the in-memory head), so every event in the range is counted once. Latency quantiles come from
// mergeable sketches (or exact lists for small cells): each answer y for quantile q satisfies
// |y − x| ≤ 1% · x, where x is the lower q-quantile x[floor(q·(n−1))] of the exact latencies.
// Latency measures cover successful requests only.
//
// Buckets are in UTC: minute, hour, day, ISO week (from Monday 00:00), calendar month. A range is
// half-open [from, to); the first and last buckets are cut to it.
//
// Thread-safety: plain values.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tally/series.h"

namespace tally {

enum class Step : uint8_t { kNone, kMinute, kHour, kDay, kWeek, kMonth };

// The measures a result row answers; used to order top-K results.
enum class Measure : uint8_t {
  kRequests,
  kInputTokens,
  kOutputTokens,
  kTotalTokens,
  kSpend,
  kSuccessRate,
  kRetryableErrorRate,
  kFatalErrorRate,
  kAvgLatency,
  kMinLatency,
  kMaxLatency,
  kLatencyQuantile,  // the first of Query::quantiles
};

// Ranges that end at `now_us` (which the caller passes; the library never reads the clock).
inline TimeRange LastHour(int64_t now_us) { return {now_us - 3600LL * 1000000, now_us}; }
inline TimeRange LastDay(int64_t now_us) { return {now_us - 86400LL * 1000000, now_us}; }
inline TimeRange LastWeek(int64_t now_us) { return {now_us - 7 * 86400LL * 1000000, now_us}; }
inline TimeRange LastMonth(int64_t now_us) { return {now_us - 30 * 86400LL * 1000000, now_us}; }

struct Query {
  SeriesFilter filter;
  TimeRange range;  // REQUIRES: from_us < to_us, both finite (not the TimeRange defaults)
  Step step = Step::kNone;
  std::vector<Label> group_by;
  std::vector<double> quantiles;  // latency quantiles to answer per row, each in [0, 1]
  // Keep only the `limit` rows with the largest `order_by` (ties: group labels ascending, then
  // time); 0 keeps every row, ordered by time, then group labels.
  Measure order_by = Measure::kRequests;
  size_t limit = 0;
};

// Exact totals of one result row.
struct Totals {
  uint64_t requests = 0;
  uint64_t retryable_errors = 0;
  uint64_t fatal_errors = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t spend_micros = 0;
  // Over successful requests.
  int64_t latency_sum_us = 0;
  int64_t latency_min_us = 0;  // 0 when there is no successful request
  int64_t latency_max_us = 0;

  uint64_t successes() const { return requests - retryable_errors - fatal_errors; }
  int64_t total_tokens() const { return input_tokens + output_tokens; }
  double success_rate() const { return requests ? static_cast<double>(successes()) / requests : 0; }
  double retryable_error_rate() const { return requests ? static_cast<double>(retryable_errors) / requests : 0; }
  double fatal_error_rate() const { return requests ? static_cast<double>(fatal_errors) / requests : 0; }
  double avg_latency_us() const { return successes() ? static_cast<double>(latency_sum_us) / successes() : 0; }

  friend bool operator==(const Totals&, const Totals&) = default;
};

struct ResultRow {
  int64_t time_us = 0;              // start of the bucket (the range start when step is kNone)
  std::vector<std::string> group;   // values of Query::group_by, in order
  Totals totals;
  std::vector<double> quantiles;    // per Query::quantiles; NaN when there is no successful request
};

// How the answer was found.
struct QueryStats {
  std::vector<int64_t> resolutions_us;  // the database's rollup resolutions, ascending
  std::vector<uint64_t> cells;          // rollup cells read, per resolution
  uint64_t raw_events = 0;              // events read from blocks
  uint64_t head_events = 0;             // events read from the in-memory head
  uint64_t series = 0;                  // series matching the filter

  // Retention (docs/query.md): from where each level is kept — raw events, then per resolution —
  // INT64_MIN when nothing of it has expired.
  int64_t raw_from_us = INT64_MIN;
  std::vector<int64_t> rollups_from_us;
  // True when the range reached into expired raw events where no retained rollup fits it exactly:
  // bucket edges were moved to the boundaries of the finest cells retained there (the range
  // start and bucket starts down, the range end up), or a part had no data left at all. Counts
  // are then exact for the moved range, not the one asked for.
  bool approximate = false;
};

struct QueryResult {
  std::vector<ResultRow> rows;
  QueryStats stats;
};

// The value of `measure` for `row` (quantile: the row's first quantile).
double MeasureValue(const ResultRow& row, Measure measure);

// "requests", "input_tokens", ... as the tool names them; and back.
std::string_view MeasureName(Measure measure);
bool ParseMeasure(std::string_view name, Measure* out);

}  // namespace tally
