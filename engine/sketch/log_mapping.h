// LogMapping: value <-> bin index for the quantile sketch, with a guaranteed relative accuracy.
//
// A positive value x = 2^e * (1 + s), s in [0, 1), gets the approximate binary logarithm
//     L(x) = e + P(s),   P(s) = (6/35) s^3 - (3/5) s^2 + (10/7) s,
// a cubic that is increasing on [0, 1] with P(0) = 0 and P(1) = 1, so L is continuous and increasing.
// Its bin index is
//     Index(x) = ceil(m * L(x)),   m = 7 / (10 * ln(gamma)),   gamma = (1 + alpha) / (1 - alpha).
// Why that m: d(ln x)/dL = 1 / ((1 + s) P'(s)), and (1 + s) P'(s) >= 10/7 on [0, 1] (minimum at
// s = 0 and s = 2/3), so a bin, 1/m wide in L, is at most ln(gamma) wide in ln x: hi/lo <= gamma.
// The representative value of a bin is 2*lo*hi/(lo+hi), within alpha of every value in [lo, hi].
// m is raised by a relative 1e-9 so that floating-point rounding in L never breaks the bound.
//
// Computing L needs only bit operations and a Horner polynomial (no call to log), which is what
// makes Sketch::Add cheap; the price is about 1% more bins than an exact logarithm would use.
// See docs/format-sketch.md ("Mapping"); mapping kind 1 in the serialized format means exactly this.
#pragma once

#include <bit>
#include <cstdint>

namespace tally::sketch {

class LogMapping {
 public:
  // Serialized as the mapping byte; do not change: on-disk format.
  static constexpr uint8_t kKindCubicLog2 = 1;

  // alpha = alpha_ppm / 1e6; REQUIRES 1 <= alpha_ppm <= 500000 (checked by the Sketch factory).
  explicit LogMapping(uint32_t alpha_ppm);

  uint32_t alpha_ppm() const { return alpha_ppm_; }
  double relative_accuracy() const { return alpha_; }
  double multiplier() const { return multiplier_; }

  // The bin of a finite value > 0 (subnormals included). Monotone non-decreasing in the value.
  int32_t Index(double value) const {
    uint64_t bits = std::bit_cast<uint64_t>(value);
    int64_t biased_exponent = static_cast<int64_t>(bits >> 52);
    if (biased_exponent == 0) [[unlikely]] {
      // Subnormal: scale into the normal range so the same formula applies.
      bits = std::bit_cast<uint64_t>(value * 0x1p64);
      biased_exponent = static_cast<int64_t>(bits >> 52) - 64;
    }
    double s = std::bit_cast<double>((bits & kMantissaMask) | kOneBits) - 1.0;
    double log2_estimate = static_cast<double>(biased_exponent - 1023) + CubicLog2Fraction(s);
    double scaled = log2_estimate * multiplier_;
    // ceil without a libm call (SSE2 has no round instruction): truncation rounds toward zero, so
    // it is already the ceiling for negatives and needs +1 for positives with a fraction.
    int32_t truncated = static_cast<int32_t>(scaled);
    return truncated + (static_cast<double>(truncated) < scaled ? 1 : 0);
  }

  // Bin `index` holds the values in (LowerBound(index), UpperBound(index)].
  double LowerBound(int32_t index) const;
  double UpperBound(int32_t index) const;
  // The value reported for bin `index`: within alpha (relative) of every value in the bin.
  double Representative(int32_t index) const;

  // P(s) above; exposed for tests.
  static double CubicLog2Fraction(double s) { return ((kA * s + kB) * s + kC) * s; }

 private:
  static constexpr uint64_t kMantissaMask = (uint64_t{1} << 52) - 1;
  static constexpr uint64_t kOneBits = uint64_t{1023} << 52;  // the bits of 1.0
  static constexpr double kA = 6.0 / 35.0;
  static constexpr double kB = -3.0 / 5.0;
  static constexpr double kC = 10.0 / 7.0;

  // The value x with L(x) = t (the inverse of the approximate logarithm).
  static double InverseLog2(double t);

  uint32_t alpha_ppm_;
  double alpha_;
  double multiplier_;
};

}  // namespace tally::sketch
