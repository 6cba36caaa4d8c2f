// Distributions: turning the workload's random words into samples of the shapes it needs —
// normal and lognormal values, weighted choices among many items, Zipf-like popularity weights.
//
// Written here rather than taken from <random> because the std:: distributions differ between
// standard libraries, and the workload has to give the same events for the same seed everywhere.
// The sampling algorithms only use +, -, *, / and comparisons in the hot path; the tables they use
// are built once with std::exp / std::log / std::sqrt / std::pow, which are deterministic on a given
// platform and C library (the reproducibility promise is "same seed, same build platform").
//
// Thread-safety: samplers are immutable after construction and may be shared; the Random passed
// to them is the caller's.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tools/workload/random.h"

namespace tally::workload {

// Standard normal samples by the ziggurat method (Marsaglia & Tsang, 2000) with 256 layers: one
// random word and a table lookup for about 99% of samples, and an exact fallback for the rest, so the
// distribution is exactly normal (no truncated tail), unlike a table of quantiles.
class NormalSampler {
 public:
  NormalSampler();

  double Sample(Random& random) const {
    const uint64_t bits = random.Next();
    const unsigned layer = bits & 0xff;
    // The top 53 bits as a signed value in [-1, 1).
    const double u = static_cast<double>(static_cast<int64_t>(bits) >> 11) * 0x1.0p-52;
    const double x = u * edge_[layer];
    if (std::fabs(u) < ratio_[layer]) return x;  // strictly inside the layer's rectangle
    return SampleSlow(random, layer, x);
  }

 private:
  double SampleSlow(Random& random, unsigned layer, double x) const;

  std::array<double, 257> edge_;    // edge_[i]: right edge of layer i; edge_[0] is the base strip's
                                    // virtual width, edge_[256] = 0
  std::array<double, 256> ratio_;   // edge_[i + 1] / edge_[i]: the always-accept fraction
  std::array<double, 257> height_;  // exp(-edge_[i]^2 / 2): the density at the layer edges
};

// exp(N(mu, sigma^2)): median exp(mu), log-standard deviation sigma.
struct LogNormal {
  double mu = 0;
  double sigma = 1;

  static LogNormal WithMedian(double median, double sigma) { return {std::log(median), sigma}; }

  double Sample(const NormalSampler& normal, Random& random) const {
    return std::exp(mu + sigma * normal.Sample(random));
  }
};

// A discrete distribution over [0, n) with given weights, sampled in O(1) with one random word by
// Walker's alias method (Vose's construction). The acceptance thresholds are stored as 32-bit
// integers so that sampling is exact integer work.
class AliasTable {
 public:
  AliasTable() = default;
  // REQUIRES: weights non-empty, every weight >= 0, their sum > 0.
  explicit AliasTable(const std::vector<double>& weights);

  size_t size() const { return threshold_.size(); }

  uint32_t Sample(Random& random) const {
    const uint64_t bits = random.Next();
    const uint32_t slot = static_cast<uint32_t>(((bits >> 32) * threshold_.size()) >> 32);
    return static_cast<uint32_t>(bits) < threshold_[slot] ? slot : alias_[slot];
  }

 private:
  std::vector<uint32_t> threshold_;  // keep `slot` when the low 32 bits are below this
  std::vector<uint32_t> alias_;      // otherwise take this one
};

// Weights 1 / rank^s for ranks 1..n: the Zipf-like popularity of workspaces and endpoints.
std::vector<double> ZipfWeights(size_t n, double s);

}  // namespace tally::workload
