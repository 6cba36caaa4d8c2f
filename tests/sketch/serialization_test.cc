// Serialization: round trips are the identity; damaged, truncated or invented bytes give
// Corruption (never a crash, a hang or a large allocation); newer formats give NotSupported.
#include <gtest/gtest.h>

#include "engine/sketch/byte_coding.h"
#include "engine/sketch/sketch_format.h"
#include "tests/sketch/sketch_test_util.h"

namespace tally::sketch_test {
namespace {

using sketch::ByteWriter;

// Sketches that between them use every flag and both bin encodings.
std::vector<std::pair<std::string, Sketch>> SampleSketches() {
  std::vector<std::pair<std::string, Sketch>> out;
  out.emplace_back("empty", Sketch());
  out.emplace_back("zeros only", BuildSketch({0.0, 0.0, -0.0}));
  out.emplace_back("one value", BuildSketch({1234.0}));
  out.emplace_back("fractional", BuildSketch({0.25, 3.75, 1e-9}));
  out.emplace_back("thirteen latencies", BuildSketch(LlmLatenciesMicros(13, 20)));
  out.emplace_back("minute", BuildSketch(LlmLatenciesMicros(700, 21)));
  std::vector<double> with_zeros = LlmLatenciesMicros(300, 22);
  with_zeros.insert(with_zeros.end(), 5, 0.0);
  out.emplace_back("minute with zeros", BuildSketch(with_zeros));
  SketchOptions small;
  small.bin_limit = 32;
  out.emplace_back("collapsed", BuildSketch(Lognormal(2000, 50.0, 3.0, 23), small));
  SketchOptions fine;
  fine.relative_accuracy = 0.001;
  out.emplace_back("alpha 0.1%", BuildSketch(Lognormal(2000, 50.0, 1.0, 24), fine));
  Sketch big_counts;
  EXPECT_TRUE(big_counts.Add(7.0, uint64_t{1} << 60).ok());
  EXPECT_TRUE(big_counts.Add(9.0, 3).ok());
  out.emplace_back("wide counts", std::move(big_counts));
  return out;
}

void ExpectSameAnswers(const Sketch& a, const Sketch& b, const std::string& label) {
  EXPECT_EQ(a.Count(), b.Count()) << label;
  EXPECT_EQ(a.Sum(), b.Sum()) << label;
  EXPECT_EQ(a.Collapsed(), b.Collapsed()) << label;
  EXPECT_EQ(a.Min().ok(), b.Min().ok()) << label;
  if (a.Count() == 0) return;
  EXPECT_EQ(*a.Min(), *b.Min()) << label;
  EXPECT_EQ(*a.Max(), *b.Max()) << label;
  for (double q : TestedQuantiles()) EXPECT_EQ(*a.Quantile(q), *b.Quantile(q)) << label << " q=" << q;
  for (double v : {0.0, 1.0, 1000.0, 3e5, 1e7}) EXPECT_EQ(*a.Rank(v), *b.Rank(v)) << label << " v=" << v;
}

// `payload` with the checksum appended: lets tests reach the structural checks behind it.
std::string WithChecksum(std::string payload) {
  const uint32_t c = sketch::SketchChecksum(payload);
  ByteWriter(&payload).PutFixed32(c);
  return payload;
}

TEST(SketchSerialization, RoundTripIsIdentity) {
  for (const auto& [label, sketch] : SampleSketches()) {
    const std::string bytes = sketch.Serialize();
    Result<Sketch> back = Sketch::Deserialize(bytes);
    ASSERT_TRUE(back.ok()) << label << ": " << back.status().ToString();
    EXPECT_EQ(back->Serialize(), bytes) << label;
    ExpectSameAnswers(sketch, *back, label);
    // A decoded sketch keeps working: adding to it matches adding to the original.
    Sketch original = sketch;
    Sketch decoded = std::move(back).value();
    ASSERT_TRUE(original.Add(555.0).ok());
    ASSERT_TRUE(decoded.Add(555.0).ok());
    EXPECT_EQ(original.Serialize(), decoded.Serialize()) << label;
  }
}

TEST(SketchSerialization, SerializeToAppends) {
  Sketch s = BuildSketch({1, 2, 3});
  std::string out = "prefix";
  s.SerializeTo(&out);
  EXPECT_EQ(out, "prefix" + s.Serialize());
}

TEST(SketchSerialization, EmptySketchLayout) {
  // version 1, no flags, mapping 1, alpha 10000 ppm, bin limit 2048, count 0, then the checksum.
  const std::string bytes = Sketch().Serialize();
  const std::string payload("\x01\x00\x01\x90\x4e\x80\x10\x00", 8);
  EXPECT_EQ(bytes, WithChecksum(payload));
}

TEST(SketchSerialization, GoldenVersion1) {
  // Written by hand from docs/format.md, "Sketch", so a change of the encoder shows up here:
  // values 1, 2 and 2: no zeros, integral sum and min/max, sparse bins.
  //   01 18 01 | 90 4e | 80 10 | 03 | 05 (sum) | 01 01 (min, max - min) | first index | span | entries
  Sketch s = BuildSketch({1.0, 2.0, 2.0});
  const std::string bytes = s.Serialize();
  const uint8_t flags = static_cast<uint8_t>(bytes[1]);
  EXPECT_EQ(flags, 0x04 | 0x08 | 0x10) << "sparse bins, integral sum, integral min/max";
  // Index(1) = 0 and Index(2) = ceil(m) = 35 at alpha = 1%: first index 0, span 36; entries:
  // gap 1, count 1 -> key 0; gap 35, count 2 -> key (34 << 1) | 1 = 69, then count - 2 = 0.
  const std::string payload("\x01\x1c\x01\x90\x4e\x80\x10\x03\x05\x01\x01\x00\x24\x00\x45\x00", 16);
  std::string expected_payload = payload;
  expected_payload[1] = static_cast<char>(flags);
  EXPECT_EQ(bytes, WithChecksum(expected_payload));
  Result<Sketch> back = Sketch::Deserialize(WithChecksum(expected_payload));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->Count(), 3u);
  EXPECT_EQ(back->Sum(), 5.0);
  EXPECT_EQ(*back->Min(), 1.0);
  EXPECT_EQ(*back->Max(), 2.0);
}

TEST(SketchSerialization, EveryBitFlipIsCorruption) {
  for (const auto& [label, sketch] : SampleSketches()) {
    const std::string bytes = sketch.Serialize();
    Sketch target = BuildSketch({5.0, 6.0});
    const std::string target_bytes = target.Serialize();
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
        Result<Sketch> r = Sketch::Deserialize(damaged);
        ASSERT_FALSE(r.ok()) << label << " byte " << i << " bit " << bit;
        EXPECT_TRUE(r.status().IsCorruption()) << label << " byte " << i << ": " << r.status().ToString();
        Status m = target.MergeFrom(damaged);
        EXPECT_TRUE(m.IsCorruption()) << label << " byte " << i << ": " << m.ToString();
      }
    }
    EXPECT_EQ(target.Serialize(), target_bytes) << label << ": failed merges changed the sketch";
  }
}

TEST(SketchSerialization, EveryTruncationIsCorruption) {
  for (const auto& [label, sketch] : SampleSketches()) {
    const std::string bytes = sketch.Serialize();
    for (size_t n = 0; n < bytes.size(); ++n) {
      Result<Sketch> r = Sketch::Deserialize(std::string_view(bytes).substr(0, n));
      EXPECT_TRUE(r.status().IsCorruption()) << label << " first " << n << " bytes: " << r.status().ToString();
    }
    // Extra bytes are damage too.
    EXPECT_TRUE(Sketch::Deserialize(bytes + '\0').status().IsCorruption()) << label;
  }
}

TEST(SketchSerialization, GarbageIsCorruption) {
  std::mt19937_64 rng(30);
  for (int trial = 0; trial < 20000; ++trial) {
    std::string garbage(rng() % 400, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    Result<Sketch> r = Sketch::Deserialize(garbage);
    EXPECT_TRUE(r.status().IsCorruption()) << "trial " << trial << ": " << r.status().ToString();
  }
}

// Behind a valid checksum (a writer bug, or deliberate): random payloads and damaged payloads.
// The decoder must answer without crashing; whatever it accepts must be a consistent sketch.
TEST(SketchSerialization, StructuralFuzzBehindValidChecksum) {
  std::mt19937_64 rng(31);
  std::vector<std::string> seeds;
  for (const auto& [label, sketch] : SampleSketches()) {
    std::string b = sketch.Serialize();
    seeds.push_back(b.substr(0, b.size() - sketch::kChecksumSize));
  }
  int accepted = 0;
  for (int trial = 0; trial < 40000; ++trial) {
    std::string payload = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a bit
          if (!payload.empty()) payload[rng() % payload.size()] ^= static_cast<char>(1 << (rng() % 8));
          break;
        case 1:  // overwrite a byte
          if (!payload.empty()) payload[rng() % payload.size()] = static_cast<char>(rng());
          break;
        case 2:  // truncate
          payload.resize(rng() % (payload.size() + 1));
          break;
        default:  // insert a byte
          payload.insert(payload.begin() + static_cast<ptrdiff_t>(rng() % (payload.size() + 1)),
                         static_cast<char>(rng()));
      }
    }
    const std::string bytes = WithChecksum(payload);
    Result<Sketch> r = Sketch::Deserialize(bytes);
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsCorruption() || r.status().IsNotSupported()) << r.status().ToString();
      continue;
    }
    ++accepted;
    // Accepted bytes describe a real sketch: it re-encodes to bytes that decode to the same answers.
    const std::string again = r->Serialize();
    Result<Sketch> r2 = Sketch::Deserialize(again);
    ASSERT_TRUE(r2.ok()) << r2.status().ToString();
    ExpectSameAnswers(*r, *r2, "fuzz trial " + std::to_string(trial));
    EXPECT_EQ(r2->Serialize(), again);
  }
  // Most edits must be caught by the structural checks alone.
  EXPECT_LT(accepted, 40000 / 4);
}

// MergeFrom adds dense bins straight into the target's bins and takes them out again when a later
// check fails. Behind a valid checksum: a failed MergeFrom leaves the target's bytes unchanged, and
// an accepted one equals Deserialize + Merge. The targets' windows already cover the damaged
// sketches' ranges (the direct path) or do not (the path through scratch space).
TEST(SketchSerialization, MergeFromIsAllOrNothingBehindValidChecksum) {
  std::mt19937_64 rng(32);
  std::vector<std::string> seeds;
  for (const auto& [label, sketch] : SampleSketches()) {
    std::string b = sketch.Serialize();
    seeds.push_back(b.substr(0, b.size() - sketch::kChecksumSize));
  }
  // Dense minutes, the case the direct path is for, with zeros and wider counts mixed in.
  for (uint64_t seed = 40; seed < 46; ++seed) {
    std::vector<double> values = LlmLatenciesMicros(700 + 300 * (seed % 3), seed);
    if (seed % 2 == 0) values.insert(values.end(), 3, 0.0);
    if (seed == 45) values.insert(values.end(), 400, values[0]);
    std::string b = BuildSketch(values).Serialize();
    seeds.push_back(b.substr(0, b.size() - sketch::kChecksumSize));
  }
  const std::vector<Sketch> targets = {Sketch(), BuildSketch(LlmLatenciesMicros(20000, 33)),
                                       BuildSketch({1e-3, 1e9})};
  int accepted = 0, rejected = 0;
  for (int trial = 0; trial < 30000; ++trial) {
    std::string payload = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 2);
    for (int e = 0; e < edits && !payload.empty(); ++e) {
      const size_t at = rng() % payload.size();
      if (rng() % 2 == 0) {
        payload[at] ^= static_cast<char>(1 << (rng() % 8));
      } else {
        payload[at] = static_cast<char>(rng());
      }
    }
    const std::string bytes = WithChecksum(payload);
    Sketch target = targets[rng() % targets.size()];
    const std::string before = target.Serialize();
    Status merged = target.MergeFrom(bytes);
    Result<Sketch> decoded = Sketch::Deserialize(bytes);
    if (!merged.ok()) {
      ++rejected;
      EXPECT_EQ(target.Serialize(), before) << "trial " << trial << ": " << merged.ToString();
      // Decoding rejects the same bytes, unless only the merge itself was refused.
      if (!merged.IsInvalidArgument()) {
        EXPECT_FALSE(decoded.ok()) << "trial " << trial << ": " << merged.ToString();
      }
      continue;
    }
    ++accepted;
    ASSERT_TRUE(decoded.ok()) << "trial " << trial << ": " << decoded.status().ToString();
    Result<Sketch> expected = Sketch::Deserialize(before);
    ASSERT_TRUE(expected.ok());
    ASSERT_TRUE(expected->Merge(*decoded).ok());
    EXPECT_EQ(target.Serialize(), expected->Serialize()) << "trial " << trial;
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(accepted, 10);
}

TEST(SketchSerialization, HugeLengthsAreRejectedBeforeAllocating) {
  // A dense bin range of 2^40 bins; and one just above the bin limit.
  for (uint64_t span : {uint64_t{1} << 40, uint64_t{2049}, uint64_t{65537}}) {
    std::string payload;
    ByteWriter w(&payload);
    w.PutByte(1);
    w.PutByte(0x08 | 0x10);
    w.PutByte(1);
    w.PutVarint64(10000);
    w.PutVarint64(span > 2049 ? 65536 : 2048);
    w.PutVarint64(5);       // count
    w.PutVarint64(50);      // sum
    w.PutVarint64(10);      // min
    w.PutVarint64(0);       // max - min
    w.PutSignedVarint(81);  // first index
    w.PutVarint64(span);
    Result<Sketch> r = Sketch::Deserialize(WithChecksum(payload));
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("bin range"), std::string::npos) << r.status().ToString();
  }
}

TEST(SketchSerialization, InconsistentFieldsAreCorruption) {
  const std::string good = BuildSketch({10.0, 20.0, 30.0}).Serialize();
  std::string payload = good.substr(0, good.size() - sketch::kChecksumSize);
  ASSERT_TRUE(Sketch::Deserialize(WithChecksum(payload)).ok());
  // count (byte 7) says 4 values while the bins hold 3.
  std::string wrong_count = payload;
  wrong_count[7] = 4;
  Result<Sketch> r = Sketch::Deserialize(WithChecksum(wrong_count));
  EXPECT_TRUE(r.status().IsCorruption());
  EXPECT_NE(r.status().message().find("bins hold 3 values"), std::string::npos) << r.status().ToString();
  // An overlong varint (count 3 as 0x83 0x00) is not the one encoding of 3.
  std::string overlong = payload;
  overlong[7] = static_cast<char>(0x83);
  overlong.insert(overlong.begin() + 8, '\0');
  EXPECT_TRUE(Sketch::Deserialize(WithChecksum(overlong)).status().IsCorruption());
}

TEST(SketchSerialization, NewerFormatsAreNotSupported) {
  const std::string good = BuildSketch({10.0}).Serialize();
  std::string payload = good.substr(0, good.size() - sketch::kChecksumSize);
  std::string v2 = payload;
  v2[0] = 2;
  Result<Sketch> r = Sketch::Deserialize(WithChecksum(v2));
  EXPECT_TRUE(r.status().IsNotSupported()) << r.status().ToString();
  std::string flag = payload;
  flag[1] = static_cast<char>(flag[1] | 0x80);
  EXPECT_TRUE(Sketch::Deserialize(WithChecksum(flag)).status().IsNotSupported());
  std::string mapping = payload;
  mapping[2] = 2;
  EXPECT_TRUE(Sketch::Deserialize(WithChecksum(mapping)).status().IsNotSupported());
  // Without a matching checksum the same bytes are plain damage.
  v2 += good.substr(good.size() - sketch::kChecksumSize);
  EXPECT_TRUE(Sketch::Deserialize(v2).status().IsCorruption());
}

TEST(SketchSerialization, MergeSerializedReportsWhichOperand) {
  const std::string good = BuildSketch({1.0}).Serialize();
  std::string out;
  Status s = Sketch::MergeSerialized(good, good.substr(1), &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("second operand"), std::string::npos) << s.ToString();
  s = Sketch::MergeSerialized("", good, &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("first operand"), std::string::npos) << s.ToString();
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(Sketch::MergeSerialized(good, good, &out).ok());
  Sketch two;
  ASSERT_TRUE(two.Add(1.0, 2).ok());
  EXPECT_EQ(out, two.Serialize());
}

}  // namespace
}  // namespace tally::sketch_test
