// The usage dashboard's seven questions on the ingest benchmark's workload (10,000,000 events over
// 30 days, docs/workload.md), each answered by DB::Query from rollups and, for comparison, by
// scanning the raw events of the same series and range (DB::ScanEvents) and aggregating them.
//
//   Q1  one busy workspace's totals over 30 days
//   Q2  its hourly series over 7 days
//   Q3  top 10 models by spend, all workspaces, 30 days
//   Q4  its P50/P95/P99 latency per endpoint over 24 h
//   Q5  error and success rate per endpoint, all workspaces, 24 h
//   Q6  its daily cost by model over 30 days
//   Q7  its usage per API key for one day
//
// The database is built once (ingest with 1m/1h/1d rollups, flush, compact) in
// $TMPDIR/tally-dashboard-bench-<events>, and reused by later runs. TALLY_DASHBOARD_EVENTS sets the
// number of events (default 10,000,000). Every query is timed warm: counters `p50_us` and `p99_us`
// are over the benchmark's iterations.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>

#include <benchmark/benchmark.h>

#include "tally/db.h"
#include "tools/workload/workload.h"

namespace tally {
namespace {

constexpr const char* kBusyWorkspace = "ws-0001";  // the busiest workspace of the workload

uint64_t EventCount() {
  const char* env = std::getenv("TALLY_DASHBOARD_EVENTS");
  return env ? std::strtoull(env, nullptr, 10) : 10'000'000;
}

DB& Database() {
  static std::unique_ptr<DB> db = [] {
    const uint64_t events = EventCount();
    const std::string dir = (std::filesystem::temp_directory_path() / ("tally-dashboard-bench-" + std::to_string(events))).string();
    const bool fresh = !std::filesystem::exists(dir + "/CURRENT");
    Options options;
    if (fresh) {
      std::filesystem::remove_all(dir);
      options.rollup_resolutions_us = kStandardRollupResolutions;
    }
    auto opened = DB::Open(dir, options);
    if (!opened.ok()) {
      std::fprintf(stderr, "dashboard bench: %s\n", opened.status().ToString().c_str());
      std::exit(1);
    }
    if (fresh) {
      std::fprintf(stderr, "dashboard bench: building %s (%llu events)...\n", dir.c_str(),
                   static_cast<unsigned long long>(events));
      workload::WorkloadConfig config;
      config.events = events;
      workload::WorkloadGenerator generator(config);
      std::vector<UsageEvent> batch;
      while (generator.NextBatch(1000, &batch) > 0) {
        if (!(*opened)->Append(batch).ok()) std::exit(1);
      }
      if (!(*opened)->Compact().ok()) std::exit(1);
    }
    return std::move(opened).value();
  }();
  return *db;
}

constexpr int64_t kEnd = workload::kDefaultWorkloadStartUs + 30 * kMicrosPerDay;  // "now"

Query Question(int n) {
  Query q;
  const LabelMatcher busy = LabelMatcher::Equal(Label::kWorkspace, kBusyWorkspace);
  switch (n) {
    case 1:
      q.filter.matchers = {busy};
      q.range = LastMonth(kEnd);
      break;
    case 2:
      q.filter.matchers = {busy};
      q.range = LastWeek(kEnd);
      q.step = Step::kHour;
      break;
    case 3:
      q.range = LastMonth(kEnd);
      q.group_by = {Label::kModel};
      q.order_by = Measure::kSpend;
      q.limit = 10;
      break;
    case 4:
      q.filter.matchers = {busy};
      q.range = LastDay(kEnd);
      q.group_by = {Label::kEndpoint};
      q.quantiles = {0.5, 0.95, 0.99};
      break;
    case 5:
      q.range = LastDay(kEnd);
      q.group_by = {Label::kEndpoint};
      break;
    case 6:
      q.filter.matchers = {busy};
      q.range = LastMonth(kEnd);
      q.step = Step::kDay;
      q.group_by = {Label::kModel};
      break;
    case 7:
      q.filter.matchers = {busy};
      q.range = LastDay(kEnd - 7 * kMicrosPerDay);
      q.group_by = {Label::kApiKey};
      break;
  }
  return q;
}

// The same question answered from raw events: scan, bucket, group and aggregate in the caller.
size_t AnswerByScan(DB& db, const Query& q) {
  struct Acc {
    Totals totals;
    std::vector<int64_t> latencies;
  };
  std::map<std::pair<int64_t, std::vector<std::string>>, Acc> groups;
  Status s = db.ScanEvents(q.filter, q.range, [&](const SeriesInfo& series, std::span<const EventRow> rows) {
    std::vector<std::string> key;
    for (Label l : q.group_by) key.push_back(series.labels.Get(l));
    for (const EventRow& r : rows) {
      int64_t bucket = q.step == Step::kHour ? r.timestamp_us / kMicrosPerHour
                       : q.step == Step::kDay ? r.timestamp_us / kMicrosPerDay
                                              : 0;
      Acc& a = groups[{bucket, key}];
      ++a.totals.requests;
      a.totals.input_tokens += r.input_tokens;
      a.totals.output_tokens += r.output_tokens;
      a.totals.spend_micros += r.cost_micros;
      a.totals.retryable_errors += r.outcome == Outcome::kRetryableError;
      a.totals.fatal_errors += r.outcome == Outcome::kFatalError;
      if (!q.quantiles.empty() && r.outcome == Outcome::kSuccess) a.latencies.push_back(r.latency_us);
    }
    return Status::OK();
  });
  if (!s.ok()) std::exit(1);
  for (auto& [k, a] : groups) {
    for (double quantile : q.quantiles) {
      if (a.latencies.empty()) continue;
      auto nth = a.latencies.begin() + static_cast<ptrdiff_t>(quantile * static_cast<double>(a.latencies.size() - 1));
      std::nth_element(a.latencies.begin(), nth, a.latencies.end());
    }
  }
  return groups.size();
}

void Report(benchmark::State& state, std::vector<double>& micros) {
  std::sort(micros.begin(), micros.end());
  if (micros.empty()) return;
  state.counters["p50_us"] = micros[micros.size() / 2];
  state.counters["p99_us"] = micros[std::min(micros.size() - 1, micros.size() * 99 / 100)];
}

void BM_FromRollups(benchmark::State& state) {
  DB& db = Database();
  const Query q = Question(static_cast<int>(state.range(0)));
  std::vector<double> micros;
  size_t rows = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    Result<QueryResult> r = db.Query(q);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
    rows = r->rows.size();
  }
  state.counters["rows"] = static_cast<double>(rows);
  Report(state, micros);
}

void BM_RawScan(benchmark::State& state) {
  DB& db = Database();
  const Query q = Question(static_cast<int>(state.range(0)));
  std::vector<double> micros;
  size_t rows = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    rows = AnswerByScan(db, q);
    micros.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  state.counters["rows"] = static_cast<double>(rows);
  Report(state, micros);
}

BENCHMARK(BM_FromRollups)->DenseRange(1, 7)->Unit(benchmark::kMicrosecond)->MinTime(0.5);
BENCHMARK(BM_RawScan)->DenseRange(1, 7)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace
}  // namespace tally
