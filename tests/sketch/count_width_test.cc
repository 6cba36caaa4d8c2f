// Bin counts are 32-bit in memory until a sketch's total could pass 2^32 - 1, then 64-bit; the
// dense decoders have an AVX2 and a portable version. Neither choice may show: the same values
// give the same bytes and answers whichever width and decoder handled them, in any merge order.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/sketch/bin_encoding.h"
#include "engine/sketch/byte_coding.h"
#include "engine/sketch/sketch_format.h"
#include "tests/sketch/sketch_test_util.h"

namespace tally::sketch_test {
namespace {

constexpr uint64_t kNarrowMax = 0xFFFFFFFF;

struct Weighted {
  double value;
  uint64_t count;
};

Sketch FromWeighted(const std::vector<Weighted>& values) {
  Sketch s;
  for (const Weighted& w : values) {
    Status st = s.Add(w.value, w.count);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return s;
}

void ExpectSameAnswers(const Sketch& a, const Sketch& b, const std::string& label) {
  EXPECT_EQ(a.Count(), b.Count()) << label;
  for (double q : TestedQuantiles()) {
    Result<double> qa = a.Quantile(q);
    Result<double> qb = b.Quantile(q);
    ASSERT_TRUE(qa.ok() && qb.ok()) << label;
    EXPECT_EQ(*qa, *qb) << label << " q=" << q;
  }
  for (double v : {0.5, 7.0, 300.0, 1e5, 1e9}) {
    Result<uint64_t> ra = a.Rank(v);
    Result<uint64_t> rb = b.Rank(v);
    ASSERT_TRUE(ra.ok() && rb.ok()) << label;
    EXPECT_EQ(*ra, *rb) << label << " rank of " << v;
  }
}

TEST(SketchCountWidth, CrossingTwoToThe32OneValueAtATime) {
  // Low and high values first, so that the values added one by one land strictly inside the
  // occupied range: the inline path, which must hand over to the general one at the limit.
  Sketch stepped;
  ASSERT_TRUE(stepped.Add(1.0).ok());
  ASSERT_TRUE(stepped.Add(1e9).ok());
  ASSERT_TRUE(stepped.Add(300.0, kNarrowMax - 12).ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(stepped.Add(i % 2 == 0 ? 300.0 : 301.0).ok());
  EXPECT_EQ(stepped.Count(), kNarrowMax - 10 + 40);

  // The same multiset in other steps and order. 300 and 301 share a bin, whose count passes 2^32.
  Sketch whole;
  ASSERT_TRUE(whole.Add(300.0, kNarrowMax - 12).ok());
  ASSERT_TRUE(whole.Add(301.0, 20).ok());
  ASSERT_TRUE(whole.Add(300.0, 20).ok());
  ASSERT_TRUE(whole.Add(1e9).ok());
  ASSERT_TRUE(whole.Add(1.0).ok());

  EXPECT_EQ(stepped.Serialize(), whole.Serialize());
  ExpectSameAnswers(stepped, whole, "stepped vs whole");
  Result<double> p50 = stepped.Quantile(0.5);
  ASSERT_TRUE(p50.ok());
  EXPECT_LE(std::fabs(*p50 - 300.0), 0.01 * 300.0);
}

TEST(SketchCountWidth, MergesAcrossTheLimitGiveTheSameBytesInAnyOrder) {
  // Parts of about 1.6e9 values each, none past 32-bit counts alone; together the two shared bins
  // pass 2^32 (a bin that overflowed 32 bits would show in every comparison below).
  std::mt19937_64 rng(7);
  std::vector<std::vector<Weighted>> parts(6);
  for (auto& part : parts) {
    part.push_back({1000.0, 800'000'000 + rng() % 1000});
    part.push_back({5e6, 800'000'000 + rng() % 1000});
    for (int i = 0; i < 30; ++i) {
      const double value = std::exp(std::uniform_real_distribution<double>(0, 20)(rng));
      part.push_back({value, 1 + rng() % 1000});
    }
  }
  std::vector<Weighted> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  const Sketch reference = FromWeighted(all);
  ASSERT_GT(reference.Count(), kNarrowMax);
  const std::string expected = reference.Serialize();

  std::vector<Sketch> sketches;
  std::vector<std::string> bytes;
  for (const auto& part : parts) {
    sketches.push_back(FromWeighted(part));
    ASSERT_LE(sketches.back().Count(), kNarrowMax);
    bytes.push_back(sketches.back().Serialize());
  }

  Sketch forward, backward, from_bytes;
  for (size_t i = 0; i < parts.size(); ++i) {
    ASSERT_TRUE(forward.Merge(sketches[i]).ok());
    ASSERT_TRUE(backward.Merge(sketches[parts.size() - 1 - i]).ok());
    ASSERT_TRUE(from_bytes.MergeFrom(bytes[(i * 5) % parts.size()]).ok());
  }
  EXPECT_EQ(forward.Serialize(), expected);
  EXPECT_EQ(backward.Serialize(), expected);
  EXPECT_EQ(from_bytes.Serialize(), expected);
  ExpectSameAnswers(forward, reference, "forward");

  // Deserializing a 64-bit sketch, and merging it into a fresh (32-bit) one, give it back.
  Result<Sketch> decoded = Sketch::Deserialize(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->Serialize(), expected);
  Sketch fresh;
  ASSERT_TRUE(fresh.MergeFrom(expected).ok());
  EXPECT_EQ(fresh.Serialize(), expected);

  // Pairwise from bytes: each pair crosses the limit inside MergeSerialized.
  std::string pair;
  ASSERT_TRUE(Sketch::MergeSerialized(bytes[0], bytes[1], &pair).ok());
  std::vector<Weighted> first_two = parts[0];
  first_two.insert(first_two.end(), parts[1].begin(), parts[1].end());
  EXPECT_EQ(pair, FromWeighted(first_two).Serialize());
}

TEST(SketchCountWidth, BadBytesLeaveAWidenedSketchAsItWas) {
  Sketch big;
  ASSERT_TRUE(big.Add(10.0, 3'000'000'000).ok());
  ASSERT_TRUE(big.Add(1000.0, 2'000'000'000).ok());
  std::string incoming = big.Serialize();
  Sketch target;
  ASSERT_TRUE(target.Add(50.0, 1'000'000'000).ok());
  const std::string before = target.Serialize();
  incoming[incoming.size() / 2] ^= 0x10;  // the checksum no longer matches
  EXPECT_TRUE(target.MergeFrom(incoming).IsCorruption());
  EXPECT_EQ(target.Serialize(), before);
  ASSERT_TRUE(target.MergeFrom(big.Serialize()).ok());
  EXPECT_EQ(target.Count(), 6'000'000'000u);
}

// Sketches whose dense groups need every bit width from 1 to 34.
std::vector<std::string> VariedSketches() {
  std::vector<std::string> out;
  std::mt19937_64 rng(11);
  for (int width = 1; width <= 34; ++width) {
    Sketch s;
    for (int bin = 0; bin < 200; ++bin) {
      const uint64_t count = (uint64_t{1} << (width - 1)) + rng() % (uint64_t{1} << (width - 1));
      EXPECT_TRUE(s.Add(100.0 * std::pow(1.02, bin), count).ok());
    }
    out.push_back(s.Serialize());
  }
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    out.push_back(BuildSketch(Lognormal(700 + seed * 50, 300'000, 0.6 + 0.05 * seed, seed)).Serialize());
  }
  return out;
}

struct Decoded {
  std::vector<std::string> round_trips;
  std::string merged;
  // Per damaged copy: the status code, and the bytes of a target it was merged into.
  std::vector<int> damaged_codes;
  std::vector<std::string> damaged_targets;
};

// `bytes` with one byte changed and the checksum made valid again, so that the decoders see it.
std::string DamagedBehindChecksum(const std::string& bytes, size_t pos) {
  std::string payload = bytes.substr(0, bytes.size() - sketch::kChecksumSize);
  payload[pos] = static_cast<char>(payload[pos] ^ 0x5a);
  const uint32_t checksum = sketch::SketchChecksum(payload);
  sketch::ByteWriter(&payload).PutFixed32(checksum);
  return payload;
}

Decoded DecodeAll(const std::vector<std::string>& sketches) {
  Decoded d;
  Sketch merged;
  for (const std::string& bytes : sketches) {
    Result<Sketch> s = Sketch::Deserialize(bytes);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    d.round_trips.push_back(s.ok() ? s->Serialize() : "");
    EXPECT_TRUE(merged.MergeFrom(bytes).ok());
    for (size_t pos = 0; pos + sketch::kChecksumSize < bytes.size(); pos += 3) {
      const std::string bad = DamagedBehindChecksum(bytes, pos);
      Result<Sketch> decoded = Sketch::Deserialize(bad);
      d.damaged_codes.push_back(static_cast<int>(decoded.status().code()));
      Sketch target = BuildSketch(Lognormal(50, 1000, 2.0, pos));
      d.damaged_codes.push_back(static_cast<int>(target.MergeFrom(bad).code()));
      d.damaged_targets.push_back(target.Serialize());
    }
  }
  d.merged = merged.Serialize();
  return d;
}

TEST(SketchCountWidth, Avx2AndPortableDecodersAgree) {
  const std::vector<std::string> sketches = VariedSketches();
  const bool had_avx2 = sketch::SetDenseAvx2ForTesting(true);
  const Decoded with_default = DecodeAll(sketches);
  sketch::SetDenseAvx2ForTesting(false);
  const Decoded portable = DecodeAll(sketches);
  sketch::SetDenseAvx2ForTesting(had_avx2);
  ASSERT_EQ(with_default.round_trips.size(), sketches.size());
  for (size_t i = 0; i < sketches.size(); ++i) {
    EXPECT_EQ(with_default.round_trips[i], sketches[i]) << "sketch " << i;
    EXPECT_EQ(portable.round_trips[i], sketches[i]) << "sketch " << i;
  }
  EXPECT_EQ(with_default.merged, portable.merged);
  EXPECT_EQ(with_default.damaged_codes, portable.damaged_codes);
  EXPECT_EQ(with_default.damaged_targets, portable.damaged_targets);
}

}  // namespace
}  // namespace tally::sketch_test
