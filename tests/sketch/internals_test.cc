// The pieces under the sketch: the mapping's guarantee, the collapse rule against a brute-force
// model, the fixed-point sum, the varint coder and the bin encodings.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "engine/sketch/bin_encoding.h"
#include "engine/sketch/bin_store.h"
#include "engine/sketch/byte_coding.h"
#include "engine/sketch/fixed_point_sum.h"
#include "engine/sketch/log_mapping.h"

namespace tally::sketch {
namespace {

// Random doubles spread evenly in log scale over [2^lo, 2^hi].
std::vector<double> LogUniform(size_t n, int lo, int hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(lo, hi);
  std::vector<double> v(n);
  for (double& x : v) x = std::exp2(exponent(rng));
  return v;
}

TEST(LogMapping, RepresentativeWithinAlphaOverTheWholeRange) {
  for (uint32_t ppm : {100u, 1000u, 10000u, 20000u, 50000u, 100000u, 500000u}) {
    const LogMapping mapping(ppm);
    const double alpha = ppm / 1e6;
    std::vector<double> values = LogUniform(40000, -1021, 62, ppm);
    // Powers of two and their neighbours: where the polynomial meets the exponent.
    for (int e = -1021; e <= 61; ++e) {
      const double p = std::ldexp(1.0, e);
      values.push_back(p);
      values.push_back(std::nextafter(p, 0.0));
      values.push_back(std::nextafter(p, 1e300));
    }
    for (double x : values) {
      const double y = mapping.Representative(mapping.Index(x));
      ASSERT_LE(std::fabs(y - x), alpha * x) << "alpha " << alpha << " x " << x;
    }
  }
}

TEST(LogMapping, BinsHoldTheirValuesAndSpanAtMostGamma) {
  for (uint32_t ppm : {1000u, 10000u, 100000u}) {
    const LogMapping mapping(ppm);
    const double alpha = ppm / 1e6;
    const double gamma = (1 + alpha) / (1 - alpha);
    for (double x : LogUniform(50000, -60, 62, ppm + 1)) {
      const int32_t i = mapping.Index(x);
      // Up to rounding in the logarithm estimate (~1e-14 relative at 2^62).
      EXPECT_GT(x, mapping.LowerBound(i) * (1 - 1e-12)) << x;
      EXPECT_LE(x, mapping.UpperBound(i) * (1 + 1e-12)) << x;
      EXPECT_LE(mapping.UpperBound(i) / mapping.LowerBound(i), gamma);
    }
    // Adjacent bins meet.
    for (int32_t i = -3000; i < 3000; ++i) {
      EXPECT_EQ(mapping.UpperBound(i), mapping.LowerBound(i + 1));
    }
  }
}

TEST(LogMapping, IndexIsMonotoneAndUsesFewExtraBins) {
  const LogMapping mapping(10000);
  std::vector<double> values = LogUniform(100000, -30, 62, 7);
  std::sort(values.begin(), values.end());
  for (size_t i = 1; i < values.size(); ++i) {
    ASSERT_LE(mapping.Index(values[i - 1]), mapping.Index(values[i])) << values[i - 1] << " " << values[i];
  }
  // Around bin boundaries, step through consecutive doubles.
  for (int32_t i = -500; i < 2200; i += 7) {
    double x = mapping.UpperBound(i);
    for (int k = 0; k < 20; ++k) x = std::nextafter(x, 0.0);
    int32_t previous = mapping.Index(x);
    for (int k = 0; k < 40; ++k) {
      x = std::nextafter(x, 1e300);
      const int32_t index = mapping.Index(x);
      ASSERT_LE(previous, index);
      ASSERT_LE(index - previous, 1);
      previous = index;
    }
  }
  // An exact logarithm needs log(2)/log(gamma) bins per octave; the cubic about 1% more.
  const double per_octave = mapping.Index(0x1p40) - mapping.Index(0x1p39);
  const double exact = std::log(2.0) / std::log(1.01 / 0.99);
  EXPECT_GE(per_octave, exact);
  EXPECT_LE(per_octave, exact * 1.02);
}

TEST(LogMapping, SubnormalsAreBinnedBelowNormals) {
  const LogMapping mapping(10000);
  const double smallest = std::numeric_limits<double>::denorm_min();
  const double normal = std::numeric_limits<double>::min();
  EXPECT_LT(mapping.Index(smallest), mapping.Index(normal / 2));
  EXPECT_LE(mapping.Index(normal / 2), mapping.Index(normal));
  EXPECT_LE(mapping.Index(std::nextafter(normal, 0.0)), mapping.Index(normal));
}

// A brute-force model of the collapse rule: exact index counts, folded once at the end.
std::map<int32_t, uint64_t> CollapseModel(const std::map<int32_t, uint64_t>& exact, uint32_t limit,
                                          bool* collapsed) {
  std::map<int32_t, uint64_t> out;
  *collapsed = false;
  if (exact.empty()) return out;
  const int64_t floor = static_cast<int64_t>(exact.rbegin()->first) - limit + 1;
  for (auto [index, count] : exact) {
    if (index < floor) {
      out[static_cast<int32_t>(floor)] += count;
      *collapsed = true;
    } else {
      out[index] += count;
    }
  }
  return out;
}

std::map<int32_t, uint64_t> Contents(const BinStore& store) {
  std::map<int32_t, uint64_t> out;
  if (store.empty()) return out;
  store.VisitNonEmpty([&](auto bins) {
    EXPECT_NE(bins.front(), 0u);
    EXPECT_NE(bins.back(), 0u);
    for (size_t k = 0; k < bins.size(); ++k) {
      if (bins[k] != 0) out[store.lowest() + static_cast<int32_t>(k)] = bins[k];
    }
  });
  return out;
}

TEST(BinStore, CollapseMatchesTheModelForAddsAndRangeMerges) {
  std::mt19937_64 rng(50);
  for (int trial = 0; trial < 400; ++trial) {
    const uint32_t limit = 1 + static_cast<uint32_t>(rng() % 40);
    const int spread = 1 + static_cast<int>(rng() % 120);
    std::map<int32_t, uint64_t> exact;
    BinStore direct(limit);
    std::vector<BinStore> parts(1 + rng() % 5, BinStore(limit));
    const int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      const int32_t index = static_cast<int32_t>(rng() % spread) - spread / 2 + (i % 3 == 0 ? 1000 : 0);
      const uint64_t count = 1 + rng() % 3;
      exact[index] += count;
      direct.Add(index, count);
      parts[rng() % parts.size()].Add(index, count);
    }
    bool collapsed = false;
    const auto expected = CollapseModel(exact, limit, &collapsed);
    EXPECT_EQ(Contents(direct), expected) << "trial " << trial;
    EXPECT_EQ(direct.collapsed(), collapsed) << "trial " << trial;

    BinStore merged(limit);
    for (size_t p = parts.size(); p-- > 0;) {
      if (parts[p].empty()) continue;
      parts[p].VisitNonEmpty([&](auto counts) { merged.AddRange(parts[p].lowest(), counts, parts[p].collapsed()); });
    }
    EXPECT_EQ(Contents(merged), expected) << "trial " << trial;
    EXPECT_EQ(merged.collapsed(), collapsed) << "trial " << trial;
  }
}

TEST(BinStore, RangeFarBelowTheFloorFoldsEntirely) {
  BinStore store(4);
  store.Add(100, 1);
  const std::vector<uint64_t> low = {1, 0, 2};
  store.AddRange(10, low, false);
  EXPECT_TRUE(store.collapsed());
  EXPECT_EQ(store.lowest(), 97);
  EXPECT_EQ(store.CountAt(97), 3u);
  EXPECT_EQ(store.CountAt(100), 1u);
}

TEST(FixedPointSum, RoundsToNearestUnit) {
  EXPECT_EQ(FixedPointSum::ToUnits(1.0), uint128{1} << 20);
  EXPECT_EQ(FixedPointSum::ToUnits(0x1p-21), 0u) << "a tie rounds to even (0)";
  EXPECT_EQ(FixedPointSum::ToUnits(0x1p-20 + 0x1p-21), 2u) << "a tie rounds to even (2)";
  EXPECT_EQ(FixedPointSum::ToUnits(0x1p-20 * 0.75), 1u);
  EXPECT_EQ(FixedPointSum::ToUnits(0x1p40), uint128{1} << 60);
  EXPECT_EQ(FixedPointSum::ToUnits(0x1p62), uint128{1} << 82);
  EXPECT_EQ(FixedPointSum::ToUnits(0x1p32 + 0.5), (uint128{1} << 52) + (uint128{1} << 19));
  // Overflow in the multiplication (2^82 * (2^64 - 1)) and in the addition: refused, no change.
  FixedPointSum sum;
  EXPECT_FALSE(sum.Add(0x1p62, ~uint64_t{0}));
  EXPECT_TRUE(sum.units() == 0);
  sum.set_units(~uint128{0} - 5);
  EXPECT_FALSE(sum.Add(1.0, 1));
  EXPECT_TRUE(sum.units() == ~uint128{0} - 5);
  EXPECT_FALSE(sum.CanAdd(6));
  EXPECT_TRUE(sum.CanAdd(5));
  EXPECT_TRUE(sum.Add(0x1p-20 * 5, 1));
  EXPECT_TRUE(sum.units() == ~uint128{0});
}

TEST(FixedPointSum, FastConversionBelow2To32MatchesToUnits) {
  // Sketch::Add's common case converts with one rounding instruction; it must round exactly like
  // ToUnits, ties included.
  std::mt19937_64 rng(70);
  for (int i = 0; i < 200000; ++i) {
    double v;
    switch (i % 4) {
      case 0:  // a tie: an odd multiple of 2^-21
        v = static_cast<double>((rng() % (uint64_t{1} << 40)) * 2 + 1) * 0x1p-21;
        break;
      case 1:  // any double in [0, 2^32)
        do {
          v = std::bit_cast<double>(rng() & ~(uint64_t{1} << 63));
        } while (!(v < 0x1p32));
        break;
      case 2:  // whole numbers
        v = static_cast<double>(rng() % (uint64_t{1} << 32));
        break;
      default:
        v = std::exp2(std::uniform_real_distribution<double>(-30, 32)(rng));
        if (!(v < 0x1p32)) v = 0x1p32 - 1;
    }
    ASSERT_TRUE(FixedPointSum::ToUnitsBelow2To32(v) == FixedPointSum::ToUnits(v)) << v;
  }
  EXPECT_EQ(FixedPointSum::ToUnitsBelow2To32(0x1p32 - 0x1p-20), FixedPointSum::ToUnits(0x1p32 - 0x1p-20));
}

TEST(BinStore, InnerSlotOnlyStrictlyInsideTheRange) {
  BinStore store(1000);
  EXPECT_EQ(store.InnerSlot(0), BinStore::kNoSlot) << "empty";
  store.Add(10, 1);
  EXPECT_EQ(store.InnerSlot(10), BinStore::kNoSlot) << "one bin: no inside";
  store.Add(11, 1);
  EXPECT_EQ(store.InnerSlot(10), BinStore::kNoSlot);
  EXPECT_EQ(store.InnerSlot(11), BinStore::kNoSlot);
  store.Add(14, 1);
  for (int32_t i : {9, 10, 14, 15, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()}) {
    EXPECT_EQ(store.InnerSlot(i), BinStore::kNoSlot) << i;
  }
  for (int32_t i = 11; i <= 13; ++i) {
    const size_t slot = store.InnerSlot(i);
    ASSERT_NE(slot, BinStore::kNoSlot) << i;
    store.IncrementSlot(slot);
  }
  EXPECT_EQ(store.CountAt(11), 2u);
  EXPECT_EQ(store.CountAt(12), 1u);
  EXPECT_EQ(store.CountAt(13), 1u);
  // Still right after the window moves, and after a copy.
  store.Add(200, 1);
  BinStore copy = store;
  ASSERT_NE(copy.InnerSlot(12), BinStore::kNoSlot);
  copy.IncrementSlot(copy.InnerSlot(12));
  EXPECT_EQ(copy.CountAt(12), 2u);
  EXPECT_EQ(store.CountAt(12), 1u);
  EXPECT_EQ(copy.InnerSlot(10), BinStore::kNoSlot);
  EXPECT_NE(copy.InnerSlot(199), BinStore::kNoSlot);
}

TEST(ByteCoding, VarintsRoundTripAndRejectOverlongForms) {
  std::string buf;
  ByteWriter w(&buf);
  const uint64_t values[] = {0, 1, 127, 128, 300, uint64_t{1} << 35, ~uint64_t{0}};
  for (uint64_t v : values) w.PutVarint64(v);
  const uint128 big = (static_cast<uint128>(0x123456789abcdefULL) << 64) | 0xfedcba9876543210ULL;
  w.PutVarint128(big);
  w.PutVarint128(~uint128{0});
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-1000000}, std::numeric_limits<int64_t>::min()}) {
    w.PutSignedVarint(v);
  }
  ByteReader r(buf);
  for (uint64_t v : values) EXPECT_EQ(r.GetVarint64(), v);
  EXPECT_TRUE(r.GetVarint128() == big);
  EXPECT_TRUE(r.GetVarint128() == ~uint128{0});
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{-1000000}, std::numeric_limits<int64_t>::min()}) {
    EXPECT_EQ(r.GetSignedVarint(), v);
  }
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);

  for (std::string bad : {std::string("\x80\x00", 2), std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10),
                          std::string("\x80", 1), std::string()}) {
    ByteReader rb(bad);
    EXPECT_EQ(rb.GetVarint64(), 0u);
    EXPECT_FALSE(rb.ok());
    EXPECT_EQ(rb.GetByte(), 0u) << "reads after an error return 0";
  }
}

TEST(BinEncoding, DenseAndSparseRoundTrip) {
  std::mt19937_64 rng(60);
  for (int trial = 0; trial < 2000; ++trial) {
    const size_t n = 1 + rng() % 100;
    std::vector<uint64_t> counts(n);
    const int width = static_cast<int>(rng() % 65);
    for (auto& c : counts) {
      c = rng() % 3 == 0 ? 0 : (width == 64 ? rng() : rng() & ((uint64_t{1} << width) - 1));
    }
    counts.front() |= 1;
    counts.back() |= 1;
    for (bool sparse : {false, true}) {
      std::string buf;
      ByteWriter w(&buf);
      if (sparse) {
        EncodeSparse(counts, w);
        EXPECT_EQ(buf.size(), SparseEncodedSize(counts));
      } else {
        EncodeDense(counts, w);
        EXPECT_EQ(buf.size(), DenseEncodedSize(counts));
      }
      // Decode with and without slack after the data (the fast path needs slack).
      for (size_t slack : {0, 8}) {
        std::string input = buf + std::string(slack, '\0');
        ByteReader r(input);
        std::vector<uint64_t> out(n, 0);
        const uint128 total = sparse ? DecodeSparse(r, out) : DecodeDense(r, out);
        ASSERT_TRUE(r.ok()) << r.error();
        EXPECT_EQ(r.remaining(), slack);
        EXPECT_EQ(out, counts) << "trial " << trial << " sparse " << sparse;
        uint128 expected = 0;
        for (uint64_t c : counts) expected += c;
        EXPECT_TRUE(total == expected);
      }
    }
  }
}

}  // namespace
}  // namespace tally::sketch
