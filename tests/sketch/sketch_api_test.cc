// The public contract of tally::Sketch apart from accuracy, merge and bytes: value checks, empty
// sketches, Rank, Sum, options.
#include <gtest/gtest.h>

#include <limits>

#include "tests/sketch/sketch_test_util.h"

namespace tally::sketch_test {
namespace {

TEST(SketchApi, RejectsBadValuesWithoutChange) {
  Sketch s;
  ASSERT_TRUE(s.Add(10.0).ok());
  const std::string before = s.Serialize();
  const double bad[] = {-1.0, -1e-300, std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                        Sketch::kMaxValue * 2};
  for (double v : bad) {
    Status st = s.Add(v);
    EXPECT_TRUE(st.IsInvalidArgument()) << v << ": " << st.ToString();
    EXPECT_TRUE(s.Add(v, 3).IsInvalidArgument()) << v;
    EXPECT_TRUE(s.Add(v, 0).IsInvalidArgument()) << v << ": count 0 still checks the value";
  }
  EXPECT_NE(s.Add(-1.0).message().find("negative"), std::string::npos);
  EXPECT_NE(s.Add(std::numeric_limits<double>::quiet_NaN()).message().find("NaN"), std::string::npos);
  EXPECT_NE(s.Add(std::numeric_limits<double>::infinity()).message().find("infinite"), std::string::npos);
  EXPECT_EQ(s.Serialize(), before);
  EXPECT_TRUE(s.Add(Sketch::kMaxValue).ok());
}

TEST(SketchApi, EmptySketch) {
  Sketch s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.Count(), 0u);
  EXPECT_EQ(s.Sum(), 0.0);
  EXPECT_TRUE(s.Quantile(0.5).status().IsNotFound());
  EXPECT_TRUE(s.Min().status().IsNotFound());
  EXPECT_TRUE(s.Max().status().IsNotFound());
  EXPECT_EQ(*s.Rank(100.0), 0u);
  EXPECT_FALSE(s.Collapsed());
}

TEST(SketchApi, QuantileArgumentChecked) {
  Sketch s = BuildSketch({1.0, 2.0});
  for (double q : {-0.01, 1.01, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_TRUE(s.Quantile(q).status().IsInvalidArgument()) << q;
  }
  EXPECT_EQ(*s.Quantile(0.0), 1.0);
  EXPECT_EQ(*s.Quantile(1.0), 2.0);
  EXPECT_EQ(*s.Quantile(0.99), 1.0) << "lower quantile: floor(0.99 * 1) = 0";
}

TEST(SketchApi, ZerosAndNegativeZero) {
  Sketch s = BuildSketch({0.0, -0.0, 5.0});
  EXPECT_EQ(s.Count(), 3u);
  EXPECT_EQ(*s.Min(), 0.0);
  EXPECT_FALSE(std::signbit(*s.Min()));
  EXPECT_EQ(*s.Quantile(0.5), 0.0);
  EXPECT_EQ(*s.Rank(0.0), 2u);
  EXPECT_EQ(s.Serialize(), BuildSketch({0.0, 0.0, 5.0}).Serialize());
}

TEST(SketchApi, AddWithCountEqualsRepeatedAdds) {
  Sketch repeated, counted;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(repeated.Add(3.5).ok());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(repeated.Add(0.0).ok());
  ASSERT_TRUE(counted.Add(3.5, 600).ok());
  ASSERT_TRUE(counted.Add(0.0, 1000).ok());
  ASSERT_TRUE(counted.Add(3.5, 400).ok());
  ASSERT_TRUE(counted.Add(99.0, 0).ok());
  EXPECT_EQ(repeated.Serialize(), counted.Serialize());
  EXPECT_EQ(counted.Sum(), 3500.0);
}

TEST(SketchApi, RankBounds) {
  const double alpha = 0.01;
  const double gamma = (1 + alpha) / (1 - alpha);
  std::vector<double> values = Lognormal(5000, 1000.0, 1.5, 40);
  values.insert(values.end(), 100, 0.0);
  Sketch s = BuildSketch(values);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  auto count_le = [&](double v) {
    return static_cast<uint64_t>(std::upper_bound(sorted.begin(), sorted.end(), v) - sorted.begin());
  };
  std::mt19937_64 rng(41);
  for (int i = 0; i < 2000; ++i) {
    const double v = i % 10 == 0 ? sorted[rng() % sorted.size()] : 1000.0 * std::exp(3.0 * (static_cast<double>(rng() % 2001) / 1000.0 - 1.0));
    const uint64_t r = *s.Rank(v);
    EXPECT_LE(count_le(v), r) << v;
    EXPECT_LE(r, count_le(gamma * v)) << v;
  }
  EXPECT_EQ(*s.Rank(-5.0), 0u);
  EXPECT_EQ(*s.Rank(0.0), 100u);
  EXPECT_EQ(*s.Rank(sorted.back()), s.Count());
  EXPECT_EQ(*s.Rank(std::numeric_limits<double>::infinity()), s.Count());
  EXPECT_TRUE(s.Rank(std::numeric_limits<double>::quiet_NaN()).status().IsInvalidArgument());
}

TEST(SketchApi, SumIsExactForIntegersAndFixedPointOtherwise) {
  std::vector<double> values = LlmLatenciesMicros(10000, 42);
  Sketch s = BuildSketch(values);
  unsigned __int128 exact = 0;
  for (double v : values) exact += static_cast<uint64_t>(v);
  EXPECT_EQ(s.Sum(), static_cast<double>(exact));

  // Each value is rounded to a multiple of 2^-20: the error is at most n * 2^-21.
  std::vector<double> fractional = Uniform(10000, 0.0, 1.0, 43);
  Sketch f = BuildSketch(fractional);
  long double reference = 0;
  for (double v : fractional) reference += v;
  EXPECT_LE(std::fabs(static_cast<long double>(f.Sum()) - reference), 10000 * 0x1p-21 + 1e-9);
  // Values far below 2^-20 round to zero in the sum (documented), but are counted.
  Sketch tiny = BuildSketch({1e-9, 1e-9});
  EXPECT_EQ(tiny.Sum(), 0.0);
  EXPECT_EQ(tiny.Count(), 2u);
}

TEST(SketchApi, CreateValidatesOptions) {
  auto make = [](double alpha, uint32_t limit) {
    SketchOptions o;
    o.relative_accuracy = alpha;
    o.bin_limit = limit;
    return Sketch::Create(o);
  };
  EXPECT_TRUE(make(0.01, 2048).ok());
  EXPECT_TRUE(make(0.0001, 1).ok());
  EXPECT_TRUE(make(0.00009, 2048).status().IsInvalidArgument());
  EXPECT_TRUE(make(0.5, 65536).ok());
  EXPECT_TRUE(make(0.0, 2048).status().IsInvalidArgument());
  EXPECT_TRUE(make(0.6, 2048).status().IsInvalidArgument());
  EXPECT_TRUE(make(0.0100005, 2048).status().IsInvalidArgument()) << "not a multiple of 1e-6";
  EXPECT_TRUE(make(std::numeric_limits<double>::quiet_NaN(), 2048).status().IsInvalidArgument());
  EXPECT_TRUE(make(0.01, 0).status().IsInvalidArgument());
  EXPECT_TRUE(make(0.01, 65537).status().IsInvalidArgument());
  Result<Sketch> s = make(0.02, 100);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->options().relative_accuracy, 0.02);
  EXPECT_EQ(s->options().bin_limit, 100u);
  EXPECT_EQ(Sketch().options().relative_accuracy, 0.01);
  EXPECT_EQ(Sketch().options().bin_limit, 2048u);
}

TEST(SketchApi, CopyMoveAndClear) {
  Sketch a = BuildSketch({1.0, 2.0, 3.0});
  Sketch copy = a;
  ASSERT_TRUE(copy.Add(4.0).ok());
  EXPECT_EQ(a.Count(), 3u);
  EXPECT_EQ(copy.Count(), 4u);

  Sketch moved = std::move(copy);
  EXPECT_EQ(moved.Count(), 4u);
  // NOLINTNEXTLINE(bugprone-use-after-move): a moved-from sketch is documented to be empty.
  EXPECT_EQ(copy.Count(), 0u);
  EXPECT_EQ(copy.Serialize(), Sketch().Serialize());
  ASSERT_TRUE(copy.Add(1.0).ok());
  EXPECT_EQ(copy.Count(), 1u);

  moved.Clear();
  EXPECT_EQ(moved.Serialize(), Sketch().Serialize());
  ASSERT_TRUE(moved.Add(2.0).ok());
  EXPECT_EQ(moved.Serialize(), BuildSketch({2.0}).Serialize());
}

TEST(SketchApi, DefaultBinLimitCoversMicrosecondToTenDays) {
  Sketch s;
  ASSERT_TRUE(s.Add(1.0).ok());                      // 1 microsecond
  ASSERT_TRUE(s.Add(10.0 * 86400.0 * 1e6).ok());    // 10 days in microseconds
  EXPECT_FALSE(s.Collapsed());
  ExpectWithinRelativeError({1.0, 10.0 * 86400.0 * 1e6}, s, 0.01, "1 us and 10 days");
}

}  // namespace
}  // namespace tally::sketch_test
