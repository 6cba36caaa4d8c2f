#include "engine/sketch/log_mapping.h"

#include <cmath>

namespace tally::sketch {

LogMapping::LogMapping(uint32_t alpha_ppm)
    : alpha_ppm_(alpha_ppm), alpha_(static_cast<double>(alpha_ppm) / 1e6) {
  double log_gamma = std::log1p(2.0 * alpha_ / (1.0 - alpha_));
  multiplier_ = 7.0 / (10.0 * log_gamma) * (1.0 + 1e-9);
}

double LogMapping::InverseLog2(double t) {
  double exponent = std::floor(t);
  double fraction = t - exponent;  // in [0, 1)
  // P is increasing on [0, 1]; bisection to the last bit is exact enough and needs no care about
  // the cubic's other roots. Quantile queries are not on the hot path.
  double lo = 0.0, hi = 1.0;
  for (int i = 0; i < 64 && lo < hi; ++i) {
    double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    if (CubicLog2Fraction(mid) < fraction) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return std::ldexp(1.0 + 0.5 * (lo + hi), static_cast<int>(exponent));
}

double LogMapping::LowerBound(int32_t index) const {
  return InverseLog2(static_cast<double>(static_cast<int64_t>(index) - 1) / multiplier_);
}

double LogMapping::UpperBound(int32_t index) const {
  return InverseLog2(static_cast<double>(index) / multiplier_);
}

double LogMapping::Representative(int32_t index) const {
  double lo = LowerBound(index);
  double hi = UpperBound(index);
  // Harmonic mean: equal relative distance (hi-lo)/(hi+lo) <= alpha to both ends. Written so that
  // lo*hi cannot underflow for tiny bins.
  return lo * (2.0 * hi / (lo + hi));
}

}  // namespace tally::sketch
