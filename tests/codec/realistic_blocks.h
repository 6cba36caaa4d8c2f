// Realistic synthetic blocks for codec tests and benchmarks: one series' events as an LLM gateway
// reports them (Poisson arrivals with a daily cycle, lognormal token counts, latency driven by
// time-to-first-token and per-token time, cost a linear function of tokens, 1.5% errors).
// Deterministic for a given seed. Header-only so that the benchmark can share it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "engine/codec/block.h"

namespace tally::codec::testing {

enum class EventIdStyle { kNone, kRandom, kMonotonic };

struct SeriesProfile {
  double mean_gap_us = 1e6;
  double input_median = 1000, input_sigma = 1.2;
  double output_median = 60, output_sigma = 0.9;
  double time_per_token_us = 20000;
  int64_t price_in_per_million = 150000;   // micro-units per million tokens
  int64_t price_out_per_million = 600000;
  int64_t fee_micros = 0;
  EventIdStyle event_ids = EventIdStyle::kNone;
};

// A profile drawn the way a deployment's series vary (gaps from 50 ms to 1 h, ...).
inline SeriesProfile RandomProfile(std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  SeriesProfile p;
  p.mean_gap_us = std::exp(std::log(5e4) + u(rng) * (std::log(3.6e9) - std::log(5e4)));
  p.input_median = 600 + 900 * u(rng);
  p.input_sigma = 1.1 + 0.3 * u(rng);
  p.output_median = std::exp(std::log(13.0) + u(rng) * (std::log(200.0) - std::log(13.0)));
  p.output_sigma = 0.85 + 0.15 * u(rng);
  p.time_per_token_us = 10000 + 30000 * u(rng);
  const bool expensive = u(rng) < 0.3;
  p.price_in_per_million = expensive ? 3000000 : 150000;
  p.price_out_per_million = expensive ? 12000000 : 600000;
  p.fee_micros = u(rng) < 0.2 ? 100 : 0;
  const double id_draw = u(rng);
  p.event_ids = id_draw < 0.7 ? EventIdStyle::kNone : id_draw < 0.85 ? EventIdStyle::kRandom : EventIdStyle::kMonotonic;
  return p;
}

inline BlockColumns MakeSeriesBlock(const SeriesProfile& p, size_t rows, uint64_t seed,
                                    int64_t start_us = 1735689600LL * 1000000) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> normal(0, 1);
  BlockColumns c;
  c.reserve(rows);
  double t = static_cast<double>(start_us);
  uint64_t next_id = rng();
  constexpr double kDayUs = 86400e6;
  for (size_t i = 0; i < rows; ++i) {
    // Thinning-free approximation of a daily cycle: the gap mean follows the rate at time t.
    const double rate_factor = 1 + 0.6 * std::sin(2 * std::numbers::pi * t / kDayUs);
    t += -std::log(1 - u(rng)) * p.mean_gap_us / rate_factor;
    BlockRow row;
    row.timestamp_us = static_cast<int64_t>(t);
    const double draw = u(rng);
    row.outcome = draw < 0.985 ? 0 : draw < 0.995 ? 1 : 2;
    row.input_tokens = std::clamp<int64_t>(std::llround(p.input_median * std::exp(p.input_sigma * normal(rng))), 1, 128000);
    row.output_tokens = row.outcome != 0 ? 0
        : std::clamp<int64_t>(std::llround(p.output_median * std::exp(p.output_sigma * normal(rng))), 1, 8192);
    const double ttft = 300000 * std::exp(0.6 * normal(rng));
    if (row.outcome == 0) {
      const double tpot = p.time_per_token_us * (1 + 0.05 * normal(rng));
      row.latency_us = std::llround(ttft + row.output_tokens * std::max(tpot, 0.0));
    } else {
      row.latency_us = std::llround(ttft * 0.3);
    }
    row.cost_micros = (row.input_tokens * p.price_in_per_million + row.output_tokens * p.price_out_per_million +
                       500000) / 1000000 + p.fee_micros;
    switch (p.event_ids) {
      case EventIdStyle::kNone: row.event_id = 0; break;
      case EventIdStyle::kRandom: row.event_id = rng(); break;
      case EventIdStyle::kMonotonic: row.event_id = next_id++; break;
    }
    c.push_back(row);
  }
  return c;
}

}  // namespace tally::codec::testing
