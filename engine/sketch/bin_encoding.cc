#include "engine/sketch/bin_encoding.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// An AVX2 copy of the dense loop, picked at run time (the build itself targets baseline x86-64).
#if defined(__SSE2__) && defined(__x86_64__) && defined(__GNUC__)
#define TALLY_SKETCH_AVX2 1
#include <immintrin.h>
#else
#define TALLY_SKETCH_AVX2 0
#endif

namespace tally::sketch {

namespace {

int BitWidth(uint64_t v) { return static_cast<int>(std::bit_width(v)); }

size_t VarintSize(uint64_t v) { return static_cast<size_t>(BitWidth(v | 1) + 6) / 7; }

// --- dense unpacking (scalar) -----------------------------------------------------------------
// A width known at compile time lets each of the 16 extractions become a load, a shift and a mask.

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

template <typename T>
size_t DenseEncodedSizeOf(std::span<const T> counts) {
  size_t size = 0;
  for (size_t pos = 0; pos < counts.size(); pos += kDenseGroupSize) {
    size_t n = std::min(kDenseGroupSize, counts.size() - pos);
    uint64_t any = 0;
    for (size_t j = 0; j < n; ++j) any |= counts[pos + j];
    size += 1 + (n * static_cast<size_t>(BitWidth(any)) + 7) / 8;
  }
  return size;
}

template <typename T>
void EncodeDenseOf(std::span<const T> counts, ByteWriter& out) {
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

template <typename T>
size_t SparseEncodedSizeOf(std::span<const T> counts) {
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

template <typename T>
void EncodeSparseOf(std::span<const T> counts, ByteWriter& out) {
  size_t prev = static_cast<size_t>(-1);
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] == 0) continue;
    uint64_t gap = k - prev;
    out.PutVarint64(((gap - 1) << 1) | (counts[k] > 1 ? 1 : 0));
    if (counts[k] > 1) out.PutVarint64(counts[k] - 2);
    prev = k;
  }
}

template <typename T>
uint128 DecodeSparseOf(ByteReader& in, std::span<T> out) {
  std::fill(out.begin(), out.end(), T{0});
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
      if (extra > std::numeric_limits<T>::max() - 2) {
        in.Fail(sizeof(T) == 8 ? "sparse bin count overflows" : "sparse bin count above the sketch's count");
        return 0;
      }
      count = extra + 2;
    }
    out[index] = static_cast<T>(count);
    total += count;
    if (index == out.size() - 1) return total;
    next = index + 1;
  }
}

}  // namespace

size_t DenseEncodedSize(std::span<const uint32_t> counts) { return DenseEncodedSizeOf(counts); }
size_t DenseEncodedSize(std::span<const uint64_t> counts) { return DenseEncodedSizeOf(counts); }
size_t SparseEncodedSize(std::span<const uint32_t> counts) { return SparseEncodedSizeOf(counts); }
size_t SparseEncodedSize(std::span<const uint64_t> counts) { return SparseEncodedSizeOf(counts); }
void EncodeDense(std::span<const uint32_t> counts, ByteWriter& out) { EncodeDenseOf(counts, out); }
void EncodeDense(std::span<const uint64_t> counts, ByteWriter& out) { EncodeDenseOf(counts, out); }
void EncodeSparse(std::span<const uint32_t> counts, ByteWriter& out) { EncodeSparseOf(counts, out); }
void EncodeSparse(std::span<const uint64_t> counts, ByteWriter& out) { EncodeSparseOf(counts, out); }
uint128 DecodeSparse(ByteReader& in, std::span<uint64_t> out) { return DecodeSparseOf(in, out); }
uint128 DecodeSparse(ByteReader& in, std::span<uint32_t> out) { return DecodeSparseOf(in, out); }

namespace {

// --- the dense group loop ---------------------------------------------------------------------
// One loop serves Deserialize (store the counts), MergeFrom (add them straight into the target's
// bins) and the undo of a failed MergeFrom (subtract them again), into 32- or 64-bit counts.
enum class BinOp { kStore, kAdd, kSubtract };

// REQUIRES every value fits in T (the callers check).
template <BinOp kOp, typename T>
inline void Apply(T* dst, const uint64_t* values, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    const auto v = static_cast<T>(values[j]);
    if constexpr (kOp == BinOp::kStore) dst[j] = v;
    if constexpr (kOp == BinOp::kAdd) dst[j] += v;
    if constexpr (kOp == BinOp::kSubtract) dst[j] -= v;
  }
}

// Any group: n <= 16 counts of width w <= 64 in the `available` bytes at p (at least the group's
// own bytes). Unpacks into values[0..n), checks the padding bits and that the width is minimal,
// and adds the counts to *total. Returns what is wrong, or nullptr.
const char* UnpackAnyGroup(const uint8_t* p, size_t available, size_t n, int w, uint64_t* values,
                           uint128* total) {
  const size_t nbytes = (n * static_cast<size_t>(w) + 7) / 8;
  uint64_t any = 0;
  if (w <= kMaxFastWidth) {
    uint64_t sum = 0;
    if (n == kDenseGroupSize && available >= nbytes + 8) {
      // The fast unpacker reads up to 8 bytes from the start of the last value: inside the input.
      kUnpackFullGroup[static_cast<size_t>(w)](p, values, &sum, &any);
    } else {
      // Unpack a zero-padded copy. Values past n then hold only the padding bits of the last
      // byte, which must be zero.
      uint8_t padded[2 * kMaxFastWidth + 8] = {};
      uint64_t all[kDenseGroupSize];
      std::memcpy(padded, p, nbytes);
      kUnpackFullGroup[static_cast<size_t>(w)](padded, all, &sum, &any);
      uint64_t padding = 0;
      for (size_t j = n; j < kDenseGroupSize; ++j) padding |= all[j];
      if (padding != 0) return "non-zero padding bits in a dense bin group";
      std::memcpy(values, all, n * sizeof(uint64_t));
    }
    *total += sum;
  } else {
    if (!UnpackSlow(p, n, w, values)) return "non-zero padding bits in a dense bin group";
    for (size_t j = 0; j < n; ++j) {
      any |= values[j];
      *total += values[j];
    }
  }
  if (w > 0 && (any >> (w - 1)) == 0) return "dense bin group width is not minimal";
  return nullptr;
}

#if defined(__SSE2__)
// Full groups of width 1..8, sixteen counts at a time in SSE2 (the x86-64 baseline). The 2w
// packed bytes are spread to one byte per count in three halving steps (8 counts per 64-bit lane
// -> 4 per 32 bits -> 2 per 16 bits -> 1 per byte), then widened and applied. Per width: the
// shift counts and masks of each step.
struct alignas(16) SpreadConstants {
  uint64_t keep[2];    // the 8w bits of one lane's eight counts
  uint64_t mask4[2];   // low 4w bits
  uint64_t mask2[2];   // low 2w bits of each 32-bit half
  uint64_t mask1[2];   // low w bits of each 16-bit quarter
  uint64_t shift4[2];  // 4w
  uint64_t shift2[2];  // 2w
  uint64_t shift1[2];  // w
  uint64_t top[2];     // 8 - w: moves bit w-1 of each byte to its top bit
};

constexpr SpreadConstants MakeSpread(int w) {
  const uint64_t low4 = (uint64_t{1} << (4 * w)) - 1;
  const uint64_t low2 = (uint64_t{1} << (2 * w)) - 1;
  const uint64_t low1 = (uint64_t{1} << w) - 1;
  const uint64_t keep = w == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * w)) - 1;
  const uint64_t m2 = low2 | low2 << 32;
  const uint64_t m1 = low1 | low1 << 16 | low1 << 32 | low1 << 48;
  const auto u = static_cast<uint64_t>(w);
  return {{keep, keep}, {low4, low4}, {m2, m2}, {m1, m1}, {4 * u, 0}, {2 * u, 0}, {u, 0}, {8 - u, 0}};
}

constexpr SpreadConstants kSpread[9] = {MakeSpread(1), MakeSpread(1), MakeSpread(2),
                                        MakeSpread(3), MakeSpread(4), MakeSpread(5),
                                        MakeSpread(6), MakeSpread(7), MakeSpread(8)};

inline __m128i Load(const uint64_t (&v)[2]) { return _mm_load_si128(reinterpret_cast<const __m128i*>(v)); }

// The sixteen counts of a group of width w (1..8) as bytes. `x` holds the group's bytes 0..7 in
// its low lane and bytes w..w+7 in its high lane: counts 0..7 and 8..15 in the low 8w bits.
inline __m128i SpreadToBytes(__m128i x, int w) {
  const SpreadConstants& c = kSpread[w];
  x = _mm_and_si128(x, Load(c.keep));
  x = _mm_or_si128(_mm_and_si128(x, Load(c.mask4)), _mm_slli_epi64(_mm_srl_epi64(x, Load(c.shift4)), 32));
  x = _mm_or_si128(_mm_and_si128(x, Load(c.mask2)),
                   _mm_slli_epi64(_mm_and_si128(_mm_srl_epi64(x, Load(c.shift2)), Load(c.mask2)), 16));
  x = _mm_or_si128(_mm_and_si128(x, Load(c.mask1)),
                   _mm_slli_epi64(_mm_and_si128(_mm_srl_epi64(x, Load(c.shift1)), Load(c.mask1)), 8));
  return x;
}

// The lanes for SpreadToBytes of the full group at p; REQUIRES 16 readable bytes at p.
inline __m128i LoadGroup(const uint8_t* p, int w) {
  return _mm_unpacklo_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)),
                            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + w)));
}

// The n <= 8 bytes at p as a little-endian word, zero above them, reading only inside
// [readable_begin, readable_end) (which holds [p, p + n)). Whole-word loads where possible: a
// byte-wise copy through memory would stall the load that follows it.
inline uint64_t LoadPartial(const uint8_t* p, size_t n, const uint8_t* readable_begin,
                            const uint8_t* readable_end) {
  if (n == 0) return 0;
  if (readable_end - p >= 8) {
    const uint64_t v = LoadLittleEndian64(p);
    return n >= 8 ? v : v & ((uint64_t{1} << (8 * n)) - 1);
  }
  if (static_cast<size_t>(p - readable_begin) + n >= 8) {
    return LoadLittleEndian64(p + n - 8) >> (64 - 8 * n);  // the word ending at p + n
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// The lanes for SpreadToBytes of a group of `nbytes` bytes at p, zero past them.
inline __m128i LoadPartialGroup(const uint8_t* p, size_t nbytes, int w, const uint8_t* readable_begin,
                                const uint8_t* readable_end) {
  const auto uw = static_cast<size_t>(w);
  const uint64_t lo = LoadPartial(p, std::min<size_t>(nbytes, 8), readable_begin, readable_end);
  const uint64_t hi = nbytes > uw ? LoadPartial(p + uw, std::min<size_t>(nbytes - uw, 8), readable_begin, readable_end) : 0;
  return _mm_unpacklo_epi64(_mm_cvtsi64_si128(static_cast<int64_t>(lo)), _mm_cvtsi64_si128(static_cast<int64_t>(hi)));
}

// True when some count has bit w-1 set (the width is minimal).
inline bool WidthIsMinimal(__m128i bytes, int w) {
  // Within a 16-bit lane each byte is below 2^w, so shifting by 8 - w moves no bit across bytes.
  return _mm_movemask_epi8(_mm_sll_epi16(bytes, Load(kSpread[w].top))) != 0;
}

template <BinOp kOp, typename T>
inline void ApplyVector(T* dst, __m128i v) {
  auto* d = reinterpret_cast<__m128i*>(dst);
  if constexpr (kOp == BinOp::kStore) {
    _mm_storeu_si128(d, v);
  } else if constexpr (kOp == BinOp::kAdd) {
    _mm_storeu_si128(d, sizeof(T) == 8 ? _mm_add_epi64(_mm_loadu_si128(d), v) : _mm_add_epi32(_mm_loadu_si128(d), v));
  } else {
    _mm_storeu_si128(d, sizeof(T) == 8 ? _mm_sub_epi64(_mm_loadu_si128(d), v) : _mm_sub_epi32(_mm_loadu_si128(d), v));
  }
}

// Sixteen counts given as bytes, widened to T and applied to dst[0..16).
template <BinOp kOp, typename T>
inline void ApplyBytes(T* dst, __m128i bytes) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i w0 = _mm_unpacklo_epi8(bytes, zero);  // counts 0..7 as 16 bits
  const __m128i w1 = _mm_unpackhi_epi8(bytes, zero);  // counts 8..15
  const __m128i d0 = _mm_unpacklo_epi16(w0, zero);    // counts 0..3 as 32 bits
  const __m128i d1 = _mm_unpackhi_epi16(w0, zero);
  const __m128i d2 = _mm_unpacklo_epi16(w1, zero);
  const __m128i d3 = _mm_unpackhi_epi16(w1, zero);
  if constexpr (sizeof(T) == 4) {
    ApplyVector<kOp>(dst + 0, d0);
    ApplyVector<kOp>(dst + 4, d1);
    ApplyVector<kOp>(dst + 8, d2);
    ApplyVector<kOp>(dst + 12, d3);
  } else {
    ApplyVector<kOp>(dst + 0, _mm_unpacklo_epi32(d0, zero));
    ApplyVector<kOp>(dst + 2, _mm_unpackhi_epi32(d0, zero));
    ApplyVector<kOp>(dst + 4, _mm_unpacklo_epi32(d1, zero));
    ApplyVector<kOp>(dst + 6, _mm_unpackhi_epi32(d1, zero));
    ApplyVector<kOp>(dst + 8, _mm_unpacklo_epi32(d2, zero));
    ApplyVector<kOp>(dst + 10, _mm_unpackhi_epi32(d2, zero));
    ApplyVector<kOp>(dst + 12, _mm_unpacklo_epi32(d3, zero));
    ApplyVector<kOp>(dst + 14, _mm_unpackhi_epi32(d3, zero));
  }
}

#if TALLY_SKETCH_AVX2
// --- AVX2 -------------------------------------------------------------------------------------
// Full groups of width 1..25 unpacked eight counts per instruction into 32-bit lanes. Count j of
// a group starts at bit j*w: its byte (j*w)/8 and the three after it hold it whole (shift
// (j*w)%8 plus w is at most 32 bits). Counts 0..3 are gathered with a byte shuffle from the 16
// bytes at the group's start, counts 4..7 from the 16 bytes at byte 4w/8; counts 8..15 repeat the
// pattern w bytes further on. Then a per-lane shift right and a mask. Per width: the shuffle, the
// shifts, the mask and the mask's top bit (for the minimal-width check).
constexpr int kMaxLaneWidth = 25;

struct alignas(32) LaneConstants {
  uint8_t shuffle[32];
  uint32_t shift[8];
  uint32_t mask[8];
  uint32_t top[8];
};

constexpr LaneConstants MakeLanes(int w) {
  LaneConstants c{};
  if (w == 0) return c;
  for (int half = 0; half < 2; ++half) {
    const int base = (4 * half * w) / 8;
    for (int i = 0; i < 4; ++i) {
      const int j = 4 * half + i;
      const int bit = j * w;
      const int rel = bit / 8 - base;
      for (int t = 0; t < 4; ++t) c.shuffle[16 * half + 4 * i + t] = static_cast<uint8_t>(rel + t);
      c.shift[j] = static_cast<uint32_t>(bit % 8);
      c.mask[j] = static_cast<uint32_t>((uint64_t{1} << w) - 1);
      c.top[j] = uint32_t{1} << (w - 1);
    }
  }
  return c;
}

template <size_t... W>
constexpr std::array<LaneConstants, sizeof...(W)> MakeLaneTable(std::index_sequence<W...>) {
  return {MakeLanes(static_cast<int>(W))...};
}
constexpr auto kLanes = MakeLaneTable(std::make_index_sequence<kMaxLaneWidth + 1>());

[[gnu::target("avx2")]] inline __m256i LoadHalves(const uint8_t* lo, const uint8_t* hi) {
  return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lo))),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i*>(hi)), 1);
}

// The sixteen counts of the full group of width w (1..kMaxLaneWidth) at p: counts 0..7 in *a,
// 8..15 in *b. Reads p[0, w + w/2 + 16). Returns false when the width is not minimal.
[[gnu::target("avx2")]] inline bool UnpackLanes(const uint8_t* p, int w, __m256i* a, __m256i* b) {
  const LaneConstants& c = kLanes[static_cast<size_t>(w)];
  const __m256i shuffle = _mm256_load_si256(reinterpret_cast<const __m256i*>(c.shuffle));
  const __m256i shift = _mm256_load_si256(reinterpret_cast<const __m256i*>(c.shift));
  const __m256i mask = _mm256_load_si256(reinterpret_cast<const __m256i*>(c.mask));
  const size_t half = static_cast<size_t>(w) / 2;  // = 4w/8 rounded down
  const uint8_t* const q = p + w;
  *a = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(LoadHalves(p, p + half), shuffle), shift), mask);
  *b = _mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(LoadHalves(q, q + half), shuffle), shift), mask);
  const __m256i top = _mm256_load_si256(reinterpret_cast<const __m256i*>(c.top));
  return !_mm256_testz_si256(_mm256_or_si256(*a, *b), top);
}

template <BinOp kOp, typename T>
[[gnu::target("avx2")]] inline void ApplyVector256(T* dst, __m256i v) {
  auto* d = reinterpret_cast<__m256i*>(dst);
  if constexpr (kOp == BinOp::kStore) {
    _mm256_storeu_si256(d, v);
  } else if constexpr (kOp == BinOp::kAdd) {
    const __m256i old = _mm256_loadu_si256(d);
    _mm256_storeu_si256(d, sizeof(T) == 8 ? _mm256_add_epi64(old, v) : _mm256_add_epi32(old, v));
  } else {
    const __m256i old = _mm256_loadu_si256(d);
    _mm256_storeu_si256(d, sizeof(T) == 8 ? _mm256_sub_epi64(old, v) : _mm256_sub_epi32(old, v));
  }
}

// Eight 32-bit counts applied to dst[0..8).
template <BinOp kOp, typename T>
[[gnu::target("avx2")]] inline void ApplyLanes(T* dst, __m256i lanes) {
  if constexpr (sizeof(T) == 4) {
    ApplyVector256<kOp>(dst, lanes);
  } else {
    ApplyVector256<kOp>(dst, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(lanes)));
    ApplyVector256<kOp>(dst + 4, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(lanes, 1)));
  }
}

// Sixteen counts given as bytes, applied to dst[0..16).
template <BinOp kOp, typename T>
[[gnu::target("avx2")]] inline void ApplyBytesAvx2(T* dst, __m128i bytes) {
  if constexpr (sizeof(T) == 4) {
    ApplyVector256<kOp>(dst, _mm256_cvtepu8_epi32(bytes));
    ApplyVector256<kOp>(dst + 8, _mm256_cvtepu8_epi32(_mm_srli_si128(bytes, 8)));
  } else {
    ApplyVector256<kOp>(dst + 0, _mm256_cvtepu8_epi64(bytes));
    ApplyVector256<kOp>(dst + 4, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 4)));
    ApplyVector256<kOp>(dst + 8, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 8)));
    ApplyVector256<kOp>(dst + 12, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 12)));
  }
}

// The run of full groups (not the last one) starting at *p, count *pos, while they have widths
// 0..kMaxLaneWidth and enough readable bytes: applies them to dst, adds their counts to *total and
// moves *p and *pos past them. Stops at anything else, or (with *error set) at a width that is
// not minimal, before applying that group.
template <BinOp kOp, typename T>
[[gnu::target("avx2")]] inline void FastGroupsAvx2(const uint8_t** p_in, const uint8_t* end, const uint8_t* readable_end,
                                                    T* dst, size_t* pos_in, size_t n, uint128* total,
                                                    const char** error) {
  const uint8_t* p = *p_in;
  size_t pos = *pos_in;
  __m256i sums = _mm256_setzero_si256();  // four 64-bit lanes
  const __m256i low32 = _mm256_set1_epi64x(0xFFFFFFFF);
  while (pos + kDenseGroupSize < n && p != end) {
    const int w = *p;
    const auto uw = static_cast<size_t>(w);
    if (w == 0) {
      // A group of empty bins: no bytes follow the width.
      if constexpr (kOp == BinOp::kStore) std::fill_n(dst + pos, kDenseGroupSize, T{0});
      p += 1;
      pos += kDenseGroupSize;
      continue;
    }
    if (w > kMaxLaneWidth || static_cast<size_t>(end - p) < 1 + 2 * uw ||
        static_cast<size_t>(readable_end - p) < 1 + uw + uw / 2 + 16) {
      break;
    }
    __m256i a, b;
    if (!UnpackLanes(p + 1, w, &a, &b)) [[unlikely]] {
      *error = "dense bin group width is not minimal";
      break;
    }
    const __m256i s = _mm256_add_epi32(a, b);  // below 2^26 per lane
    sums = _mm256_add_epi64(sums, _mm256_add_epi64(_mm256_and_si256(s, low32), _mm256_srli_epi64(s, 32)));
    ApplyLanes<kOp>(dst + pos, a);
    ApplyLanes<kOp>(dst + pos + 8, b);
    p += 1 + 2 * uw;
    pos += kDenseGroupSize;
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sums);
  *total += static_cast<uint128>(lanes[0]) + lanes[1] + lanes[2] + lanes[3];
  *p_in = p;
  *pos_in = pos;
}
#endif  // TALLY_SKETCH_AVX2

template <BinOp kOp, bool kAvx2, typename T>
inline void ApplyFullGroup(T* dst, __m128i bytes) {
#if TALLY_SKETCH_AVX2
  if constexpr (kAvx2) {
    ApplyBytesAvx2<kOp>(dst, bytes);
    return;
  }
#endif
  ApplyBytes<kOp>(dst, bytes);
}
#endif  // __SSE2__

struct DenseLoopResult {
  const char* error = nullptr;  // nullptr when every group decoded
  const uint8_t* end = nullptr;  // just past the last group (on error: the failed group's width)
  size_t applied = 0;            // counts applied to dst (a multiple of 16 on error)
  DenseSummary summary;
};

// Where the loop may read: the encoded counts [p, end) and bytes around them that are not data
// (the rest of the sketch, the checksum), so that whole words can be loaded near the ends.
struct Readable {
  const uint8_t* begin;
  const uint8_t* end;
};

// Decodes the n counts encoded at [p, end) group by group and applies them to dst. A group is
// checked before it is applied, so on error exactly the first `applied` counts were applied.
// REQUIRES readable.begin <= p, end <= readable.end.
template <BinOp kOp, bool kAvx2, typename T>
inline DenseLoopResult DenseLoopBody(const uint8_t* p, const uint8_t* const end, const Readable readable,
                                     T* const dst, const size_t n) {
  DenseLoopResult r;
  uint128 total = 0;
#if defined(__SSE2__)
  __m128i byte_sums = _mm_setzero_si128();  // two 64-bit lanes; at most 4080 per group
#endif
  // Full groups with enough bytes left take the fast inner loop: the middle of a sketch. Everything
  // else, the first and the last group included (their counts are reported), takes one step of the
  // general loop. SSE2: widths 1..8 with 17 bytes left (the width byte and two 8-byte loads).
  // AVX2: widths 1..25, reading up to w + w/2 + 16 bytes after the width byte.
  const uint8_t* const fast_end = end - p >= 17 ? end - 17 : p;
  size_t pos = 0;
  while (pos < n) {
#if defined(__SSE2__)
    if (pos != 0) {
      if constexpr (kAvx2) {
#if TALLY_SKETCH_AVX2
        FastGroupsAvx2<kOp>(&p, end, readable.end, dst, &pos, n, &total, &r.error);
#endif
      } else {
        while (p < fast_end && pos + kDenseGroupSize < n) {
          const int w = *p;
          if (static_cast<unsigned>(w - 1) >= 8) break;
          const __m128i bytes = SpreadToBytes(LoadGroup(p + 1, w), w);
          if (!WidthIsMinimal(bytes, w)) [[unlikely]] {
            r.error = "dense bin group width is not minimal";
            break;
          }
          byte_sums = _mm_add_epi64(byte_sums, _mm_sad_epu8(bytes, _mm_setzero_si128()));
          ApplyFullGroup<kOp, kAvx2>(dst + pos, bytes);
          p += 1 + 2 * w;
          pos += kDenseGroupSize;
        }
      }
      if (r.error != nullptr || pos == n) break;
    }
#endif
    if (p == end) {
      r.error = "truncated dense bin group";
      break;
    }
    const int w = *p;
    const size_t left = n - pos;
#if defined(__SSE2__)
    if (static_cast<unsigned>(w - 1) < 8) {
      // Any group of width 1..8: zero past its bytes, which may be fewer than 16.
      const size_t count = std::min(kDenseGroupSize, left);
      const size_t nbytes = (count * static_cast<size_t>(w) + 7) / 8;
      if (static_cast<size_t>(end - p - 1) < nbytes) {
        r.error = "truncated dense bin group";
        break;
      }
      const __m128i bytes = SpreadToBytes(LoadPartialGroup(p + 1, nbytes, w, readable.begin, readable.end), w);
      // Counts past `count` hold only the padding bits of the last byte, which must be zero.
      const int zero_lanes = _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_setzero_si128()));
      const int past = 0xFFFF & ~((1 << count) - 1);
      if ((zero_lanes & past) != past) {
        r.error = "non-zero padding bits in a dense bin group";
        break;
      }
      if (!WidthIsMinimal(bytes, w)) {
        r.error = "dense bin group width is not minimal";
        break;
      }
      byte_sums = _mm_add_epi64(byte_sums, _mm_sad_epu8(bytes, _mm_setzero_si128()));
      alignas(16) uint8_t b[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(b), bytes);
      if (count == kDenseGroupSize) {
        ApplyFullGroup<kOp, kAvx2>(dst + pos, bytes);
      } else {
        uint64_t values[kDenseGroupSize];
        for (size_t j = 0; j < count; ++j) values[j] = b[j];
        Apply<kOp>(dst + pos, values, count);
      }
      if (pos == 0) r.summary.first = b[0];
      if (count == left) r.summary.last = b[count - 1];
      p += 1 + nbytes;
      pos += count;
      continue;
    }
#endif
    if (w == 0) {
      // A group of empty bins: no bytes follow the width.
      const size_t count = std::min(kDenseGroupSize, left);
      if constexpr (kOp == BinOp::kStore) std::fill_n(dst + pos, count, T{0});
      if (pos == 0) r.summary.first = 0;
      if (count == left) r.summary.last = 0;
      p += 1;
      pos += count;
      continue;
    }
    if (w > 64) {
      r.error = "dense bin group width above 64";
      break;
    }
    if (sizeof(T) == 4 && w > 32) {
      // Only a sketch whose counts total less than 2^32 is decoded into 32-bit counts.
      r.error = "dense bin count above the sketch's count";
      break;
    }
    const size_t count = std::min(kDenseGroupSize, left);
    const size_t nbytes = (count * static_cast<size_t>(w) + 7) / 8;
    const auto available = static_cast<size_t>(end - p - 1);
    if (available < nbytes) {
      r.error = "truncated dense bin group";
      break;
    }
    // Counts go through a local copy, checked before they are applied.
    uint64_t values[kDenseGroupSize];
    r.error = UnpackAnyGroup(p + 1, available, count, w, values, &total);
    if (r.error != nullptr) break;
    Apply<kOp>(dst + pos, values, count);
    if (pos == 0) r.summary.first = values[0];
    if (count == left) r.summary.last = values[count - 1];
    p += 1 + nbytes;
    pos += count;
  }
#if defined(__SSE2__)
  total += static_cast<uint64_t>(_mm_cvtsi128_si64(byte_sums)) +
           static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(byte_sums, byte_sums)));
#endif
  r.end = p;
  r.applied = pos;
  r.summary.total = total;
  return r;
}

// The loop compiled twice: for the baseline and, on x86-64, for AVX2. `flatten` inlines the
// whole body (kernels included) into each, so the AVX2 copy is AVX2 code throughout.
template <BinOp kOp, typename T>
[[gnu::flatten]] DenseLoopResult DenseLoopBaseline(const uint8_t* p, const uint8_t* end, Readable readable,
                                                   T* dst, size_t n) {
  return DenseLoopBody<kOp, false>(p, end, readable, dst, n);
}

#if TALLY_SKETCH_AVX2
template <BinOp kOp, typename T>
[[gnu::target("avx2"), gnu::flatten]] DenseLoopResult DenseLoopAvx2(const uint8_t* p, const uint8_t* end,
                                                                    Readable readable, T* dst, size_t n) {
  return DenseLoopBody<kOp, true>(p, end, readable, dst, n);
}

bool use_avx2 = __builtin_cpu_supports("avx2");
#endif

template <BinOp kOp, typename T>
DenseLoopResult DenseLoop(const uint8_t* p, const uint8_t* end, Readable readable, T* dst, size_t n) {
#if TALLY_SKETCH_AVX2
  if (use_avx2) return DenseLoopAvx2<kOp>(p, end, readable, dst, n);
#endif
  return DenseLoopBaseline<kOp>(p, end, readable, dst, n);
}

Readable ReadableFor(const ByteReader& in, std::span<const uint8_t> readable) {
  if (readable.empty()) return {in.position(), in.position() + in.remaining()};
  return {readable.data(), readable.data() + readable.size()};
}

template <typename T>
bool DecodeDenseOf(ByteReader& in, std::span<T> out, DenseSummary* summary, std::span<const uint8_t> readable) {
  const uint8_t* const begin = in.position();
  const DenseLoopResult r = DenseLoop<BinOp::kStore>(begin, begin + in.remaining(), ReadableFor(in, readable),
                                                     out.data(), out.size());
  if (r.error != nullptr) {
    in.Fail(r.error);
    return false;
  }
  in.Skip(static_cast<size_t>(r.end - begin));
  *summary = r.summary;
  return true;
}

template <typename T>
bool AddDenseOf(ByteReader& in, T* dst, size_t n, DenseSummary* summary, std::span<const uint8_t> readable) {
  const uint8_t* const begin = in.position();
  const uint8_t* const end = begin + in.remaining();
  const Readable r_bytes = ReadableFor(in, readable);
  const DenseLoopResult r = DenseLoop<BinOp::kAdd>(begin, end, r_bytes, dst, n);
  if (r.error != nullptr) {
    // The groups before the bad one were added and are well formed: take them out again.
    DenseLoop<BinOp::kSubtract>(begin, end, r_bytes, dst, r.applied);
    in.Fail(r.error);
    return false;
  }
  in.Skip(static_cast<size_t>(r.end - begin));
  *summary = r.summary;
  return true;
}

template <typename T>
void SubtractDenseOf(std::span<const uint8_t> encoded, T* dst, size_t n) {
  const uint8_t* const begin = encoded.data();
  DenseLoop<BinOp::kSubtract>(begin, begin + encoded.size(), Readable{begin, begin + encoded.size()}, dst, n);
}

}  // namespace

uint128 DecodeDense(ByteReader& in, std::span<uint64_t> out) {
  DenseSummary summary;
  if (!DecodeDense(in, out, &summary)) return 0;
  return summary.total;
}

bool DecodeDense(ByteReader& in, std::span<uint64_t> out, DenseSummary* summary,
                 std::span<const uint8_t> readable) {
  return DecodeDenseOf(in, out, summary, readable);
}

bool DecodeDense(ByteReader& in, std::span<uint32_t> out, DenseSummary* summary,
                 std::span<const uint8_t> readable) {
  return DecodeDenseOf(in, out, summary, readable);
}

bool AddDense(ByteReader& in, uint64_t* dst, size_t n, DenseSummary* summary, std::span<const uint8_t> readable) {
  return AddDenseOf(in, dst, n, summary, readable);
}

bool AddDense(ByteReader& in, uint32_t* dst, size_t n, DenseSummary* summary, std::span<const uint8_t> readable) {
  return AddDenseOf(in, dst, n, summary, readable);
}

void SubtractDense(std::span<const uint8_t> encoded, uint64_t* dst, size_t n) { SubtractDenseOf(encoded, dst, n); }
void SubtractDense(std::span<const uint8_t> encoded, uint32_t* dst, size_t n) { SubtractDenseOf(encoded, dst, n); }

bool SetDenseAvx2ForTesting(bool enabled) {
#if TALLY_SKETCH_AVX2
  const bool previous = use_avx2;
  use_avx2 = enabled && __builtin_cpu_supports("avx2");
  return previous;
#else
  (void)enabled;
  return false;
#endif
}

}  // namespace tally::sketch
