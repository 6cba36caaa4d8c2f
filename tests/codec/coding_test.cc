// The coding module: varints, zigzag, fixed ints and the Decoder's error handling.
#include <gtest/gtest.h>

#include "engine/codec/bit_stream.h"
#include "engine/codec/coding.h"

namespace tally::codec {
namespace {

TEST(Coding, VarintsRoundTripAtEveryLength) {
  std::string bytes;
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX};
  for (int shift = 0; shift < 64; ++shift) values.push_back(uint64_t{1} << shift);
  for (uint64_t v : values) PutVarint64(&bytes, v);
  Decoder in(bytes);
  for (uint64_t v : values) EXPECT_EQ(in.ReadVarint64("v"), v);
  EXPECT_TRUE(in.ok() && in.empty());
  EXPECT_EQ(VarintLength(UINT64_MAX), 10);
}

TEST(Coding, ZigZag) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, INT64_MIN, INT64_MAX}) EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
}

TEST(Coding, FixedLittleEndian) {
  std::string bytes;
  PutFixed32(&bytes, 0x04030201);
  PutFixed64(&bytes, 0x0c0b0a0908070605);
  EXPECT_EQ(bytes, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c", 12));
  Decoder in(bytes);
  EXPECT_EQ(in.ReadFixed32("a"), 0x04030201u);
  EXPECT_EQ(in.ReadFixed64("b"), 0x0c0b0a0908070605u);
}

TEST(Decoder, KeepsTheFirstError) {
  std::string bytes("\x05\xff\xff", 3);
  Decoder in(bytes, "record");
  EXPECT_EQ(in.ReadCount("count", 4), 0u);
  EXPECT_TRUE(in.status().IsCorruption());
  const std::string first = in.status().message();
  EXPECT_NE(first.find("count"), std::string::npos) << first;
  in.ReadVarint64("later");
  in.ReadBytes(100, "later");
  EXPECT_EQ(in.status().message(), first);
}

TEST(Decoder, RejectsTruncatedAndOverlongVarints) {
  Decoder truncated(std::string_view("\x80\x80", 2));
  truncated.ReadVarint64("v");
  EXPECT_TRUE(truncated.status().IsCorruption());
  std::string overlong(11, '\xff');
  Decoder too_long(overlong);
  too_long.ReadVarint64("v");
  EXPECT_TRUE(too_long.status().IsCorruption());
  std::string eleventh_bit("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 10);  // 65 bits
  Decoder overflow(eleventh_bit);
  overflow.ReadVarint64("v");
  EXPECT_TRUE(overflow.status().IsCorruption());
}

TEST(Decoder, LengthIsCappedBeforeUse) {
  std::string bytes;
  PutVarint64(&bytes, uint64_t{1} << 40);
  Decoder in(bytes);
  EXPECT_TRUE(in.ReadLengthPrefixed("payload", 1 << 20).empty());
  EXPECT_TRUE(in.status().IsCorruption());
}

TEST(BitStream, WidthsUpTo64RoundTrip) {
  std::string bytes;
  BitWriter writer(&bytes);
  for (unsigned w = 0; w <= 64; ++w) writer.Write(~uint64_t{0} - w, w);
  writer.Finish();
  BitReader reader(bytes);
  for (unsigned w = 0; w <= 64; ++w) EXPECT_EQ(reader.Read(w), (~uint64_t{0} - w) & LowBitsMask(w)) << w;
  EXPECT_FALSE(reader.overrun());
  reader.Read(64);
  EXPECT_TRUE(reader.overrun());
}

}  // namespace
}  // namespace tally::codec
