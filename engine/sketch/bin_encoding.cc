#include "engine/sketch/bin_encoding.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

namespace tally::sketch {

namespace {

int BitWidth(uint64_t v) { return static_cast<int>(std::bit_width(v)); }

size_t VarintSize(uint64_t v) { return static_cast<size_t>(BitWidth(v | 1) + 6) / 7; }

// --- dense unpacking ------------------------------------------------------------------------------
// Decoding 1,440 minute sketches per day query is dominated by this; a width known at compile time
// lets each of the 16 extractions become a load, a shift and a mask.

template <int W>
void UnpackFullGroup(const uint8_t* p, uint64_t* out, uint64_t* sum, uint64_t* any) {
  constexpr uint64_t kMask = W == 0 ? 0 : (uint64_t{1} << W) - 1;
  uint64_t s = 0, a = 0;  // 16 values below 2^56 cannot overflow the sum
  for (int j = 0; j < static_cast<int>(kDenseGroupSize); ++j) {
    const int bit = j * W;
    const uint64_t v = (LoadLittleEndian64(p + bit / 8) >> (bit % 8)) & kMask;
    out[j] = v;
    s += v;
    a |= v;
  }
  *sum = s;
  *any = a;
}

using UnpackFn = void (*)(const uint8_t*, uint64_t*, uint64_t*, uint64_t*);

// Widths up to 56 keep every value inside one unaligned 8-byte load (7 + 56 bits <= 64).
constexpr int kMaxFastWidth = 56;

template <size_t... W>
constexpr std::array<UnpackFn, sizeof...(W)> MakeUnpackTable(std::index_sequence<W...>) {
  return {&UnpackFullGroup<static_cast<int>(W)>...};
}
constexpr auto kUnpackFullGroup = MakeUnpackTable(std::make_index_sequence<kMaxFastWidth + 1>());

// Any group (partial, wide, or near the end of the input); also checks the padding bits are zero.
bool UnpackSlow(const uint8_t* p, size_t n, int w, uint64_t* out) {
  uint128 acc = 0;
  int bits = 0;
  const uint64_t mask = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  for (size_t j = 0; j < n; ++j) {
    while (bits < w) {
      acc |= static_cast<uint128>(*p++) << bits;
      bits += 8;
    }
    out[j] = static_cast<uint64_t>(acc) & mask;
    acc >>= w;
    bits -= w;
  }
  return acc == 0;  // what is left are the padding bits of the last byte
}

}  // namespace

size_t DenseEncodedSize(std::span<const uint64_t> counts) {
  size_t size = 0;
  for (size_t pos = 0; pos < counts.size(); pos += kDenseGroupSize) {
    size_t n = std::min(kDenseGroupSize, counts.size() - pos);
    uint64_t any = 0;
    for (size_t j = 0; j < n; ++j) any |= counts[pos + j];
    size += 1 + (n * static_cast<size_t>(BitWidth(any)) + 7) / 8;
  }
  return size;
}

void EncodeDense(std::span<const uint64_t> counts, ByteWriter& out) {
  for (size_t pos = 0; pos < counts.size(); pos += kDenseGroupSize) {
    size_t n = std::min(kDenseGroupSize, counts.size() - pos);
    uint64_t any = 0;
    for (size_t j = 0; j < n; ++j) any |= counts[pos + j];
    const int w = BitWidth(any);
    out.PutByte(static_cast<uint8_t>(w));
    uint128 acc = 0;
    int bits = 0;
    for (size_t j = 0; j < n; ++j) {
      acc |= static_cast<uint128>(counts[pos + j]) << bits;
      bits += w;
      while (bits >= 8) {
        out.PutByte(static_cast<uint8_t>(acc));
        acc >>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) out.PutByte(static_cast<uint8_t>(acc));
  }
}

uint128 DecodeDense(ByteReader& in, std::span<uint64_t> out) {
  // Work on local pointers (the reader is only told at the end) so the loop stays in registers.
  const uint8_t* const begin = in.position();
  const uint8_t* p = begin;
  const uint8_t* const end = begin + in.remaining();
  uint64_t* dst = out.data();
  size_t left = out.size();
  uint128 total = 0;
  while (left > 0) {
    const size_t n = std::min(kDenseGroupSize, left);
    if (p == end) {
      in.Fail("truncated dense bin group");
      return 0;
    }
    const int w = *p++;
    if (w > 64) {
      in.Fail("dense bin group width above 64");
      return 0;
    }
    const size_t nbytes = (n * static_cast<size_t>(w) + 7) / 8;
    const auto available = static_cast<size_t>(end - p);
    if (available < nbytes) {
      in.Fail("truncated dense bin group");
      return 0;
    }
    uint64_t any = 0;
    if (w <= kMaxFastWidth) {
      uint64_t sum = 0;
      if (n == kDenseGroupSize && available >= nbytes + 8) {
        // The fast path reads up to 8 bytes from the start of the last value: inside the input.
        kUnpackFullGroup[static_cast<size_t>(w)](p, dst, &sum, &any);
      } else {
        // The last groups: unpack a zero-padded copy. Values past n then hold only the padding
        // bits of the last byte, which must be zero.
        uint8_t padded[2 * kMaxFastWidth + 8] = {};
        uint64_t values[kDenseGroupSize];
        std::memcpy(padded, p, nbytes);
        kUnpackFullGroup[static_cast<size_t>(w)](padded, values, &sum, &any);
        uint64_t padding = 0;
        for (size_t j = n; j < kDenseGroupSize; ++j) padding |= values[j];
        if (padding != 0) {
          in.Fail("non-zero padding bits in a dense bin group");
          return 0;
        }
        std::memcpy(dst, values, n * sizeof(uint64_t));
      }
      total += sum;
    } else {
      if (!UnpackSlow(p, n, w, dst)) {
        in.Fail("non-zero padding bits in a dense bin group");
        return 0;
      }
      for (size_t j = 0; j < n; ++j) {
        any |= dst[j];
        total += dst[j];
      }
    }
    if (w > 0 && (any >> (w - 1)) == 0) {
      in.Fail("dense bin group width is not minimal");
      return 0;
    }
    p += nbytes;
    dst += n;
    left -= n;
  }
  in.Skip(static_cast<size_t>(p - begin));
  return total;
}

size_t SparseEncodedSize(std::span<const uint64_t> counts) {
  size_t size = 0;
  size_t prev = static_cast<size_t>(-1);
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    uint64_t gap = k - prev;  // prev + 1 wraps to 0 for the first entry
    size += VarintSize(((gap - 1) << 1) | (counts[k] > 1 ? 1 : 0));
    if (counts[k] > 1) size += VarintSize(counts[k] - 2);
    prev = k;
  }
  return size;
}

void EncodeSparse(std::span<const uint64_t> counts, ByteWriter& out) {
  size_t prev = static_cast<size_t>(-1);
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    uint64_t gap = k - prev;
    out.PutVarint64(((gap - 1) << 1) | (counts[k] > 1 ? 1 : 0));
    if (counts[k] > 1) out.PutVarint64(counts[k] - 2);
    prev = k;
  }
}

uint128 DecodeSparse(ByteReader& in, std::span<uint64_t> out) {
  std::fill(out.begin(), out.end(), 0);
  uint128 total = 0;
  uint64_t next = 0;  // the lowest index the next entry may have
  while (true) {
    const uint64_t key = in.GetVarint64();
    if (!in.ok()) return 0;
    const uint64_t skipped = key >> 1;
    if (skipped >= out.size() - next) {
      in.Fail("sparse bin entry beyond the bin range");
      return 0;
    }
    const uint64_t index = next + skipped;
    uint64_t count = 1;
    if (key & 1) {
      const uint64_t extra = in.GetVarint64();
      if (!in.ok()) return 0;
      if (extra > ~uint64_t{0} - 2) {
        in.Fail("sparse bin count overflows");
        return 0;
      }
      count = extra + 2;
    }
    out[index] = count;
    total += count;
    if (index == out.size() - 1) return total;
    next = index + 1;
  }
}

}  // namespace tally::sketch
