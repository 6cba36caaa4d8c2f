// Accuracy: every tested quantile is within alpha (relative) of the exact lower quantile, on
// synthetic distributions and on real LLM token counts.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/sketch/sketch_test_util.h"

namespace tally::sketch_test {
namespace {

const double kAlphas[] = {0.01, 0.001, 0.05};

SketchOptions WithAlpha(double alpha) {
  SketchOptions o;
  o.relative_accuracy = alpha;
  o.bin_limit = 65536;  // no collapse: the guarantee is stated for uncollapsed sketches
  return o;
}

void CheckDistribution(const std::vector<double>& values, const std::string& name) {
  for (double alpha : kAlphas) {
    Sketch sketch = BuildSketch(values, WithAlpha(alpha));
    ASSERT_FALSE(sketch.Collapsed()) << name;
    ExpectWithinRelativeError(values, sketch, alpha, name + " alpha=" + std::to_string(alpha));
  }
}

TEST(SketchAccuracy, Lognormal) {
  CheckDistribution(Lognormal(20000, 300000.0, 0.6, 1), "lognormal sigma 0.6");
  CheckDistribution(Lognormal(20000, 1.0, 3.0, 2), "lognormal sigma 3");
}

TEST(SketchAccuracy, ParetoHeavyTail) {
  CheckDistribution(Pareto(20000, 1000.0, 1.2, 3), "pareto 1.2");
}

TEST(SketchAccuracy, Uniform) {
  CheckDistribution(Uniform(20000, 0.0, 1e6, 4), "uniform [0, 1e6)");
  CheckDistribution(Uniform(20000, 1000.0, 1001.0, 5), "uniform [1000, 1001)");
}

TEST(SketchAccuracy, Constant) {
  CheckDistribution(std::vector<double>(1000, 1234.5), "constant 1234.5");
  CheckDistribution(std::vector<double>(1000, 0.0), "constant 0");
  CheckDistribution(std::vector<double>(1000, 1e-300), "constant 1e-300");
  CheckDistribution(std::vector<double>(1000, Sketch::kMaxValue), "constant 2^62");
}

TEST(SketchAccuracy, Bimodal) {
  std::vector<double> values = Lognormal(10000, 2000.0, 0.3, 6);
  std::vector<double> slow = Lognormal(10000, 5e6, 0.5, 7);
  values.insert(values.end(), slow.begin(), slow.end());
  CheckDistribution(values, "bimodal");
}

TEST(SketchAccuracy, WithZeros) {
  std::vector<double> values = Lognormal(5000, 50.0, 1.0, 8);
  values.insert(values.end(), 2000, 0.0);
  CheckDistribution(values, "lognormal with 2000 zeros");
}

TEST(SketchAccuracy, Tiny) {
  CheckDistribution({42.0}, "n=1");
  CheckDistribution({42.0, 7.0}, "n=2");
  CheckDistribution({3.0, 1e9, 0.5}, "n=3");
  CheckDistribution({0.0, 1.0, 2.0}, "n=3 with zero");
}

TEST(SketchAccuracy, ManyRandomSmallSets) {
  // Small sets exercise the rank arithmetic at every boundary.
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 300; ++trial) {
    const size_t n = 1 + rng() % 40;
    std::vector<double> values = Lognormal(n, 100.0, 2.0, rng());
    for (size_t i = 0; i < n; i += 7) values[i] = 0.0;
    Sketch sketch = BuildSketch(values);
    ExpectWithinRelativeError(values, sketch, 0.01, "trial " + std::to_string(trial));
  }
}

TEST(SketchAccuracy, LlmLatencies) {
  CheckDistribution(LlmLatenciesMicros(50000, 10), "llm latency");
}

// Real token counts from the Azure LLM inference trace (code workload, 2023).
TEST(SketchAccuracy, AzureTokenCounts) {
  const std::string path = std::string(TALLY_SOURCE_DIR) + "/../shared/data/azure-llm-inference-code-2023.csv";
  std::ifstream file(path);
  ASSERT_TRUE(file.is_open()) << "the Azure trace is required for this test and was not found at "
                              << path;
  std::string line;
  ASSERT_TRUE(std::getline(file, line));
  ASSERT_EQ(line.rfind("TIMESTAMP,ContextTokens,GeneratedTokens", 0), 0u) << "unexpected header: " << line;
  std::vector<double> context, generated, total;
  while (std::getline(file, line)) {
    if (line.empty() || line == "\r") continue;
    std::stringstream row(line);
    std::string timestamp, ctx, gen;
    ASSERT_TRUE(std::getline(row, timestamp, ',') && std::getline(row, ctx, ',') && std::getline(row, gen))
        << "malformed row: " << line;
    context.push_back(std::stod(ctx));
    generated.push_back(std::stod(gen));
    total.push_back(context.back() + generated.back());
  }
  ASSERT_GT(context.size(), 1000u) << "the trace at " << path << " looks truncated";
  CheckDistribution(context, "azure context tokens");
  CheckDistribution(generated, "azure generated tokens");
  CheckDistribution(total, "azure total tokens");

  // Token counts are integers: the sum is exact.
  Sketch sketch = BuildSketch(context);
  double exact = 0;
  for (double v : context) exact += v;  // integers far below 2^53: exact in any order
  EXPECT_EQ(sketch.Sum(), exact);
}

}  // namespace
}  // namespace tally::sketch_test
