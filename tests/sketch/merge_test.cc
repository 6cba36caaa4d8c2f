// Exact merge: however the values are split into partial sketches and in whatever order or tree the
// partials are merged (in memory or from bytes), the result serializes to the same bytes as one
// sketch built from all values, with and without collapse.
#include <gtest/gtest.h>

#include <numeric>

#include "engine/sketch/log_mapping.h"

#include "tests/sketch/sketch_test_util.h"

namespace tally::sketch_test {
namespace {

constexpr size_t kMinutes = 1440;

// `values` split into 1,440 contiguous "minutes" of uneven size (some empty).
std::vector<std::vector<double>> SplitIntoMinutes(const std::vector<double>& values, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> cuts(kMinutes - 1);
  for (size_t& c : cuts) c = rng() % (values.size() + 1);
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::vector<double>> minutes(kMinutes);
  size_t begin = 0;
  for (size_t m = 0; m < kMinutes; ++m) {
    const size_t end = m + 1 < kMinutes ? cuts[m] : values.size();
    minutes[m].assign(values.begin() + static_cast<ptrdiff_t>(begin), values.begin() + static_cast<ptrdiff_t>(end));
    begin = end;
  }
  return minutes;
}

// Value i goes to partition i % 1440: every partition sees the whole range of the data.
std::vector<std::vector<double>> SplitRoundRobin(const std::vector<double>& values) {
  std::vector<std::vector<double>> parts(kMinutes);
  for (size_t i = 0; i < values.size(); ++i) parts[i % kMinutes].push_back(values[i]);
  return parts;
}

Sketch MustCreate(const SketchOptions& options) {
  Result<Sketch> s = Sketch::Create(options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

Sketch MergeInOrder(const std::vector<Sketch>& parts, const std::vector<size_t>& order,
                    const SketchOptions& options) {
  Sketch total = MustCreate(options);
  for (size_t i : order) {
    Status s = total.Merge(parts[i]);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  return total;
}

class ExactMerge : public ::testing::TestWithParam<uint32_t> {
 protected:
  SketchOptions Options() const {
    SketchOptions o;
    o.bin_limit = GetParam();
    return o;
  }

  // Checks every merge strategy of `parts` against `expected` bytes.
  void CheckAllStrategies(const std::vector<std::vector<double>>& partition, const std::string& expected,
                          const std::string& label) {
    const SketchOptions options = Options();
    std::vector<Sketch> parts;
    std::vector<std::string> bytes;
    for (const auto& values : partition) {
      parts.push_back(BuildSketch(values, options));
      bytes.push_back(parts.back().Serialize());
    }
    size_t collapsed_parts = 0;
    for (const Sketch& part : parts) collapsed_parts += part.Collapsed() ? 1 : 0;
    if (GetParam() < 10) {
      EXPECT_GT(collapsed_parts, 0u) << label << ": the small limit should collapse partial sketches too";
    }
    std::vector<size_t> order(parts.size());
    std::iota(order.begin(), order.end(), 0);

    EXPECT_EQ(MergeInOrder(parts, order, options).Serialize(), expected) << label << ": forward";
    std::vector<size_t> reverse(order.rbegin(), order.rend());
    EXPECT_EQ(MergeInOrder(parts, reverse, options).Serialize(), expected) << label << ": reverse";
    std::mt19937_64 rng(GetParam());
    for (int trial = 0; trial < 3; ++trial) {
      std::vector<size_t> shuffled = order;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      EXPECT_EQ(MergeInOrder(parts, shuffled, options).Serialize(), expected)
          << label << ": permutation " << trial;
    }

    // minute -> hour -> day, the way rollups are built.
    Sketch day = MustCreate(options);
    for (size_t hour = 0; hour < 24; ++hour) {
      Sketch h = MustCreate(options);
      for (size_t minute = 0; minute < 60; ++minute) {
        ASSERT_TRUE(h.Merge(parts[hour * 60 + minute]).ok());
      }
      ASSERT_TRUE(day.Merge(h).ok());
    }
    EXPECT_EQ(day.Serialize(), expected) << label << ": minute->hour->day tree";

    // Pairwise tree of serialized sketches through MergeSerialized, in shuffled order.
    std::vector<std::string> level = bytes;
    std::shuffle(level.begin(), level.end(), rng);
    while (level.size() > 1) {
      std::vector<std::string> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2) {
        std::string merged;
        Status s = Sketch::MergeSerialized(level[i], level[i + 1], &merged);
        ASSERT_TRUE(s.ok()) << s.ToString();
        next.push_back(std::move(merged));
      }
      if (level.size() % 2 == 1) next.push_back(level.back());
      level = std::move(next);
    }
    EXPECT_EQ(level[0], expected) << label << ": MergeSerialized tree";

    // Straight from bytes into one sketch, reverse order.
    Sketch from_bytes = MustCreate(options);
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      Status s = from_bytes.MergeFrom(*it);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    EXPECT_EQ(from_bytes.Serialize(), expected) << label << ": MergeFrom";
  }
};

TEST_P(ExactMerge, MinutesOfLlmLatencies) {
  const SketchOptions options = Options();
  std::vector<double> values = LlmLatenciesMicros(100'000, 11);
  // A few far outliers make the data span more than a small bin limit, and some zeros.
  values[17] = 0.0;
  values[50'000] = 0.0;
  values[12] = 3.0;
  values[99'999] = 4e12;
  const Sketch direct = BuildSketch(values, options);
  const std::string expected = direct.Serialize();
  EXPECT_EQ(direct.Collapsed(), GetParam() < 1000) << "the bin limits are chosen to (not) collapse";

  // The order of Adds does not matter either.
  std::vector<double> shuffled = values;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(12));
  EXPECT_EQ(BuildSketch(shuffled, options).Serialize(), expected);
  std::sort(shuffled.begin(), shuffled.end());
  EXPECT_EQ(BuildSketch(shuffled, options).Serialize(), expected) << "ascending adds";
  std::reverse(shuffled.begin(), shuffled.end());
  EXPECT_EQ(BuildSketch(shuffled, options).Serialize(), expected) << "descending adds";

  CheckAllStrategies(SplitIntoMinutes(values, 13), expected, "contiguous minutes");
  CheckAllStrategies(SplitRoundRobin(values), expected, "round robin");
}

TEST_P(ExactMerge, FractionalValuesAndWideRange) {
  // Non-integral values: the sum must still be order-independent (fixed-point), and a range of
  // 1e-6 .. 1e12 collapses under the small limits.
  const SketchOptions options = Options();
  std::vector<double> values = Lognormal(30'000, 10.0, 4.0, 14);
  const Sketch direct = BuildSketch(values, options);
  const std::string expected = direct.Serialize();
  CheckAllStrategies(SplitIntoMinutes(values, 15), expected, "fractional minutes");
  CheckAllStrategies(SplitRoundRobin(values), expected, "fractional round robin");
}

// 2048: the default, no collapse. 64 and 7: collapse, also inside single partial sketches.
INSTANTIATE_TEST_SUITE_P(BinLimits, ExactMerge, ::testing::Values(2048u, 64u, 7u));

TEST(SketchMerge, CollapsedAnswersStayWithinMinAndMaxAndTopBinsKeepTheGuarantee) {
  SketchOptions options;
  options.bin_limit = 150;
  std::vector<double> values = Lognormal(5000, 1000.0, 2.0, 16);
  Sketch sketch = BuildSketch(values, options);
  ASSERT_TRUE(sketch.Collapsed());
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const sketch::LogMapping mapping(10000);
  const int32_t floor = mapping.Index(sorted.back()) - static_cast<int32_t>(options.bin_limit) + 1;
  int kept = 0, folded = 0;
  for (double q : TestedQuantiles()) {
    Result<double> y = sketch.Quantile(q);
    ASSERT_TRUE(y.ok());
    EXPECT_GE(*y, sorted.front());
    EXPECT_LE(*y, sorted.back());
    // Exact answers in the kept bins (the floor bin included) keep the guarantee.
    const double exact = ExactQuantile(sorted, q);
    if (mapping.Index(exact) >= floor) {
      ++kept;
      EXPECT_LE(std::fabs(*y - exact), 0.01 * exact) << q;
    } else {
      ++folded;
    }
  }
  EXPECT_GE(kept, 3) << "the test should check some quantiles in the kept range";
  EXPECT_GE(folded, 1) << "the test should reach into the collapsed range";
}

TEST(SketchMerge, DifferentOptionsAreRejected) {
  Sketch a;
  ASSERT_TRUE(a.Add(10).ok());
  const std::string before = a.Serialize();

  SketchOptions other_alpha;
  other_alpha.relative_accuracy = 0.02;
  Sketch b = MustCreate(other_alpha);
  ASSERT_TRUE(b.Add(20).ok());
  Status s = a.Merge(b);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_TRUE(a.MergeFrom(b.Serialize()).IsInvalidArgument());

  SketchOptions other_limit;
  other_limit.bin_limit = 100;
  Sketch c = MustCreate(other_limit);
  ASSERT_TRUE(c.Add(20).ok());
  EXPECT_TRUE(a.Merge(c).IsInvalidArgument());
  EXPECT_TRUE(a.MergeFrom(c.Serialize()).IsInvalidArgument());
  std::string out = "untouched";
  EXPECT_TRUE(Sketch::MergeSerialized(a.Serialize(), c.Serialize(), &out).IsInvalidArgument());
  EXPECT_EQ(out, "untouched");

  // An empty sketch with other options is still another mapping.
  EXPECT_TRUE(a.Merge(MustCreate(other_alpha)).IsInvalidArgument());
  EXPECT_EQ(a.Serialize(), before) << "a failed merge must change nothing";
}

TEST(SketchMerge, EmptyAndSelf) {
  Sketch a, empty;
  ASSERT_TRUE(a.Merge(empty).ok());
  EXPECT_EQ(a.Serialize(), empty.Serialize());
  for (double v : {1.0, 2.0, 0.0, 1e6}) ASSERT_TRUE(a.Add(v).ok());
  const std::string one = a.Serialize();
  ASSERT_TRUE(a.Merge(empty).ok());
  ASSERT_TRUE(a.MergeFrom(empty.Serialize()).ok());
  EXPECT_EQ(a.Serialize(), one);

  // Merging a sketch into itself doubles every count.
  Sketch doubled;
  for (double v : {1.0, 2.0, 0.0, 1e6}) ASSERT_TRUE(doubled.Add(v, 2).ok());
  ASSERT_TRUE(a.Merge(a).ok());
  EXPECT_EQ(a.Serialize(), doubled.Serialize());
}

TEST(SketchMerge, CountOverflowIsRejected) {
  Sketch a, b;
  ASSERT_TRUE(a.Add(5.0, ~uint64_t{0} - 1).ok());
  ASSERT_TRUE(b.Add(5.0, 2).ok());
  const std::string before = a.Serialize();
  EXPECT_TRUE(a.Merge(b).IsInvalidArgument());
  EXPECT_TRUE(a.MergeFrom(b.Serialize()).IsInvalidArgument());
  EXPECT_TRUE(a.Add(5.0, 2).IsInvalidArgument());
  EXPECT_EQ(a.Serialize(), before);
  ASSERT_TRUE(a.Add(5.0).ok());
  EXPECT_EQ(a.Count(), ~uint64_t{0});
  EXPECT_TRUE(a.Add(5.0).IsInvalidArgument());
}

}  // namespace
}  // namespace tally::sketch_test
