// Quantile sketch micro-benchmarks (docs/benchmarks.md, "Sketch" has the method and the figures).
//
// Data: LLM request latency in whole microseconds, time to first token (lognormal, median 300 ms,
// sigma 0.6) plus output tokens (lognormal, median 200, sigma 1.0) times 10-40 ms per token
// (uniform). A "day" is 1,000,000 values; a "minute" is 1/1440 of it (~694 values). All values are
// generated before any timed loop.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tally/sketch.h"

namespace {

constexpr size_t kDayValues = 1'000'000;
constexpr size_t kMinutes = 1440;

std::vector<double> LlmLatenciesMicros(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> per_token(10'000.0, 40'000.0);
  std::vector<double> v(n);
  for (double& x : v) {
    const double ttft = 300'000.0 * std::exp(0.6 * normal(rng));
    const double tokens = std::max(1.0, std::round(200.0 * std::exp(normal(rng))));
    x = std::round(ttft + tokens * per_token(rng));
  }
  return v;
}

const std::vector<double>& DayValues() {
  static const std::vector<double> values = LlmLatenciesMicros(kDayValues, 2024);
  return values;
}

// The values of minute m: a contiguous slice of the day.
std::pair<size_t, size_t> MinuteSlice(size_t m) {
  return {m * kDayValues / kMinutes, (m + 1) * kDayValues / kMinutes};
}

tally::Sketch BuildFrom(const std::vector<double>& values, size_t begin, size_t end) {
  tally::Sketch s;
  for (size_t i = begin; i < end; ++i) {
    if (!s.Add(values[i]).ok()) std::abort();
  }
  return s;
}

const std::vector<std::string>& MinuteBytes() {
  static const std::vector<std::string> minutes = [] {
    std::vector<std::string> out;
    for (size_t m = 0; m < kMinutes; ++m) {
      auto [begin, end] = MinuteSlice(m);
      out.push_back(BuildFrom(DayValues(), begin, end).Serialize());
    }
    return out;
  }();
  return minutes;
}

const tally::Sketch& DaySketch() {
  static const tally::Sketch day = BuildFrom(DayValues(), 0, kDayValues);
  return day;
}

// Insert: ns per value (the "ns_per_value" counter), blocks of 4,096 values per iteration.
void BM_SketchAdd(benchmark::State& state) {
  const std::vector<double>& values = DayValues();
  constexpr size_t kBlock = 4096;
  tally::Sketch sketch;
  size_t offset = 0;
  for (auto _ : state) {
    const double* block = values.data() + offset;
    for (size_t i = 0; i < kBlock; ++i) {
      if (!sketch.Add(block[i]).ok()) [[unlikely]] state.SkipWithError("Add failed");
    }
    offset = offset + 2 * kBlock <= values.size() ? offset + kBlock : 0;
  }
  benchmark::DoNotOptimize(sketch.Count());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBlock));
  state.counters["ns_per_value"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBlock) / 1e9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_SketchAdd);

// Merge one minute sketch (~694 values) into a day sketch, in memory.
void BM_MergeMinuteIntoDay(benchmark::State& state) {
  tally::Sketch day = DaySketch();
  auto [begin, end] = MinuteSlice(700);
  const tally::Sketch minute = BuildFrom(DayValues(), begin, end);
  for (auto _ : state) {
    if (!day.Merge(minute).ok()) state.SkipWithError("Merge failed");
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(day.Count());
}
BENCHMARK(BM_MergeMinuteIntoDay);

// A day query over stored minutes: 1,440 serialized minute sketches merged from their bytes.
void BM_MergeFrom1440StoredMinutes(benchmark::State& state) {
  const std::vector<std::string>& minutes = MinuteBytes();
  for (auto _ : state) {
    tally::Sketch day;
    for (const std::string& bytes : minutes) {
      if (!day.MergeFrom(bytes).ok()) state.SkipWithError("MergeFrom failed");
    }
    benchmark::DoNotOptimize(day.Count());
  }
  state.counters["ns_per_minute"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kMinutes) / 1e9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_MergeFrom1440StoredMinutes)->Unit(benchmark::kMicrosecond);

void BM_DeserializeDay(benchmark::State& state) {
  const std::string bytes = DaySketch().Serialize();
  for (auto _ : state) {
    tally::Result<tally::Sketch> s = tally::Sketch::Deserialize(bytes);
    if (!s.ok()) state.SkipWithError("Deserialize failed");
    benchmark::DoNotOptimize(s->Count());
  }
  state.counters["day_bytes"] = static_cast<double>(bytes.size());
}
BENCHMARK(BM_DeserializeDay);

void BM_DeserializeMinute(benchmark::State& state) {
  const std::vector<std::string>& minutes = MinuteBytes();
  size_t m = 0;
  for (auto _ : state) {
    tally::Result<tally::Sketch> s = tally::Sketch::Deserialize(minutes[m]);
    if (!s.ok()) state.SkipWithError("Deserialize failed");
    benchmark::DoNotOptimize(s->Count());
    m = m + 1 == minutes.size() ? 0 : m + 1;
  }
}
BENCHMARK(BM_DeserializeMinute);

void BM_SerializeMinute(benchmark::State& state) {
  auto [begin, end] = MinuteSlice(700);
  const tally::Sketch minute = BuildFrom(DayValues(), begin, end);
  std::string out;
  for (auto _ : state) {
    out.clear();
    minute.SerializeTo(&out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_SerializeMinute);

void BM_QuantileP99Day(benchmark::State& state) {
  const tally::Sketch& day = DaySketch();
  for (auto _ : state) benchmark::DoNotOptimize(*day.Quantile(0.99));
}
BENCHMARK(BM_QuantileP99Day);

// Serialized sizes, reported as counters (the timed loop serializes the day sketch).
//   minute_bytes_avg / _max   the 1,440 minute sketches of the day (~694 values each)
//   day_bytes                 the day sketch (1,000,000 values)
//   near_empty_bytes_avg/_max sketches of 1..13 values (1,300 of them, 100 per size)
void BM_SerializedSizes(benchmark::State& state) {
  const std::vector<std::string>& minutes = MinuteBytes();
  double minute_total = 0, minute_max = 0;
  for (const std::string& b : minutes) {
    minute_total += static_cast<double>(b.size());
    minute_max = std::max(minute_max, static_cast<double>(b.size()));
  }
  double small_total = 0, small_max = 0, small_13_total = 0;
  size_t small_n = 0;
  const std::vector<double>& values = DayValues();
  for (size_t n = 1; n <= 13; ++n) {
    for (size_t trial = 0; trial < 100; ++trial) {
      const size_t begin = (n * 100 + trial) * 37;
      const size_t bytes = BuildFrom(values, begin, begin + n).Serialize().size();
      small_total += static_cast<double>(bytes);
      small_max = std::max(small_max, static_cast<double>(bytes));
      if (n == 13) small_13_total += static_cast<double>(bytes);
      ++small_n;
    }
  }
  const tally::Sketch& day = DaySketch();
  size_t day_bytes = 0;
  for (auto _ : state) {
    std::string out = day.Serialize();
    day_bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["minute_bytes_avg"] = minute_total / static_cast<double>(minutes.size());
  state.counters["minute_bytes_max"] = minute_max;
  state.counters["day_bytes"] = static_cast<double>(day_bytes);
  state.counters["near_empty_bytes_avg"] = small_total / static_cast<double>(small_n);
  state.counters["near_empty_bytes_max"] = small_max;
  state.counters["thirteen_values_bytes_avg"] = small_13_total / 100.0;
}
BENCHMARK(BM_SerializedSizes);

}  // namespace
