// Round trips of whole blocks: random, realistic and edge-case columns decode to exactly what was
// encoded, and the header equals a recomputation from the rows.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "engine/codec/block.h"
#include "engine/codec/block_inspect.h"
#include "tally/usage_event.h"
#include "tests/codec/realistic_blocks.h"

namespace tally::codec {
namespace {

// Both encoding efforts must produce blocks that decode to the same columns.
void ExpectRoundTrip(const BlockColumns& columns) {
  for (EncodeEffort effort : {EncodeEffort::kSmallest, EncodeEffort::kFast}) {
    SCOPED_TRACE(effort == EncodeEffort::kFast ? "fast" : "smallest");
    std::string bytes;
    ASSERT_TRUE(EncodeBlock(columns, &bytes, effort).ok());
    BlockColumns decoded;
    BlockHeader header;
    Status s = DecodeBlock(bytes, &decoded, &header);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(decoded, columns);
    EXPECT_EQ(header, SummarizeColumns(columns));
    Result<BlockHeader> cheap = ReadBlockHeader(bytes);
    ASSERT_TRUE(cheap.ok()) << cheap.status().ToString();
    EXPECT_EQ(*cheap, header);
    ASSERT_TRUE(DescribeBlock(bytes).ok());
  }
}

TEST(BlockRoundTrip, Empty) {
  BlockColumns empty;
  ExpectRoundTrip(empty);
  std::string bytes;
  ASSERT_TRUE(EncodeBlock(empty, &bytes).ok());
  EXPECT_EQ(bytes.size(), 10u);  // version, rows, checksum
  EXPECT_EQ(SummarizeColumns(empty), BlockHeader{});
}

TEST(BlockRoundTrip, OneRowIsSmall) {
  BlockColumns c;
  c.push_back({.timestamp_us = 1735689600123456, .input_tokens = 812, .output_tokens = 96,
               .latency_us = 1834567, .cost_micros = 180, .outcome = 0, .event_id = 0});
  ExpectRoundTrip(c);
  std::string bytes;
  ASSERT_TRUE(EncodeBlock(c, &bytes).ok());
  EXPECT_LE(bytes.size(), 32u);
}

TEST(BlockRoundTrip, Realistic) {
  std::mt19937_64 rng(7);
  for (size_t rows : {2, 3, 10, 100, 257, 1000, 4096, 20000}) {
    for (int series = 0; series < 4; ++series) {
      testing::SeriesProfile profile = testing::RandomProfile(rng);
      ExpectRoundTrip(testing::MakeSeriesBlock(profile, rows, rng()));
    }
  }
}

BlockColumns RandomColumns(std::mt19937_64& rng, size_t rows, uint64_t measure_limit) {
  BlockColumns c;
  for (size_t i = 0; i < rows; ++i) {
    c.push_back({.timestamp_us = static_cast<int64_t>(rng()), .input_tokens = static_cast<int64_t>(rng() % measure_limit),
                 .output_tokens = static_cast<int64_t>(rng() % measure_limit),
                 .latency_us = static_cast<int64_t>(rng() % measure_limit),
                 .cost_micros = static_cast<int64_t>(rng() % measure_limit), .outcome = static_cast<uint8_t>(rng() % 3),
                 .event_id = rng() % 4 == 0 ? 0 : rng()});
  }
  return c;
}

TEST(BlockRoundTrip, RandomColumnsAnyOrder) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 60; ++trial) {
    const size_t rows = trial < 20 ? trial : rng() % 3000;
    const uint64_t limit = uint64_t{1} << (1 + rng() % 40);
    ExpectRoundTrip(RandomColumns(rng, rows, limit));
  }
}

TEST(BlockRoundTrip, ExtremeValues) {
  constexpr int64_t kTop = kMaxMeasureValue - 1;
  BlockColumns c;
  c.push_back({INT64_MIN, 0, kTop, 0, kTop, 2, UINT64_MAX});
  c.push_back({INT64_MAX, kTop, 0, kTop, 0, 0, 0});
  c.push_back({0, 0, 0, 0, 0, 1, 1});
  c.push_back({-1, kTop, kTop, kTop, kTop, 2, UINT64_MAX - 1});
  ExpectRoundTrip(c);
  // Timestamps at the edges of the range events may carry.
  BlockColumns range;
  range.push_back({kMinTimestampUs, 1, 1, 1, 1, 0, 0});
  range.push_back({kEndTimestampUs - 1, 1, 1, 1, 1, 0, 0});
  ExpectRoundTrip(range);
  BlockColumns one;
  one.push_back({INT64_MIN, kTop, kTop, kTop, kTop, 1, UINT64_MAX});
  ExpectRoundTrip(one);
}

TEST(BlockRoundTrip, AllEqualRowsCostAlmostNothing) {
  BlockColumns c;
  for (int i = 0; i < 5000; ++i) c.push_back({1735689600000000, 500, 20, 900000, 87, 0, 0});
  ExpectRoundTrip(c);
  std::string bytes;
  ASSERT_TRUE(EncodeBlock(c, &bytes).ok());
  EXPECT_LE(bytes.size(), 40u);  // everything is implied by the header
}

TEST(BlockRoundTrip, UnsortedAndDuplicateTimestamps) {
  std::mt19937_64 rng(3);
  testing::SeriesProfile profile;
  BlockColumns c = testing::MakeSeriesBlock(profile, 3000, 5);
  std::shuffle(c.timestamp_us.begin(), c.timestamp_us.end(), rng);
  ExpectRoundTrip(c);
  for (size_t i = 0; i < c.size(); i += 2) c.timestamp_us[i] = c.timestamp_us[0];
  ExpectRoundTrip(c);
}

TEST(BlockRoundTrip, EventIdStyles) {
  std::mt19937_64 rng(9);
  for (auto style : {testing::EventIdStyle::kNone, testing::EventIdStyle::kRandom, testing::EventIdStyle::kMonotonic}) {
    testing::SeriesProfile profile;
    profile.event_ids = style;
    BlockColumns c = testing::MakeSeriesBlock(profile, 2000, rng());
    ExpectRoundTrip(c);
    std::string bytes;
    ASSERT_TRUE(EncodeBlock(c, &bytes).ok());
    Result<BlockLayout> layout = DescribeBlock(bytes);
    ASSERT_TRUE(layout.ok());
    const size_t id_bytes = layout->columns[6].bytes;
    if (style == testing::EventIdStyle::kNone) {
      EXPECT_EQ(id_bytes, 0u);
    } else if (style == testing::EventIdStyle::kMonotonic) {
      EXPECT_LT(id_bytes, 64u);
    } else {
      EXPECT_LE(id_bytes, 8 * c.size() + 64);
    }
  }
}

TEST(BlockRoundTrip, RealisticSizeIsSmall) {
  testing::SeriesProfile profile;  // 1 s mean gap, cheap model, no ids
  BlockColumns c = testing::MakeSeriesBlock(profile, 4096, 1);
  std::string bytes;
  ASSERT_TRUE(EncodeBlock(c, &bytes).ok());
  EXPECT_LT(static_cast<double>(bytes.size()) / c.size(), 8.5);
  Result<BlockLayout> layout = DescribeBlock(bytes);
  ASSERT_TRUE(layout.ok());
  EXPECT_LT(layout->columns[4].bytes, 64u) << "cost should be predicted exactly from the tokens";
}

TEST(EncodeBlock, RejectsInvalidColumns) {
  BlockColumns c;
  c.push_back({1, 1, 1, 1, 1, 0, 0});
  std::string bytes;
  BlockColumns bad = c;
  bad.cost_micros.push_back(3);
  EXPECT_TRUE(EncodeBlock(bad, &bytes).IsInvalidArgument());
  bad = c;
  bad.input_tokens[0] = -1;
  EXPECT_TRUE(EncodeBlock(bad, &bytes).IsInvalidArgument());
  bad = c;
  bad.latency_us[0] = kMaxMeasureValue;
  Status s = EncodeBlock(bad, &bytes);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("latency_us"), std::string::npos) << s.message();
  bad = c;
  bad.outcome[0] = 3;
  EXPECT_TRUE(EncodeBlock(bad, &bytes).IsInvalidArgument());
  bad.clear();
  bad.resize(kMaxBlockRows + 1);
  EXPECT_TRUE(EncodeBlock(bad, &bytes).IsInvalidArgument());
}

TEST(EncodeBlock, MaxRowsRoundTrip) {
  BlockColumns c;
  c.resize(kMaxBlockRows);
  for (size_t i = 0; i < c.size(); ++i) c.timestamp_us[i] = static_cast<int64_t>(i * 1000), c.input_tokens[i] = i % 7;
  ExpectRoundTrip(c);
}

}  // namespace
}  // namespace tally::codec
