// The serialized sketch (format version 1): header, bins, checksum. The byte layout, the flags and
// the invariants a decoder checks are written down in docs/format.md ("Sketch"); keep the two in step.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sketch/byte_coding.h"
#include "engine/sketch/log_mapping.h"
#include "tally/status.h"

namespace tally::sketch {

// Do not change: on-disk format.
inline constexpr uint8_t kFormatVersion = 1;

// Flag bits of the second byte. Do not change: on-disk format.
enum class SketchFlag : uint8_t {
  kHasZeros = 1 << 0,          // zero_count follows count; min is 0 and not stored
  kCollapsed = 1 << 1,         // some low bins were folded into the lowest kept bin
  kSparseBins = 1 << 2,        // bins use the sparse encoding (else dense)
  kIntegralSum = 1 << 3,       // sum is stored in whole units (divided by 2^20)
  kIntegralMinMax = 1 << 4,    // min and max are integers, stored as uvarints
};
inline constexpr uint8_t kKnownFlags = 0x1F;

inline constexpr uint32_t kMinAlphaPpm = LogMapping::kMinAlphaPpm;
inline constexpr uint32_t kMaxAlphaPpm = LogMapping::kMaxAlphaPpm;
inline constexpr uint32_t kMinBinLimit = 1;
inline constexpr uint32_t kMaxBinLimit = 65536;
inline constexpr double kMaxValue = 0x1p62;
inline constexpr size_t kChecksumSize = 4;

// Counts of consecutive bins as a BinStore holds them: 32-bit (narrow) or 64-bit (wide). The wide
// span is the one in use when it is non-empty.
struct CountsView {
  std::span<const uint32_t> narrow;
  std::span<const uint64_t> wide;

  size_t size() const { return wide.empty() ? narrow.size() : wide.size(); }
  bool empty() const { return size() == 0; }
  // f(narrow) or f(wide); both calls must return the same type.
  template <typename F>
  decltype(auto) Visit(F&& f) const {
    if (wide.empty()) return f(narrow);
    return f(wide);
  }
};

// Everything a serialized sketch holds, as a view. `bins` are the counts of indexes first_index,
// first_index + 1, ... (first and last non-zero); empty when no value is positive.
struct SketchParts {
  uint32_t alpha_ppm = 0;
  uint32_t bin_limit = 0;
  uint64_t count = 0;
  uint64_t zero_count = 0;
  uint128 sum_units = 0;  // FixedPointSum units
  double min = 0;         // 0 when empty
  double max = 0;
  bool collapsed = false;
  int32_t first_index = 0;
  CountsView bins;
};

// Appends the encoding of `parts` to *out.
void EncodeSketch(const SketchParts& parts, std::string* out);

// Where the encoded bins are: `bytes` points into the buffer given to DecodeSketchHeader, from the
// first bin byte to the checksum. span = 0 when there are no bins.
struct EncodedBins {
  bool sparse = false;
  size_t span = 0;                 // number of counts, 1..bin_limit
  std::span<const uint8_t> bytes;  // the encoded counts (and nothing else)
  size_t offset = 0;               // of bytes.data() in the sketch, for error messages
  std::span<const uint8_t> sketch; // the whole serialized sketch, checksum included
};

// Decodes and checks everything but the bin counts themselves: the checksum, the header, min and
// max against the bin range. parts->bins stays empty; *bins says where the counts are. Errors as
// for DecodeSketch.
Status DecodeSketchHeader(std::string_view bytes, const LogMapping* mapping_hint, SketchParts* parts,
                          EncodedBins* bins);

// Decodes the counts into *bin_storage (resized to bins.span) and checks them against `parts`
// (their sum, non-empty ends, no trailing bytes). Corruption when they do not decode or agree.
Status DecodeBins(const EncodedBins& bins, const SketchParts& parts, std::vector<uint64_t>* bin_storage);

// Decodes the counts into dst[0..bins.span) with the checks of DecodeBins (dst may be partly
// written on error). 32-bit counts only when the header's count is below 2^32: a larger bin count
// is then corrupt.
Status DecodeBinsInto(const EncodedBins& bins, const SketchParts& parts, uint32_t* dst);
Status DecodeBinsInto(const EncodedBins& bins, const SketchParts& parts, uint64_t* dst);

// REQUIRES !bins.sparse. Adds the counts to dst[0..bins.span) with the checks of DecodeBins; all
// or nothing: on error dst is left exactly as it was. 32-bit counts as for DecodeBinsInto, and
// the caller makes sure the sums fit.
Status AddDecodedDenseBins(const EncodedBins& bins, const SketchParts& parts, uint32_t* dst);
Status AddDecodedDenseBins(const EncodedBins& bins, const SketchParts& parts, uint64_t* dst);

// Decodes `bytes` into *parts; parts->bins then points into *bin_storage, which is resized to the
// bin range (at most kMaxBinLimit entries). `mapping_hint`, when it has the encoded alpha, saves
// building a mapping for the consistency checks. Corruption for damaged or inconsistent bytes,
// NotSupported for a newer version, unknown flags or an unknown mapping.
Status DecodeSketch(std::string_view bytes, const LogMapping* mapping_hint, SketchParts* parts,
                    std::vector<uint64_t>* bin_storage);

// The checksum stored in the last four bytes: the low 32 bits of XXH3-64 of all bytes before it.
uint32_t SketchChecksum(std::string_view covered_bytes);

}  // namespace tally::sketch
