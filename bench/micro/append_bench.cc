// DB::Append on the benchmark workload: batches of 1,000 consecutive events (hundreds of series
// each), as a gateway sends them. Two variants: with the head never flushing during the run (the
// append path alone: validation, series resolution, the log write, the head insert), and with the
// default flush size (flushes run on the background thread beside the appends).
#include <filesystem>

#include <benchmark/benchmark.h>

#include "tally/db.h"
#include "tools/workload/workload.h"

namespace tally {
namespace {

constexpr size_t kBatch = 1000;
constexpr uint64_t kEvents = 2'000'000;

const std::vector<std::vector<UsageEvent>>& Batches() {
  static workload::WorkloadGenerator* generator = [] {
    workload::WorkloadConfig config;
    config.events = kEvents;
    return new workload::WorkloadGenerator(config);
  }();
  static std::vector<std::vector<UsageEvent>> batches = [] {
    std::vector<std::vector<UsageEvent>> out;
    std::vector<UsageEvent> batch;
    while (generator->NextBatch(kBatch, &batch) > 0) out.push_back(batch);
    return out;
  }();
  return batches;
}

void RunAppends(benchmark::State& state, size_t head_flush_bytes) {
  const auto& batches = Batches();
  const std::string dir = std::filesystem::temp_directory_path() / "tally-append-bench";
  uint64_t events = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    Options options;
    options.head_flush_bytes = head_flush_bytes;
    auto db = DB::Open(dir, options);
    if (!db.ok()) {
      state.SkipWithError(db.status().ToString().c_str());
      return;
    }
    state.ResumeTiming();
    for (const auto& batch : batches) {
      Status s = (*db)->Append(batch);
      if (!s.ok()) {
        state.SkipWithError(s.ToString().c_str());
        return;
      }
      events += batch.size();
    }
    state.PauseTiming();
    db->reset();
    state.ResumeTiming();
  }
  std::filesystem::remove_all(dir);
  state.counters["events_per_s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["ns_per_event"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_AppendNoFlush(benchmark::State& state) { RunAppends(state, size_t{16} << 30); }
void BM_AppendWithFlushes(benchmark::State& state) { RunAppends(state, Options().head_flush_bytes); }

BENCHMARK(BM_AppendNoFlush)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_AppendWithFlushes)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace tally
