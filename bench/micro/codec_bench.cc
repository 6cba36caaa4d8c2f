// Block codec micro-benchmarks: encode and decode of realistic one-series blocks (256, 4096 and
// 65536 rows), reporting rows/s and the encoded size per row. The blocks come from the codec
// tests' deterministic generator (fixed seeds): a mix of series with gaps from 50 ms to 1 h,
// lognormal tokens, latency from time-to-first-token and per-token time, priced cost, 1.5% errors
// and, for some series, event ids.
//
//   build-codec/bench/tally-codec-bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include <random>

#include "engine/codec/block.h"
#include "tests/codec/realistic_blocks.h"

namespace tally::codec {
namespace {

// A fixed set of series, so that every size is measured on the same mix.
std::vector<BlockColumns> MakeBlocks(size_t rows, bool with_event_ids) {
  std::mt19937_64 rng(20250101);
  std::vector<BlockColumns> blocks;
  for (int series = 0; series < 16; ++series) {
    testing::SeriesProfile profile = testing::RandomProfile(rng);
    if (!with_event_ids) profile.event_ids = testing::EventIdStyle::kNone;
    blocks.push_back(testing::MakeSeriesBlock(profile, rows, rng()));
  }
  return blocks;
}

void SetCounters(benchmark::State& state, size_t rows_per_iteration, size_t bytes, size_t rows) {
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows_per_iteration),
                                                benchmark::Counter::kIsIterationInvariantRate);
  state.counters["B/row"] = static_cast<double>(bytes) / static_cast<double>(rows);
}

void BM_EncodeBlock(benchmark::State& state) {
  const auto blocks = MakeBlocks(static_cast<size_t>(state.range(0)), state.range(1) != 0);
  std::string out;
  size_t bytes = 0, rows = 0, i = 0;
  for (auto _ : state) {
    const BlockColumns& block = blocks[i++ % blocks.size()];
    if (!EncodeBlock(block, &out).ok()) state.SkipWithError("encode failed");
    bytes += out.size(), rows += block.size();
    benchmark::DoNotOptimize(out.data());
  }
  SetCounters(state, blocks[0].size(), bytes, rows);
}

void BM_DecodeBlock(benchmark::State& state) {
  const auto blocks = MakeBlocks(static_cast<size_t>(state.range(0)), state.range(1) != 0);
  std::vector<std::string> encoded(blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (!EncodeBlock(blocks[b], &encoded[b]).ok()) return state.SkipWithError("encode failed");
  }
  BlockColumns out;
  size_t bytes = 0, rows = 0, i = 0;
  for (auto _ : state) {
    const std::string& block = encoded[i++ % encoded.size()];
    if (!DecodeBlock(block, &out).ok()) state.SkipWithError("decode failed");
    bytes += block.size(), rows += out.size();
    benchmark::DoNotOptimize(out.timestamp_us.data());
  }
  SetCounters(state, blocks[0].size(), bytes, rows);
}

void BM_ReadBlockHeader(benchmark::State& state) {
  const auto blocks = MakeBlocks(static_cast<size_t>(state.range(0)), true);
  std::string encoded;
  if (!EncodeBlock(blocks[0], &encoded).ok()) return state.SkipWithError("encode failed");
  for (auto _ : state) {
    Result<BlockHeader> header = ReadBlockHeader(encoded);
    benchmark::DoNotOptimize(header);
  }
}

// Args: rows per block, whether some series carry event ids (1) or none do (0).
#define TALLY_CODEC_SIZES ->Args({256, 0})->Args({4096, 0})->Args({65536, 0})->Args({256, 1})->Args({4096, 1})->Args({65536, 1})
BENCHMARK(BM_EncodeBlock) TALLY_CODEC_SIZES;
BENCHMARK(BM_DecodeBlock) TALLY_CODEC_SIZES;
BENCHMARK(BM_ReadBlockHeader)->Arg(4096);

}  // namespace
}  // namespace tally::codec
