// LogMapping: value <-> bin index for the quantile sketch, with a guaranteed relative accuracy.
//
// The bins are an exact logarithmic grid aligned on powers of two: with k bins per octave,
//     bin i = (2^((i-1)/k), 2^(i/k)],   i.e.   Index(x) = ceil(k * log2(x)),
//     k = ceil(ln 2 / ln(gamma)),   gamma = (1 + alpha) / (1 - alpha).
// So a bin spans a ratio 2^(1/k) <= gamma, and its representative 2*lo*hi/(lo+hi) is within
// (hi-lo)/(hi+lo) <= alpha of every value in it. (k is computed with a 1e-9 relative margin, so
// rounding of the stored boundaries, at most one unit in the last place, never breaks the bound.)
//
// Why aligned on octaves: for x = 2^e * (1 + s) the index is k*e + j(s), and j depends on the
// mantissa only. A table indexed by the top mantissa bits gives j at the start of that slice and
// the one bin boundary that can fall inside it (slices are narrower than a bin), so Index is a
// shift, one load and an integer compare: no logarithm, no floating-point arithmetic. That is what
// makes Sketch::Add cheap. Boundaries are the mantissas of exp2(j/k). Tables are shared between
// mappings of the same alpha; a few are cached (bounded, so bytes claiming many different alphas
// cannot grow memory without limit).
//
// See docs/format.md, "Sketch" ("Mapping"); mapping kind 1 in the serialized format means this grid.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

namespace tally::sketch {

class LogMapping {
 public:
  // Serialized as the mapping byte; do not change: on-disk format.
  static constexpr uint8_t kKindOctaveLog = 1;
  static constexpr uint32_t kMinAlphaPpm = 100;     // alpha 0.01%: 3,466 bins per octave
  static constexpr uint32_t kMaxAlphaPpm = 500000;  // alpha 50%: 1 bin per octave

  // alpha = alpha_ppm / 1e6; REQUIRES kMinAlphaPpm <= alpha_ppm <= kMaxAlphaPpm.
  explicit LogMapping(uint32_t alpha_ppm);

  uint32_t alpha_ppm() const { return table_->alpha_ppm; }
  double relative_accuracy() const { return static_cast<double>(table_->alpha_ppm) / 1e6; }
  int32_t bins_per_octave() const { return bins_per_octave_; }
  // The table IndexOfNormal reads (entry p for the mantissa slice p) and the shift that gives p
  // from the 52 mantissa bits; valid as long as the mapping or a copy of it exists.
  const uint64_t* slices() const { return slices_; }
  int slice_shift() const { return slice_shift_; }

  // The bin of a finite value > 0 (subnormals included). Monotone non-decreasing in the value.
  int32_t Index(double value) const {
    uint64_t bits = std::bit_cast<uint64_t>(value);
    int32_t exponent = static_cast<int32_t>(bits >> 52) - 1023;
    if (exponent == -1023) [[unlikely]] {
      // Subnormal: scale into the normal range; the grid is the same in every octave.
      bits = std::bit_cast<uint64_t>(value * 0x1p64);
      exponent = static_cast<int32_t>(bits >> 52) - 1023 - 64;
    }
    const uint64_t mantissa = bits & kMantissaMask;
    const uint64_t entry = slices_[mantissa >> slice_shift_];
    const auto j = static_cast<int32_t>(entry >> 52);
    const uint64_t boundary = entry & kMantissaMask;
    return exponent * bins_per_octave_ + j + (mantissa > boundary ? 1 : 0);
  }

  // Index for a normal value (>= 2^-1022, finite): the same answer without the subnormal branch.
  int32_t IndexOfNormal(double value) const {
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    const int32_t exponent = static_cast<int32_t>(bits >> 52) - 1023;
    const uint64_t mantissa = bits & kMantissaMask;
    const uint64_t entry = slices_[mantissa >> slice_shift_];
    const auto j = static_cast<int32_t>(entry >> 52);
    const uint64_t boundary = entry & kMantissaMask;
    return exponent * bins_per_octave_ + j + (mantissa > boundary ? 1 : 0);
  }

  // Bin `index` holds the values in (LowerBound(index), UpperBound(index)].
  double LowerBound(int32_t index) const { return UpperBound(index - 1); }
  double UpperBound(int32_t index) const;
  // The value reported for bin `index`: within alpha (relative) of every value in the bin.
  double Representative(int32_t index) const;

 private:
  static constexpr uint64_t kMantissaMask = (uint64_t{1} << 52) - 1;

  struct Table {
    uint32_t alpha_ppm;
    int32_t bins_per_octave;  // k
    int slice_bits;           // the table has 2^slice_bits entries
    // boundaries[j] = mantissa bits of 2^(j/k), j = 0..k-1 (boundaries[0] = 0).
    std::vector<uint64_t> boundaries;
    // slices[p] = (j << 52) | b: the bin offset j of the first mantissa in slice p, and the
    // mantissa b above which the slice's values are in bin j + 1 (all ones when none are).
    std::vector<uint64_t> slices;
  };
  // The default alpha's table lives as long as the program and is not reference-counted (no
  // atomic operations per mapping of it); others are shared through *owner.
  static const Table* TableFor(uint32_t alpha_ppm, std::shared_ptr<const Table>* owner);
  static std::shared_ptr<const Table> BuildTable(uint32_t alpha_ppm);

  std::shared_ptr<const Table> owner_;  // null for the default table
  const Table* table_;
  const uint64_t* slices_;
  int32_t bins_per_octave_;
  int slice_shift_;
};

}  // namespace tally::sketch
