// Byte planes: residuals in the fewest whole bytes that hold the largest, transposed so that byte
// plane b holds byte b of every residual, and each plane stored raw or as a zstd frame.
//
// Why: the high planes of a skewed column (latency residuals, token counts) hold few distinct,
// unevenly frequent bytes, which zstd's Huffman stage codes in 1-4 bits, while the low plane is
// near uniform and stays raw. Separate frames give each plane its own Huffman table. This beats
// exponent/mantissa when values span few octaves and the top bits of a value are far from uniform.
//
// Payload: plane_count <u8, 0..8>, then per plane, lowest first: frame_size <uvarint>;
//   0: the plane raw (n bytes) follows; otherwise a zstd frame of frame_size bytes holding n bytes.
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "engine/codec/bit_stream.h"
#include "engine/codec/column_codec.h"
#include "engine/codec/zstd_stage.h"

namespace tally::codec {
namespace {

// zstd frame + block + literals headers and a Huffman table, measured at level 1.
size_t EstimateZstdBytes(const std::array<uint32_t, 256>& histogram, size_t n) {
  double bits = 0;
  size_t distinct = 0;
  for (uint32_t count : histogram) {
    if (count == 0) continue;
    ++distinct;
    bits -= count * std::log2(static_cast<double>(count) / n);
  }
  if (distinct <= 1) return 12;  // a run: zstd writes an RLE block
  return 16 + distinct / 2 + static_cast<size_t>(bits * 1.02 / 8);
}

unsigned PlaneCount(uint64_t max) { return (BitWidth(max) + 7) / 8; }

std::vector<uint8_t>& ScratchPlane() {
  thread_local std::vector<uint8_t> plane;
  return plane;
}

class BytePlanePacking final : public IntegerPacker {
 public:
  PackingId id() const override { return PackingId::kBytePlanes; }

  size_t EstimateBytes(std::span<const uint64_t> residuals, const ResidualStats& stats) const override {
    const unsigned planes = PlaneCount(stats.max);
    const size_t n = residuals.size();
    std::array<std::array<uint32_t, 256>, 8> histograms{};
    for (uint64_t r : residuals) {
      for (unsigned b = 0; b < planes; ++b) ++histograms[b][(r >> (8 * b)) & 0xff];
    }
    size_t bytes = 1;
    for (unsigned b = 0; b < planes; ++b) bytes += 1 + std::min(n, EstimateZstdBytes(histograms[b], n));
    return bytes;
  }

  void Pack(std::span<const uint64_t> residuals, const ResidualStats& stats, std::string* out) const override {
    const unsigned planes = PlaneCount(stats.max);
    const size_t n = residuals.size();
    out->push_back(static_cast<char>(planes));
    std::vector<uint8_t>& plane = ScratchPlane();
    plane.resize(n);
    std::string frame;
    for (unsigned b = 0; b < planes; ++b) {
      for (size_t i = 0; i < n; ++i) plane[i] = static_cast<uint8_t>(residuals[i] >> (8 * b));
      std::string_view raw(reinterpret_cast<const char*>(plane.data()), n);
      frame.clear();
      if (AppendZstd(raw, &frame) && frame.size() < n) {
        PutVarint64(out, frame.size());
        out->append(frame);
      } else {
        PutVarint64(out, 0);
        out->append(raw);
      }
    }
  }

  void Unpack(Decoder* in, std::span<uint64_t> out) const override {
    const unsigned planes = in->ReadByte("byte planes: count");
    if (planes > 8) return in->Fail("byte planes: count", "above 8");
    const size_t n = out.size();
    std::fill(out.begin(), out.end(), 0);
    std::vector<uint8_t>& scratch = ScratchPlane();
    for (unsigned b = 0; b < planes && in->ok(); ++b) {
      const uint64_t frame_size = in->ReadCount("byte planes: frame size", in->remaining());
      const uint8_t* plane;
      if (frame_size == 0) {
        plane = reinterpret_cast<const uint8_t*>(in->ReadBytes(n, "byte planes: raw plane").data());
      } else {
        std::string_view frame = in->ReadBytes(frame_size, "byte planes: frame");
        scratch.resize(n);
        if (in->ok() && !DecompressZstdExactly(frame, reinterpret_cast<char*>(scratch.data()), n)) {
          in->Fail("byte planes: frame", "does not decompress to one byte per row");
        }
        plane = scratch.data();
      }
      if (!in->ok()) return;
      const unsigned shift = 8 * b;
      for (size_t i = 0; i < n; ++i) out[i] |= uint64_t{plane[i]} << shift;
    }
  }
};

}  // namespace

const IntegerPacker& BytePlanePacker() {
  static const BytePlanePacking packer;
  return packer;
}

}  // namespace tally::codec
