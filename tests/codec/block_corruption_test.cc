// Damaged blocks: every flipped byte, every truncation and random garbage must give Corruption
// (NotSupported when the version byte claims a newer format), never a crash, hang or huge
// allocation. "Forged" blocks carry a correct checksum over damaged contents, so that the parser
// itself, not just the checksum, is exercised.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <random>

#include "engine/codec/block.h"
#include "engine/codec/block_inspect.h"
#include "engine/codec/coding.h"
#include "tests/codec/realistic_blocks.h"

namespace tally::codec {
namespace {

std::string Encode(const BlockColumns& columns) {
  std::string bytes;
  EXPECT_TRUE(EncodeBlock(columns, &bytes).ok());
  return bytes;
}

// Replaces the trailing checksum with the correct one for the (possibly damaged) body.
std::string Forge(std::string body_with_stale_checksum) {
  std::string& b = body_with_stale_checksum;
  if (b.size() < 8) return b;
  const size_t body = b.size() - 8;
  EncodeFixed64(b.data() + body, XXH3_64bits(b.data(), body));
  return b;
}

// Decoding must fail cleanly (Corruption, or NotSupported when the version byte is newer).
void ExpectRejected(std::string_view bytes, const std::string& label) {
  BlockColumns out;
  Status s = DecodeBlock(bytes, &out);
  EXPECT_TRUE(s.IsCorruption() || s.IsNotSupported()) << label << ": " << s.ToString();
  Result<BlockHeader> header = ReadBlockHeader(bytes);
  EXPECT_TRUE(!header.ok() && (header.status().IsCorruption() || header.status().IsNotSupported())) << label;
}

// Forged damage may happen to parse into some other valid block; it must simply not crash.
void ExpectNoCrash(std::string_view bytes) {
  BlockColumns out;
  Status s = DecodeBlock(bytes, &out);
  if (!s.ok()) {
    EXPECT_TRUE(s.IsCorruption() || s.IsNotSupported()) << s.ToString();
  }
  (void)ReadBlockHeader(bytes);
  (void)DescribeBlock(bytes);
}

std::vector<std::string> SampleBlocks() {
  std::vector<std::string> blocks;
  BlockColumns one;
  one.push_back({1735689600123456, 812, 96, 1834567, 180, 1, 42});
  blocks.push_back(Encode(one));
  std::mt19937_64 rng(17);
  for (size_t rows : {2, 7, 40, 300}) {
    testing::SeriesProfile profile = testing::RandomProfile(rng);
    profile.event_ids = rows == 40 ? testing::EventIdStyle::kRandom : profile.event_ids;
    blocks.push_back(Encode(testing::MakeSeriesBlock(profile, rows, rng())));
  }
  return blocks;
}

TEST(BlockCorruption, EverySingleByteFlip) {
  for (const std::string& block : SampleBlocks()) {
    for (size_t pos = 0; pos < block.size(); ++pos) {
      for (uint8_t mask : {0x01, 0x80, 0xff}) {
        std::string damaged = block;
        damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
        ExpectRejected(damaged, "flip at " + std::to_string(pos));
        ExpectNoCrash(Forge(damaged));
      }
    }
  }
}

TEST(BlockCorruption, SampledFlipsInALargeBlock) {
  std::mt19937_64 rng(23);
  testing::SeriesProfile profile;
  profile.event_ids = testing::EventIdStyle::kMonotonic;
  const std::string block = Encode(testing::MakeSeriesBlock(profile, 20000, 3));
  for (int trial = 0; trial < 300; ++trial) {
    std::string damaged = block;
    const size_t pos = rng() % block.size();
    damaged[pos] = static_cast<char>(damaged[pos] ^ (1 + rng() % 255));
    ExpectRejected(damaged, "flip at " + std::to_string(pos));
    if (trial % 3 == 0) ExpectNoCrash(Forge(damaged));
  }
}

TEST(BlockCorruption, EveryTruncation) {
  for (const std::string& block : SampleBlocks()) {
    for (size_t length = 0; length < block.size(); ++length) {
      std::string_view truncated(block.data(), length);
      ExpectRejected(truncated, "truncated to " + std::to_string(length));
      ExpectNoCrash(Forge(std::string(truncated)));
    }
    ExpectRejected(block + '\0', "one byte appended");
  }
}

TEST(BlockCorruption, RandomGarbage) {
  std::mt19937_64 rng(31);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string garbage(rng() % 200, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    ExpectRejected(garbage, "garbage");
    if (!garbage.empty()) garbage[0] = 1;  // a known version, so that forging reaches the parser
    ExpectNoCrash(Forge(garbage));
  }
}

TEST(BlockCorruption, NewerVersionIsNotSupported) {
  std::string block = Encode(BlockColumns{});
  block[0] = static_cast<char>(kBlockFormatVersion + 1);
  BlockColumns out;
  Status s = DecodeBlock(Forge(block), &out);
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("version 2"), std::string::npos) << s.message();
  EXPECT_TRUE(ReadBlockHeader(block).status().IsNotSupported());
  block[0] = 0;
  EXPECT_TRUE(DecodeBlock(Forge(block), &out).IsCorruption());
}

TEST(BlockCorruption, HugeRowCountDoesNotAllocate) {
  // A correctly checksummed block claiming 2^31 rows: rejected before anything is sized by it.
  std::string block(1, static_cast<char>(kBlockFormatVersion));
  PutVarint64(&block, uint64_t{1} << 31);
  block.append(8, '\0');
  BlockColumns out;
  Status s = DecodeBlock(Forge(block), &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("rows"), std::string::npos) << s.message();
  EXPECT_EQ(out.timestamp_us.capacity(), 0u);
  EXPECT_TRUE(ReadBlockHeader(Forge(block)).status().IsCorruption());
}

TEST(BlockCorruption, HugeLengthInsideAColumnIsRejected) {
  // Two rows with distinct timestamps, then a timestamp column whose payload size claims 2^40 bytes.
  std::string block(1, static_cast<char>(kBlockFormatVersion));
  PutVarint64(&block, 2);
  PutSignedVarint64(&block, 1000);  // min timestamp
  PutVarint64(&block, 5);           // span
  for (int measure = 0; measure < 4; ++measure) PutVarint64(&block, 1), PutVarint64(&block, 0);
  PutVarint64(&block, 0), PutVarint64(&block, 0), PutVarint64(&block, 0);  // outcomes, ids
  block.push_back(0x21);                     // delta + bit-packed
  PutVarint64(&block, uint64_t{1} << 40);   // payload size
  block.append(8, '\0');
  BlockColumns out;
  Status s = DecodeBlock(Forge(block), &out);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

}  // namespace
}  // namespace tally::codec
