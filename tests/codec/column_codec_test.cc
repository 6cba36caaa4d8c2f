// Each transform and packing on its own: round trips over awkward inputs, and the estimates the
// analysis relies on match what Pack writes (exactly where the estimate is exact).
#include <gtest/gtest.h>

#include <random>

#include "engine/codec/column_codec.h"
#include "engine/codec/column_selection.h"

namespace tally::codec {
namespace {

std::vector<std::vector<uint64_t>> AwkwardResidualSets() {
  std::mt19937_64 rng(5);
  std::vector<std::vector<uint64_t>> sets = {{}, {0}, {UINT64_MAX}, {0, UINT64_MAX, 1, UINT64_MAX - 1}};
  for (size_t n : {1, 2, 127, 128, 129, 1000}) {
    for (unsigned bits : {0u, 1u, 7u, 8u, 13u, 31u, 33u, 56u, 57u, 63u, 64u}) {
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = bits == 64 ? rng() : rng() & ((uint64_t{1} << bits) - 1);
      sets.push_back(v);
      // Skewed: mostly small with rare outliers (exercises Rice escapes and frame widths).
      for (auto& x : v) x = rng() % 50 == 0 ? x : x >> (bits / 2);
      sets.push_back(v);
    }
  }
  return sets;
}

TEST(Packing, EveryPackerRoundTrips) {
  for (uint8_t id = 1; id <= 5; ++id) {
    const IntegerPacker* packer = FindPacker(id);
    ASSERT_NE(packer, nullptr) << int{id};
    for (const auto& residuals : AwkwardResidualSets()) {
      ResidualStats stats = ResidualStats::Of(residuals);
      std::string bytes;
      packer->Pack(residuals, stats, &bytes);
      if (id <= 3) {
        EXPECT_EQ(bytes.size(), packer->EstimateBytes(residuals, stats)) << int{id};
      }
      std::vector<uint64_t> decoded(residuals.size());
      Decoder in(bytes);
      packer->Unpack(&in, decoded);
      ASSERT_TRUE(in.ok()) << int{id} << " " << in.status().ToString();
      EXPECT_TRUE(in.empty()) << int{id};
      EXPECT_EQ(decoded, residuals) << "packer " << int{id} << " n=" << residuals.size();
    }
  }
  EXPECT_EQ(FindPacker(0), nullptr);
  EXPECT_EQ(FindPacker(6), nullptr);
}

TEST(Transform, EveryTransformRoundTrips) {
  std::mt19937_64 rng(8);
  for (uint8_t id = 1; id <= 4; ++id) {
    const IntegerTransform* transform = FindTransform(id);
    ASSERT_NE(transform, nullptr);
    for (size_t n : {0, 1, 5, 300}) {
      std::vector<uint64_t> a(n), b(n), values(n);
      for (size_t i = 0; i < n; ++i) {
        a[i] = rng() % 100000, b[i] = rng() % 1000;
        values[i] = i % 3 == 0 ? rng() : (a[i] * 3 + b[i] * 12 + 500) / 20 + 7;
      }
      TransformContext context{rng(), a, b};
      std::vector<uint64_t> residuals(n);
      TransformParams params;
      if (!transform->Forward(values, context, residuals.data(), &params)) continue;
      std::string bytes;
      transform->WriteParams(params, &bytes);
      Decoder in(bytes);
      TransformParams read;
      transform->ReadParams(&in, &read);
      ASSERT_TRUE(in.ok() && in.empty()) << int{id};
      transform->Inverse(read, context, residuals);
      EXPECT_EQ(residuals, values) << "transform " << int{id} << " n=" << n;
    }
  }
}

TEST(Transform, LinearPredictionRecoversDecimalPrices) {
  std::mt19937_64 rng(2);
  for (size_t n : {8, 50, 300, 5000}) {
    std::vector<uint64_t> in(n), out(n), cost(n);
    for (size_t i = 0; i < n; ++i) {
      in[i] = 1 + rng() % 20000, out[i] = rng() % 800;
      cost[i] = (in[i] * 3000000 + out[i] * 15000000 + 500000) / 1000000 + 250;
    }
    std::vector<uint64_t> residuals(n);
    TransformParams params;
    ASSERT_TRUE(LinearPredictedTransform().Forward(cost, {0, in, out}, residuals.data(), &params));
    EXPECT_EQ(*std::max_element(residuals.begin(), residuals.end()), 0u) << "n=" << n;
    EXPECT_TRUE(params.decimal);
    EXPECT_EQ(params.coefficient_a, 3000000);
    EXPECT_EQ(params.min_residual, 250);
  }
}

TEST(Outcome, BothCodecsRoundTrip) {
  std::mt19937_64 rng(4);
  for (const OutcomeCodec* codec : {&OutcomeTwoBitCodec(), &OutcomeRunLengthCodec()}) {
    for (size_t n : {1, 2, 3, 4, 5, 1000}) {
      for (int density : {1, 3, 70}) {
        std::vector<uint8_t> v(n);
        for (auto& o : v) o = rng() % density == 0 ? static_cast<uint8_t>(rng() % 3) : 0;
        std::string bytes;
        codec->Encode(v, &bytes);
        EXPECT_EQ(bytes.size(), codec->EstimateBytes(v));
        std::vector<uint8_t> decoded(n);
        Decoder in(bytes);
        codec->Decode(&in, decoded);
        ASSERT_TRUE(in.ok()) << in.status().ToString();
        EXPECT_EQ(decoded, v);
      }
    }
  }
}

TEST(ColumnSelection, PicksTheSmallestCandidate) {
  std::vector<uint64_t> regular(1000);
  for (size_t i = 0; i < regular.size(); ++i) regular[i] = 1000000 + i * 10000000;  // every 10 s
  std::string bytes;
  ColumnCodecId candidates[] = {ColumnCodecId::kFrameOfReference, ColumnCodecId::kDelta, ColumnCodecId::kDeltaOfDelta};
  EncodeIntegerColumn(regular, {1000000, {}, {}}, candidates, &bytes);
  EXPECT_LE(bytes.size(), 8u);  // a constant delta (or zero delta-of-delta) packs to nothing
  std::vector<uint64_t> decoded(regular.size());
  Decoder in(bytes);
  DecodeIntegerColumn(&in, {1000000, {}, {}}, decoded);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(decoded, regular);
}

}  // namespace
}  // namespace tally::codec
