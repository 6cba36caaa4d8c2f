#include "engine/sketch/bin_encoding.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
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

namespace {

// --- the dense group loop ---------------------------------------------------------------------
// One loop serves Deserialize (store the counts), MergeFrom (add them straight into the target's
// bins) and the undo of a failed MergeFrom (subtract them again).
enum class BinOp { kStore, kAdd, kSubtract };

template <BinOp kOp>
inline void Apply(uint64_t* dst, const uint64_t* values, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    if constexpr (kOp == BinOp::kStore) dst[j] = values[j];
    if constexpr (kOp == BinOp::kAdd) dst[j] += values[j];
    if constexpr (kOp == BinOp::kSubtract) dst[j] -= values[j];
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
// Full groups of width 1..8 in the middle of the input, sixteen counts at a time in SSE2 (the
// x86-64 baseline). The 2w packed bytes are spread to one byte per count in three halving
// steps (8 counts per 64-bit lane -> 4 per 32 bits -> 2 per 16 bits -> 1 per byte), then
// widened to 64 bits and applied. Per width: the shift counts and masks of each step.
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

template <BinOp kOp>
inline void ApplyPair(uint64_t* dst, __m128i pair) {
  auto* d = reinterpret_cast<__m128i*>(dst);
  if constexpr (kOp == BinOp::kStore) {
    _mm_storeu_si128(d, pair);
  } else if constexpr (kOp == BinOp::kAdd) {
    _mm_storeu_si128(d, _mm_add_epi64(_mm_loadu_si128(d), pair));
  } else {
    _mm_storeu_si128(d, _mm_sub_epi64(_mm_loadu_si128(d), pair));
  }
}

template <BinOp kOp>
inline void ApplyBytes(uint64_t* dst, __m128i bytes) {
  const __m128i zero = _mm_setzero_si128();
  const __m128i w0 = _mm_unpacklo_epi8(bytes, zero);  // counts 0..7 as 16 bits
  const __m128i w1 = _mm_unpackhi_epi8(bytes, zero);  // counts 8..15
  const __m128i d0 = _mm_unpacklo_epi16(w0, zero);
  const __m128i d1 = _mm_unpackhi_epi16(w0, zero);
  const __m128i d2 = _mm_unpacklo_epi16(w1, zero);
  const __m128i d3 = _mm_unpackhi_epi16(w1, zero);
  ApplyPair<kOp>(dst + 0, _mm_unpacklo_epi32(d0, zero));
  ApplyPair<kOp>(dst + 2, _mm_unpackhi_epi32(d0, zero));
  ApplyPair<kOp>(dst + 4, _mm_unpacklo_epi32(d1, zero));
  ApplyPair<kOp>(dst + 6, _mm_unpackhi_epi32(d1, zero));
  ApplyPair<kOp>(dst + 8, _mm_unpacklo_epi32(d2, zero));
  ApplyPair<kOp>(dst + 10, _mm_unpackhi_epi32(d2, zero));
  ApplyPair<kOp>(dst + 12, _mm_unpacklo_epi32(d3, zero));
  ApplyPair<kOp>(dst + 14, _mm_unpackhi_epi32(d3, zero));
}
#if TALLY_SKETCH_AVX2
// The same with AVX2 (chosen at run time, see DenseLoop): four counts per instruction, widened
// straight from bytes.
template <BinOp kOp>
[[gnu::target("avx2")]] inline void ApplyQuad(uint64_t* dst, __m256i quad) {
  auto* d = reinterpret_cast<__m256i*>(dst);
  if constexpr (kOp == BinOp::kStore) {
    _mm256_storeu_si256(d, quad);
  } else if constexpr (kOp == BinOp::kAdd) {
    _mm256_storeu_si256(d, _mm256_add_epi64(_mm256_loadu_si256(d), quad));
  } else {
    _mm256_storeu_si256(d, _mm256_sub_epi64(_mm256_loadu_si256(d), quad));
  }
}

template <BinOp kOp>
[[gnu::target("avx2")]] inline void ApplyBytesAvx2(uint64_t* dst, __m128i bytes) {
  ApplyQuad<kOp>(dst + 0, _mm256_cvtepu8_epi64(bytes));
  ApplyQuad<kOp>(dst + 4, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 4)));
  ApplyQuad<kOp>(dst + 8, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 8)));
  ApplyQuad<kOp>(dst + 12, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 12)));
}
#endif  // TALLY_SKETCH_AVX2
#endif  // __SSE2__

#if defined(__SSE2__)
template <BinOp kOp, bool kAvx2>
inline void ApplyFullGroup(uint64_t* dst, __m128i bytes) {
#if TALLY_SKETCH_AVX2
  if constexpr (kAvx2) {
    ApplyBytesAvx2<kOp>(dst, bytes);
    return;
  }
#endif
  ApplyBytes<kOp>(dst, bytes);
}
#endif

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
template <BinOp kOp, bool kAvx2>
inline DenseLoopResult DenseLoopBody(const uint8_t* p, const uint8_t* const end, const Readable readable,
                                     uint64_t* const dst, const size_t n) {
  DenseLoopResult r;
  uint128 total = 0;
#if defined(__SSE2__)
  __m128i byte_sums = _mm_setzero_si128();  // two 64-bit lanes; at most 4080 per group
#endif
  // Full groups of width 1..8 with 17 bytes left (the width byte and two 8-byte loads) take the
  // fast inner loop: the middle of a latency sketch. Everything else, the first and the last
  // group included (their counts are reported), takes one step of the general loop.
  const uint8_t* const fast_end = end - p >= 17 ? end - 17 : p;
  size_t pos = 0;
  while (pos < n) {
#if defined(__SSE2__)
    if (pos != 0) {
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
      if constexpr (kOp == BinOp::kStore) std::fill_n(dst + pos, count, uint64_t{0});
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
    const size_t count = std::min(kDenseGroupSize, left);
    const size_t nbytes = (count * static_cast<size_t>(w) + 7) / 8;
    const auto available = static_cast<size_t>(end - p - 1);
    if (available < nbytes) {
      r.error = "truncated dense bin group";
      break;
    }
    // Stored counts are unpacked in place (on error the output is allowed to be partly written);
    // counts to add or subtract go through a local copy, checked before they are applied.
    uint64_t local[kDenseGroupSize];
    uint64_t* const values = kOp == BinOp::kStore ? dst + pos : local;
    r.error = UnpackAnyGroup(p + 1, available, count, w, values, &total);
    if (r.error != nullptr) break;
    if constexpr (kOp != BinOp::kStore) Apply<kOp>(dst + pos, values, count);
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
template <BinOp kOp>
[[gnu::flatten]] DenseLoopResult DenseLoopBaseline(const uint8_t* p, const uint8_t* end, Readable readable,
                                                   uint64_t* dst, size_t n) {
  return DenseLoopBody<kOp, false>(p, end, readable, dst, n);
}

#if TALLY_SKETCH_AVX2
template <BinOp kOp>
[[gnu::target("avx2"), gnu::flatten]] DenseLoopResult DenseLoopAvx2(const uint8_t* p, const uint8_t* end,
                                                                    Readable readable, uint64_t* dst, size_t n) {
  return DenseLoopBody<kOp, true>(p, end, readable, dst, n);
}

bool CpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

template <BinOp kOp>
DenseLoopResult DenseLoop(const uint8_t* p, const uint8_t* end, Readable readable, uint64_t* dst, size_t n) {
#if TALLY_SKETCH_AVX2
  if (CpuHasAvx2()) return DenseLoopAvx2<kOp>(p, end, readable, dst, n);
#endif
  return DenseLoopBaseline<kOp>(p, end, readable, dst, n);
}

}  // namespace

uint128 DecodeDense(ByteReader& in, std::span<uint64_t> out) {
  DenseSummary summary;
  if (!DecodeDense(in, out, &summary)) return 0;
  return summary.total;
}

namespace {

Readable ReadableFor(const ByteReader& in, std::span<const uint8_t> readable) {
  if (readable.empty()) return {in.position(), in.position() + in.remaining()};
  return {readable.data(), readable.data() + readable.size()};
}

}  // namespace

bool DecodeDense(ByteReader& in, std::span<uint64_t> out, DenseSummary* summary,
                 std::span<const uint8_t> readable) {
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

bool AddDense(ByteReader& in, uint64_t* dst, size_t n, DenseSummary* summary, std::span<const uint8_t> readable) {
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

void SubtractDense(std::span<const uint8_t> encoded, uint64_t* dst, size_t n) {
  const uint8_t* const begin = encoded.data();
  DenseLoop<BinOp::kSubtract>(begin, begin + encoded.size(), Readable{begin, begin + encoded.size()}, dst, n);
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
