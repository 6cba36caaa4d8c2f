// Bit-packing: every residual in the same number of bits, the width of the largest.
// Payload: width <u8, 0..64>, then ceil(n·width / 8) bytes of bit fields.
// Cheapest to decode and exact to estimate; wins for narrow, flat distributions and tiny blocks.
#include "engine/codec/bit_stream.h"
#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class BitPacking final : public IntegerPacker {
 public:
  PackingId id() const override { return PackingId::kBitPacked; }

  size_t EstimateBytes(std::span<const uint64_t> residuals, const ResidualStats& stats) const override {
    return 1 + BitWriter::BytesFor(uint64_t{BitWidth(stats.max)} * residuals.size());
  }

  void Pack(std::span<const uint64_t> residuals, const ResidualStats& stats, std::string* out) const override {
    const unsigned width = BitWidth(stats.max);
    out->push_back(static_cast<char>(width));
    BitWriter writer(out);
    for (uint64_t r : residuals) writer.Write(r, width);
    writer.Finish();
  }

  void Unpack(Decoder* in, std::span<uint64_t> out) const override {
    const unsigned width = in->ReadByte("bit-packed: width");
    if (width > 64) return in->Fail("bit-packed: width", "above 64");
    std::string_view bits =
        in->ReadBytes(BitWriter::BytesFor(uint64_t{width} * out.size()), "bit-packed: values");
    if (!in->ok()) return;
    BitReader reader(bits);
    for (uint64_t& r : out) r = reader.Read(width);
  }
};

}  // namespace

const IntegerPacker& BitPacker() {
  static const BitPacking packer;
  return packer;
}

}  // namespace tally::codec
