// FixedPointSum: the sum of the sketch's values as an integer count of 2^-20 units.
//
// Why not a double: a floating-point sum depends on the order of additions, so two sketches of the
// same values merged in different orders would hold different sums and serialize to different bytes.
// Integer addition is associative and commutative, so this sum is a pure function of the multiset.
// Each value is rounded to the nearest multiple of 2^-20 (~9.5e-7; ties to even) before it is added:
// integers and values with few fractional bits are summed exactly; in general the sum is off by at
// most n * 2^-21 from the real-number sum of n values. 128 bits hold 2^108 (~3.2e32) in value units.
#pragma once

#include <cstdint>

#include "tally/sketch.h"

namespace tally::sketch {

using uint128 = unsigned __int128;

class FixedPointSum {
 public:
  static constexpr int kFractionBits = 20;
  static constexpr uint128 kFractionMask = (uint128{1} << kFractionBits) - 1;

  // `value` in fixed-point units. REQUIRES 0 <= value <= 2^62 (the sketch's maximum value).
  static uint128 ToUnits(double value) {
    double scaled = value * 0x1p20;  // exact: a power-of-two scale without overflow
    if (scaled < 0x1p52) {
      // Adding and removing 2^52 rounds to the nearest integer (ties to even) in the default
      // rounding mode; the compiler may not fold it away (no -ffast-math in this project).
      // (A signed conversion: cheaper than an unsigned one on x86-64, and exact below 2^63.)
      return static_cast<uint64_t>(static_cast<int64_t>((scaled + 0x1p52) - 0x1p52));
    }
    // From 2^52 up every double is an integer, so the conversion is exact.
    if (scaled < 0x1p63) return static_cast<uint64_t>(static_cast<int64_t>(scaled));
    return static_cast<uint128>(scaled);
  }

  // ToUnits for 0 <= value < 2^32 (the scaled value is below 2^52): one rounding conversion.
  // cvtsd2si rounds in the current mode, like the addition of 2^52 in ToUnits: both give the
  // nearest integer, ties to even, in the default mode.
  // (Sketch::Add, inline in the public header, uses this same function.)
  static uint64_t ToUnitsBelow2To32(double value) { return sketch_internal::SumUnitsBelow2To32(value); }

  FixedPointSum() = default;
  explicit FixedPointSum(uint128 units) : units_(units) {}

  uint128 units() const { return units_; }
  void set_units(uint128 units) { units_ = units; }

  // Adds value * count; returns false (and changes nothing) when the sum would overflow.
  bool Add(double value, uint64_t count) {
    uint128 add = ToUnits(value);
    if (count != 1 && __builtin_mul_overflow(add, static_cast<uint128>(count), &add)) return false;
    uint128 sum;
    if (__builtin_add_overflow(units_, add, &sum)) return false;
    units_ = sum;
    return true;
  }

  // Adds another sum; returns false (and changes nothing) on overflow.
  bool CanAdd(uint128 other_units) const {
    uint128 ignored;
    return !__builtin_add_overflow(units_, other_units, &ignored);
  }
  void AddUnits(uint128 other_units) { units_ += other_units; }

  // The sum as the nearest double (the integer conversion rounds correctly; the scale is exact).
  double ToDouble() const { return static_cast<double>(units_) * 0x1p-20; }

 private:
  uint128 units_ = 0;
};

}  // namespace tally::sketch
