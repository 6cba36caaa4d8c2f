// Rice coding: residual r with parameter k is written as q = r >> k in unary (q one-bits, then a
// zero bit) followed by the low k bits of r. Near optimal for geometric/exponential distributions,
// which is what the gaps between Poisson arrivals are; no table, no zstd, so also good for small
// blocks. A quotient of kEscapeQuotient or more is written as kEscapeQuotient one-bits followed by
// r in 64 bits, so an outlier costs ~12 bytes instead of a run of 2^k-sized unary steps.
// Payload: k <u8, 0..60>, then the bit stream up to the end of the column payload.
#include <algorithm>
#include <bit>

#include "engine/codec/bit_stream.h"
#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

constexpr unsigned kEscapeQuotient = 32;
constexpr unsigned kMaxK = 60;

uint64_t RiceBits(std::span<const uint64_t> residuals, unsigned k) {
  uint64_t bits = 0;
  for (uint64_t r : residuals) {
    uint64_t q = r >> k;
    bits += q < kEscapeQuotient ? q + 1 + k : kEscapeQuotient + 64;
  }
  return bits;
}

// The best k near the one a geometric distribution with the same mean would want.
unsigned ChooseK(std::span<const uint64_t> residuals, uint64_t* best_bits) {
  long double sum = 0;
  for (uint64_t r : residuals) sum += r;
  long double target = residuals.empty() ? 0 : sum / residuals.size() * 0.69;
  unsigned guess = target < 1 ? 0 : std::min<unsigned>(kMaxK, BitWidth(static_cast<uint64_t>(target)) - 1);
  unsigned best_k = guess;
  *best_bits = RiceBits(residuals, guess);
  for (unsigned k : {guess > 0 ? guess - 1 : guess, std::min(guess + 1, kMaxK)}) {
    if (k == guess) continue;
    uint64_t bits = RiceBits(residuals, k);
    if (bits < *best_bits) *best_bits = bits, best_k = k;
  }
  return best_k;
}

class RicePacking final : public IntegerPacker {
 public:
  PackingId id() const override { return PackingId::kRice; }

  size_t EstimateBytes(std::span<const uint64_t> residuals, const ResidualStats&) const override {
    uint64_t bits;
    ChooseK(residuals, &bits);
    return 1 + BitWriter::BytesFor(bits);
  }

  void Pack(std::span<const uint64_t> residuals, const ResidualStats&, std::string* out) const override {
    uint64_t bits;
    const unsigned k = ChooseK(residuals, &bits);
    out->push_back(static_cast<char>(k));
    BitWriter writer(out);
    const uint64_t low_mask = LowBitsMask(k);
    for (uint64_t r : residuals) {
      uint64_t q = r >> k;
      if (q < kEscapeQuotient) {
        writer.Write(LowBitsMask(static_cast<unsigned>(q)), static_cast<unsigned>(q) + 1);  // q ones, a zero
        writer.Write(r & low_mask, k);
      } else {
        writer.Write(LowBitsMask(kEscapeQuotient), kEscapeQuotient);
        writer.Write(r, 64);
      }
    }
    writer.Finish();
  }

  void Unpack(Decoder* in, std::span<uint64_t> out) const override {
    const unsigned k = in->ReadByte("rice: k");
    if (k > kMaxK) return in->Fail("rice: k", "above 60");
    std::string_view bits = in->ReadBytes(in->remaining(), "rice: values");
    if (!in->ok()) return;
    BitReader reader(bits);
    for (uint64_t& r : out) {
      const unsigned ones = static_cast<unsigned>(std::countr_one(reader.Peek56()));
      if (ones >= kEscapeQuotient) {
        reader.Skip(kEscapeQuotient);
        r = reader.Read(64);
      } else {
        reader.Skip(ones + 1);
        r = (uint64_t{ones} << k) | reader.Read(k);
      }
      if (reader.overrun()) break;  // damaged: stop early rather than spin over zero bits
    }
    if (reader.overrun() || reader.bytes_consumed() != bits.size()) in->Fail("rice: values", "length mismatch");
  }
};

}  // namespace

const IntegerPacker& RicePacker() {
  static const RicePacking packer;
  return packer;
}

}  // namespace tally::codec
