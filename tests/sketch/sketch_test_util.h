// Shared helpers for the sketch tests: value generators and the exact (brute-force) quantile.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tally/sketch.h"

namespace tally::sketch_test {

inline const std::vector<double>& TestedQuantiles() {
  static const std::vector<double> q = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};
  return q;
}

// The exact lower q-quantile as the sketch defines it: x[floor(q * (n - 1))] of the sorted values.
inline double ExactQuantile(const std::vector<double>& sorted, double q) {
  const auto k = static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)));
  return sorted[k];
}

// Adds every value; fails the test on the first rejected one.
inline Sketch BuildSketch(const std::vector<double>& values, const SketchOptions& options = {}) {
  Result<Sketch> sketch = Sketch::Create(options);
  EXPECT_TRUE(sketch.ok()) << sketch.status().ToString();
  for (double v : values) {
    Status s = sketch->Add(v);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return std::move(sketch).value();
}

// Checks every tested quantile of `sketch` against the exact answer over `values`.
inline void ExpectWithinRelativeError(const std::vector<double>& values, const Sketch& sketch,
                                      double alpha, const std::string& label) {
  ASSERT_FALSE(values.empty());
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(sketch.Count(), sorted.size()) << label;
  for (double q : TestedQuantiles()) {
    Result<double> answer = sketch.Quantile(q);
    ASSERT_TRUE(answer.ok()) << label << " q=" << q << ": " << answer.status().ToString();
    const double exact = ExactQuantile(sorted, q);
    EXPECT_LE(std::fabs(*answer - exact), alpha * exact)
        << label << " q=" << q << " exact=" << exact << " answer=" << *answer
        << " relative error=" << std::fabs(*answer - exact) / exact;
  }
}

// Lognormal values with the given median and sigma (of the natural logarithm).
inline std::vector<double> Lognormal(size_t n, double median, double sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = median * std::exp(sigma * normal(rng));
  return v;
}

// Pareto values x_m / U^(1/shape), U uniform in (0, 1].
inline std::vector<double> Pareto(size_t n, double scale, double shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = scale / std::pow(1.0 - uniform(rng), 1.0 / shape);
  return v;
}

inline std::vector<double> Uniform(size_t n, double lo, double hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = uniform(rng);
  return v;
}

// LLM request latency in whole microseconds: time to first token (lognormal, median 300 ms,
// sigma 0.6) plus output tokens (lognormal, median 200, sigma 1.0) times 10-40 ms per token.
inline std::vector<double> LlmLatenciesMicros(size_t n, uint64_t seed) {
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

}  // namespace tally::sketch_test
