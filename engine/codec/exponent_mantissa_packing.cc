// Exponent/mantissa split: each residual r is written as its bit length L (0..64, the "exponent")
// and, when L >= 2, the L-1 bits below its top one-bit (the "mantissa"; the top bit is implied).
//
// Why: token counts and latencies are roughly lognormal, so log2(r) is roughly normal. The bit
// lengths then carry the skewed part of the information and compress well with an entropy coder
// (zstd's Huffman stage), while the mantissa bits are close to uniform and are stored as they are.
// This gets within a few percent of the entropy where max-width bit-packing wastes 3-5 bits a row.
//
// Payload: mode <u8>
//   mode 0: min_length <u8>, width <u8, 0..7>, n fields of `width` bits: L - min_length (padded
//           to a byte), then the mantissa bit stream;
//   mode 1: frame_size <uvarint>, a zstd frame of n bytes (one L per residual), then the mantissa
//           bit stream.
// The mantissa stream runs to the end of the column payload.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/codec/bit_stream.h"
#include "engine/codec/column_codec.h"
#include "engine/codec/zstd_stage.h"

namespace tally::codec {
namespace {

enum class ExponentMode : uint8_t { kBitPacked = 0, kZstd = 1 };  // do not change: on-disk format

struct ExponentPlan {
  unsigned min_length = 0, width = 0;
  uint64_t packed_bytes = 0;     // mode 0 exponent bytes incl. its two parameter bytes
  uint64_t zstd_estimate = 0;    // mode 1 exponent bytes, estimated from the entropy
  uint64_t mantissa_bits = 0;
};

ExponentPlan Plan(size_t n, const ResidualStats& stats) {
  ExponentPlan plan;
  unsigned lo = 64, hi = 0, distinct = 0;
  double entropy_bits = 0;
  for (unsigned length = 0; length <= 64; ++length) {
    const uint64_t count = stats.bit_length_histogram[length];
    if (count == 0) continue;
    lo = std::min(lo, length), hi = std::max(hi, length), ++distinct;
    plan.mantissa_bits += count * (length >= 2 ? length - 1 : 0);
    entropy_bits -= count * std::log2(static_cast<double>(count) / n);
  }
  if (n == 0) lo = 0;
  plan.min_length = lo;
  plan.width = BitWidth(hi - lo);
  plan.packed_bytes = 2 + BitWriter::BytesFor(uint64_t{plan.width} * n);
  // Frame and block headers plus a Huffman table of about half a byte per symbol.
  plan.zstd_estimate = 16 + distinct / 2 + static_cast<uint64_t>(entropy_bits * 1.02 / 8);
  return plan;
}

std::vector<uint8_t>& ScratchExponents() {
  thread_local std::vector<uint8_t> scratch;
  return scratch;
}

class ExponentMantissaPacking final : public IntegerPacker {
 public:
  PackingId id() const override { return PackingId::kExponentMantissa; }

  size_t EstimateBytes(std::span<const uint64_t> residuals, const ResidualStats& stats) const override {
    ExponentPlan plan = Plan(residuals.size(), stats);
    return 1 + std::min(plan.packed_bytes, plan.zstd_estimate) + BitWriter::BytesFor(plan.mantissa_bits);
  }

  void Pack(std::span<const uint64_t> residuals, const ResidualStats& stats, std::string* out) const override {
    ExponentPlan plan = Plan(residuals.size(), stats);
    const size_t mode_position = out->size();
    bool zstd_written = false;
    if (plan.zstd_estimate < plan.packed_bytes) {
      std::vector<uint8_t>& exponents = ScratchExponents();
      exponents.resize(residuals.size());
      for (size_t i = 0; i < residuals.size(); ++i) exponents[i] = static_cast<uint8_t>(BitWidth(residuals[i]));
      std::string frame;
      if (AppendZstd({reinterpret_cast<const char*>(exponents.data()), exponents.size()}, &frame) &&
          frame.size() + VarintLength(frame.size()) < plan.packed_bytes) {
        out->push_back(static_cast<char>(ExponentMode::kZstd));
        PutVarint64(out, frame.size());
        out->append(frame);
        zstd_written = true;
      }
    }
    if (!zstd_written) {
      out->resize(mode_position);
      out->push_back(static_cast<char>(ExponentMode::kBitPacked));
      out->push_back(static_cast<char>(plan.min_length));
      out->push_back(static_cast<char>(plan.width));
      BitWriter writer(out);
      for (uint64_t r : residuals) writer.Write(BitWidth(r) - plan.min_length, plan.width);
      writer.Finish();
    }
    BitWriter mantissas(out);
    for (uint64_t r : residuals) {
      const unsigned length = BitWidth(r);
      if (length >= 2) mantissas.Write(r, length - 1);  // Write keeps only the low length-1 bits
    }
    mantissas.Finish();
  }

  void Unpack(Decoder* in, std::span<uint64_t> out) const override {
    const size_t n = out.size();
    std::vector<uint8_t>& exponents = ScratchExponents();
    exponents.resize(n);
    const auto mode = static_cast<ExponentMode>(in->ReadByte("exponent: mode"));
    if (mode == ExponentMode::kBitPacked) {
      const unsigned min_length = in->ReadByte("exponent: min length");
      const unsigned width = in->ReadByte("exponent: width");
      if (in->ok() && (min_length > 64 || width > 7)) return in->Fail("exponent: width", "out of range");
      std::string_view bits = in->ReadBytes(BitWriter::BytesFor(uint64_t{width} * n), "exponent: lengths");
      if (!in->ok()) return;
      BitReader reader(bits);
      for (size_t i = 0; i < n; ++i) exponents[i] = static_cast<uint8_t>(min_length + reader.Read(width));
    } else if (mode == ExponentMode::kZstd) {
      std::string_view frame = in->ReadLengthPrefixed("exponent: zstd frame", in->remaining());
      if (!in->ok()) return;
      if (!DecompressZstdExactly(frame, reinterpret_cast<char*>(exponents.data()), n)) {
        return in->Fail("exponent: zstd frame", "does not decompress to one byte per row");
      }
    } else {
      return in->Fail("exponent: mode", "unknown");
    }
    uint8_t max_length = 0;
    for (uint8_t length : exponents) max_length = std::max(max_length, length);
    if (max_length > 64) return in->Fail("exponent: lengths", "above 64");

    std::string_view bits = in->ReadBytes(in->remaining(), "exponent: mantissas");
    BitReader reader(bits);
    for (size_t i = 0; i < n; ++i) {
      const unsigned length = exponents[i];
      out[i] = length >= 2 ? (uint64_t{1} << (length - 1)) | reader.Read(length - 1) : length;
    }
    if (reader.overrun() || reader.bytes_consumed() != bits.size()) {
      in->Fail("exponent: mantissas", "length mismatch");
    }
  }
};

}  // namespace

const IntegerPacker& ExponentMantissaPacker() {
  static const ExponentMantissaPacking packer;
  return packer;
}

}  // namespace tally::codec
