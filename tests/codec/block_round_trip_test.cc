// Round trips of whole blocks: random, realistic and edge-case columns decode to exactly what was
// encoded, and the header equals a recomputation from the rows.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "engine/codec/block.h"
#include "engine/codec/block_inspect.h"
#include "tests/codec/realistic_blocks.h"

namespace tally::codec {
namespace {

void ExpectRoundTrip(const BlockColumns& columns) {
  std::string bytes;
  ASSERT_TRUE(EncodeBlock(columns, &bytes).ok());
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

}  // namespace
}  // namespace tally::codec
