// Framed bit-packing: residuals in frames of 128, each frame in the width of its own largest value.
// Payload: one width byte per frame (ceil(n / 128) bytes), then all frames' bit fields as one
// stream. A few outliers then widen only their own frame, not the whole block.
#include <algorithm>

#include "engine/codec/bit_stream.h"
#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

constexpr size_t kFrameRows = 128;

unsigned FrameWidth(std::span<const uint64_t> frame) {
  uint64_t bits = 0;
  for (uint64_t r : frame) bits |= r;
  return BitWidth(bits);
}

class FramedBitPacking final : public IntegerPacker {
 public:
  PackingId id() const override { return PackingId::kFramedBitPacked; }

  size_t EstimateBytes(std::span<const uint64_t> residuals, const ResidualStats&) const override {
    uint64_t bits = 0;
    size_t frames = 0;
    for (size_t start = 0; start < residuals.size(); start += kFrameRows, ++frames) {
      auto frame = residuals.subspan(start, std::min(kFrameRows, residuals.size() - start));
      bits += uint64_t{FrameWidth(frame)} * frame.size();
    }
    return frames + BitWriter::BytesFor(bits);
  }

  void Pack(std::span<const uint64_t> residuals, const ResidualStats&, std::string* out) const override {
    const size_t first_width = out->size();
    for (size_t start = 0; start < residuals.size(); start += kFrameRows) {
      auto frame = residuals.subspan(start, std::min(kFrameRows, residuals.size() - start));
      out->push_back(static_cast<char>(FrameWidth(frame)));
    }
    BitWriter writer(out);
    for (size_t start = 0, f = 0; start < residuals.size(); start += kFrameRows, ++f) {
      const unsigned width = static_cast<uint8_t>((*out)[first_width + f]);
      const size_t end = std::min(start + kFrameRows, residuals.size());
      for (size_t i = start; i < end; ++i) writer.Write(residuals[i], width);
    }
    writer.Finish();
  }

  void Unpack(Decoder* in, std::span<uint64_t> out) const override {
    const size_t frames = (out.size() + kFrameRows - 1) / kFrameRows;
    std::string_view widths = in->ReadBytes(frames, "framed: widths");
    if (!in->ok()) return;
    uint64_t total_bits = 0;
    for (size_t f = 0; f < frames; ++f) {
      const unsigned width = static_cast<uint8_t>(widths[f]);
      if (width > 64) return in->Fail("framed: width", "above 64");
      total_bits += uint64_t{width} * std::min(kFrameRows, out.size() - f * kFrameRows);
    }
    std::string_view bits = in->ReadBytes(BitWriter::BytesFor(total_bits), "framed: values");
    if (!in->ok()) return;
    BitReader reader(bits);
    for (size_t f = 0; f < frames; ++f) {
      const unsigned width = static_cast<uint8_t>(widths[f]);
      const size_t end = std::min((f + 1) * kFrameRows, out.size());
      for (size_t i = f * kFrameRows; i < end; ++i) out[i] = reader.Read(width);
    }
  }
};

}  // namespace

const IntegerPacker& FramedBitPacker() {
  static const FramedBitPacking packer;
  return packer;
}

}  // namespace tally::codec
