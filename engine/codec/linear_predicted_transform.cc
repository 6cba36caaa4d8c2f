// Linear prediction from other columns: residual = value - floor((A·a + B·b + R) / 2^shift) - min,
// where a and b are the block's input_tokens and output_tokens.
//
// Why: cost is priced per token (cost ≈ p_in·input + p_out·output, rounded, plus a fee), and latency
// is roughly time-to-first-token + output·time-per-token. Predicting them from the token columns
// leaves residuals that are constant (cost) or much narrower (latency) than the values.
//
// Everything the decoder computes is integer arithmetic with fixed-point coefficients, so decoding
// is exact and the same on every machine; the encoder's least-squares fit in floating point only
// chooses the coefficients, which are then stored. A fit that turns out poor costs nothing but
// compression: residuals wrap modulo 2^64 and always round-trip.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

using Int128 = __int128;
using UInt128 = unsigned __int128;

// Stored coefficients and the rounding term must stay below this magnitude, so that a sum of two
// products with any 64-bit predictor fits in 128 bits.
constexpr int64_t kMaxCoefficient = int64_t{1} << 62;
constexpr uint8_t kMaxShift = 62;

struct Coefficients {
  int64_t a = 0, b = 0, rounding = 0;
  uint8_t shift = 0;
  // Decimal form: a and b derived from prices in micro-units per million (stored instead, smaller).
  bool decimal = false;
  int64_t price_a = 0, price_b = 0;
};

// Parameter encodings. Do not change: on-disk format.
enum class CoefficientForm : uint8_t {
  kDecimal = 0,  // price_a <zigzag>, price_b <zigzag>; shift 40, rounding 2^39, a/b = ceil(price·2^40/10^6)
  kBinary = 1,   // shift <u8>, a <zigzag>, b <zigzag>, rounding <zigzag>
};
constexpr int64_t kMaxDecimalPrice = int64_t{1} << 40;

uint64_t Magnitude(int64_t v) { return v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v); }

uint64_t MaxMagnitude(std::span<const uint64_t> values) {
  uint64_t result = 0;
  for (uint64_t v : values) result = std::max(result, Magnitude(static_cast<int64_t>(v)));
  return result;
}

// Calls `emit(i, prediction)` for every row; uses 64-bit arithmetic when it provably cannot
// overflow and 128-bit otherwise (both give the same exact result).
template <typename Emit>
void ForEachPrediction(const Coefficients& c, std::span<const uint64_t> pa, std::span<const uint64_t> pb,
                       uint64_t max_a, uint64_t max_b, Emit emit) {
  const UInt128 bound = UInt128{Magnitude(c.a)} * max_a + UInt128{Magnitude(c.b)} * max_b +
                        Magnitude(c.rounding);
  const size_t n = pa.size();
  if (bound < (UInt128{1} << 63)) {
    for (size_t i = 0; i < n; ++i) {
      int64_t sum = c.a * static_cast<int64_t>(pa[i]) + c.b * static_cast<int64_t>(pb[i]) + c.rounding;
      emit(i, static_cast<uint64_t>(sum >> c.shift));  // arithmetic shift: floor division
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      Int128 sum = Int128{c.a} * static_cast<int64_t>(pa[i]) + Int128{c.b} * static_cast<int64_t>(pb[i]) +
                   c.rounding;
      emit(i, static_cast<uint64_t>(sum >> c.shift));
    }
  }
}

struct Fit {
  double a = 0, b = 0;
  bool ok = false;
};

// Ordinary least squares of y on (a, b) with an intercept; the intercept is not needed because the
// minimum residual absorbs it.
Fit LeastSquares(std::span<const uint64_t> y, std::span<const uint64_t> pa, std::span<const uint64_t> pb) {
  const size_t n = y.size();
  double mean_a = 0, mean_b = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) {
    mean_a += static_cast<double>(static_cast<int64_t>(pa[i]));
    mean_b += static_cast<double>(static_cast<int64_t>(pb[i]));
    mean_y += static_cast<double>(static_cast<int64_t>(y[i]));
  }
  mean_a /= n, mean_b /= n, mean_y /= n;
  double saa = 0, sbb = 0, sab = 0, say = 0, sby = 0;
  for (size_t i = 0; i < n; ++i) {
    double da = static_cast<double>(static_cast<int64_t>(pa[i])) - mean_a;
    double db = static_cast<double>(static_cast<int64_t>(pb[i])) - mean_b;
    double dy = static_cast<double>(static_cast<int64_t>(y[i])) - mean_y;
    saa += da * da, sbb += db * db, sab += da * db, say += da * dy, sby += db * dy;
  }
  Fit fit;
  double det = saa * sbb - sab * sab;
  if (saa > 0 && sbb > 0 && det > 1e-9 * saa * sbb) {
    fit.a = (say * sbb - sby * sab) / det;
    fit.b = (sby * saa - say * sab) / det;
  } else if (saa >= sbb && saa > 0) {
    fit.a = say / saa;
  } else if (sbb > 0) {
    fit.b = sby / sbb;
  }
  fit.ok = std::isfinite(fit.a) && std::isfinite(fit.b) && std::abs(fit.a) < 1e9 && std::abs(fit.b) < 1e9;
  return fit;
}

// Prices are usually whole micro-units per million tokens: a slope with 6 decimal digits. Rounding
// p / 10^6 up to 40 fraction bits over-approximates by less than 2^-40 per token, so while the token
// counts sum to less than 2^20 the error stays below 10^-6, the spacing of the exact decimal sums,
// and the floor equals the floor of the exact decimal value: the residual becomes the constant fee.
constexpr uint8_t kDecimalShift = 40;
int64_t DecimalToFixed(int64_t micro_per_unit) {
  Int128 scaled = Int128{micro_per_unit} << kDecimalShift;
  Int128 q = scaled / 1000000;
  if (q * 1000000 < scaled) ++q;  // ceiling
  return static_cast<int64_t>(q);
}

bool InRange(const Coefficients& c) {
  if (c.decimal && (Magnitude(c.price_a) >= static_cast<uint64_t>(kMaxDecimalPrice) ||
                    Magnitude(c.price_b) >= static_cast<uint64_t>(kMaxDecimalPrice))) {
    return false;
  }
  return Magnitude(c.a) < static_cast<uint64_t>(kMaxCoefficient) &&
         Magnitude(c.b) < static_cast<uint64_t>(kMaxCoefficient) &&
         Magnitude(c.rounding) < static_cast<uint64_t>(kMaxCoefficient) && c.shift <= kMaxShift;
}

// Rows that follow the block's main linear relation: those whose residual under `fit` lies within a
// few interquartile ranges of the median. Failed requests cost nothing and stream no tokens, so in a
// cost column they are outliers that would otherwise pull the fit off the exact price.
std::vector<uint32_t> Inliers(std::span<const uint64_t> y, std::span<const uint64_t> pa, std::span<const uint64_t> pb,
                              const Fit& fit) {
  const size_t n = y.size();
  std::vector<double> r(n);
  for (size_t i = 0; i < n; ++i) {
    r[i] = static_cast<double>(static_cast<int64_t>(y[i])) - fit.a * static_cast<double>(static_cast<int64_t>(pa[i])) -
           fit.b * static_cast<double>(static_cast<int64_t>(pb[i]));
  }
  std::vector<double> sorted = r;
  auto at = [&sorted](double q) {
    auto k = static_cast<ptrdiff_t>(q * static_cast<double>(sorted.size() - 1));
    std::nth_element(sorted.begin(), sorted.begin() + k, sorted.end());
    return sorted[k];
  };
  const double median = at(0.5), q1 = at(0.25), q3 = at(0.75);
  const double limit = 4 * (q3 - q1) + 2;
  std::vector<uint32_t> inliers;
  for (size_t i = 0; i < n; ++i) {
    if (std::abs(r[i] - median) <= limit) inliers.push_back(static_cast<uint32_t>(i));
  }
  return inliers;
}

class LinearPredicted final : public IntegerTransform {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kLinearPredicted; }

  bool Forward(std::span<const uint64_t> values, const TransformContext& context,
               uint64_t* residuals, TransformParams* params) const override {
    const size_t n = values.size();
    if (n < 4 || context.predictor_a.size() != n || context.predictor_b.size() != n) return false;
    Fit fit = LeastSquares(values, context.predictor_a, context.predictor_b);
    if (!fit.ok) return false;
    const uint64_t max_a = MaxMagnitude(context.predictor_a);
    const uint64_t max_b = MaxMagnitude(context.predictor_b);

    // Refit on the rows that follow the main relation, and judge coefficients by those rows only;
    // the outliers still round-trip, as wider residuals.
    std::vector<uint8_t> counted(n, 1);
    size_t counted_rows = n;
    if (std::vector<uint32_t> inliers = Inliers(values, context.predictor_a, context.predictor_b, fit);
        inliers.size() >= n / 2 && inliers.size() < n && inliers.size() >= 4) {
      std::vector<uint64_t> y, a, b;
      for (uint32_t i : inliers) {
        y.push_back(values[i]), a.push_back(context.predictor_a[i]), b.push_back(context.predictor_b[i]);
      }
      if (Fit refit = LeastSquares(y, a, b); refit.ok) {
        fit = refit;
        std::fill(counted.begin(), counted.end(), 0);
        for (uint32_t i : inliers) counted[i] = 1;
        counted_rows = inliers.size();
      }
    }

    struct Score {
      uint64_t range = UINT64_MAX;
      double spread = std::numeric_limits<double>::infinity();
      bool operator<(const Score& o) const { return range == 0 ? o.range != 0 : (o.range != 0 && spread < o.spread); }
    };
    auto score = [&](const Coefficients& c) {
      Score s;
      if (!InRange(c)) return s;
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      double sum = 0, sum_squares = 0;
      int64_t anchor = 0;
      bool first = true;
      ForEachPrediction(c, context.predictor_a, context.predictor_b, max_a, max_b, [&](size_t i, uint64_t p) {
        if (!counted[i]) return;
        int64_t r = static_cast<int64_t>(values[i] - p);
        if (first) anchor = r, first = false;
        lo = std::min(lo, r), hi = std::max(hi, r);
        double d = static_cast<double>(r) - static_cast<double>(anchor);
        sum += d, sum_squares += d * d;
      });
      const double m = static_cast<double>(counted_rows);
      s.range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
      s.spread = sum_squares / m - (sum / m) * (sum / m);
      return s;
    };

    // Candidate 1: decimal prices. The fit is noisy by ~1e-6 per coefficient on small blocks, so
    // climb from it one micro-unit at a time while the residual spread shrinks; when the data is
    // priced exactly, this ends at a constant residual (range 0).
    int64_t p = std::llround(fit.a * 1e6), q = std::llround(fit.b * 1e6);
    auto decimal = [&](int64_t dp, int64_t dq) {
      return Coefficients{DecimalToFixed(dp), DecimalToFixed(dq), int64_t{1} << (kDecimalShift - 1), kDecimalShift,
                          true, dp, dq};
    };
    Coefficients best = decimal(p, q);
    Score best_score = score(best);
    constexpr uint64_t kClimbWhenRangeAtMost = 4096;
    for (int step = 0; step < 200 && best_score.range != 0 && best_score.range <= kClimbWhenRangeAtMost; ++step) {
      bool moved = false;
      for (auto [dp, dq] : {std::pair{1, 0}, std::pair{-1, 0}, std::pair{0, 1}, std::pair{0, -1}}) {
        Coefficients c = decimal(p + dp, q + dq);
        Score s = score(c);
        if (s < best_score) best = c, best_score = s, p += dp, q += dq, moved = true;
        if (moved) break;
      }
      if (!moved) break;
    }
    // Candidate 2: binary fixed point, for slopes that are not decimal (latency per token).
    if (best_score.range != 0) {
      constexpr uint8_t kShift = 16;
      Coefficients c{std::llround(std::ldexp(fit.a, kShift)), std::llround(std::ldexp(fit.b, kShift)),
                     int64_t{1} << (kShift - 1), kShift, false, 0, 0};
      Score s = score(c);
      if (s < best_score) best = c, best_score = s;
    }
    if (!InRange(best)) return false;

    int64_t min_residual = INT64_MAX;
    ForEachPrediction(best, context.predictor_a, context.predictor_b, max_a, max_b, [&](size_t i, uint64_t pred) {
      residuals[i] = values[i] - pred;
      min_residual = std::min(min_residual, static_cast<int64_t>(residuals[i]));
    });
    for (size_t i = 0; i < n; ++i) residuals[i] -= static_cast<uint64_t>(min_residual);
    params->decimal = best.decimal;
    params->coefficient_a = best.decimal ? best.price_a : best.a;
    params->coefficient_b = best.decimal ? best.price_b : best.b;
    params->rounding = best.rounding;
    params->shift = best.shift;
    params->min_residual = min_residual;
    return true;
  }

  void WriteParams(const TransformParams& params, std::string* out) const override {
    if (params.decimal) {
      out->push_back(static_cast<char>(CoefficientForm::kDecimal));
    } else {
      out->push_back(static_cast<char>(CoefficientForm::kBinary));
      out->push_back(static_cast<char>(params.shift));
    }
    PutSignedVarint64(out, params.coefficient_a);
    PutSignedVarint64(out, params.coefficient_b);
    if (!params.decimal) PutSignedVarint64(out, params.rounding);
    PutSignedVarint64(out, params.min_residual);
  }
  void ReadParams(Decoder* in, TransformParams* params) const override {
    const auto form = static_cast<CoefficientForm>(in->ReadByte("linear: form"));
    if (form != CoefficientForm::kDecimal && form != CoefficientForm::kBinary) {
      return in->Fail("linear: form", "unknown");
    }
    params->decimal = form == CoefficientForm::kDecimal;
    params->shift = params->decimal ? kDecimalShift : in->ReadByte("linear: shift");
    params->coefficient_a = in->ReadSignedVarint64("linear: coefficient a");
    params->coefficient_b = in->ReadSignedVarint64("linear: coefficient b");
    params->rounding = params->decimal ? int64_t{1} << (kDecimalShift - 1) : in->ReadSignedVarint64("linear: rounding");
    params->min_residual = in->ReadSignedVarint64("linear: min residual");
    if (!in->ok()) return;
    if (params->decimal) {
      if (Magnitude(params->coefficient_a) >= static_cast<uint64_t>(kMaxDecimalPrice) ||
          Magnitude(params->coefficient_b) >= static_cast<uint64_t>(kMaxDecimalPrice)) {
        return in->Fail("linear", "price out of range");
      }
      params->coefficient_a = DecimalToFixed(params->coefficient_a);
      params->coefficient_b = DecimalToFixed(params->coefficient_b);
    }
    Coefficients c{params->coefficient_a, params->coefficient_b, params->rounding, params->shift, false, 0, 0};
    if (!InRange(c)) in->Fail("linear", "coefficient out of range");
  }

  void Inverse(const TransformParams& params, const TransformContext& context,
               std::span<uint64_t> values) const override {
    // The caller guarantees predictor sizes; stay safe if it did not.
    if (context.predictor_a.size() != values.size() || context.predictor_b.size() != values.size()) return;
    Coefficients c{params.coefficient_a, params.coefficient_b, params.rounding, params.shift};
    const uint64_t offset = static_cast<uint64_t>(params.min_residual);
    ForEachPrediction(c, context.predictor_a, context.predictor_b, MaxMagnitude(context.predictor_a),
                      MaxMagnitude(context.predictor_b),
                      [&](size_t i, uint64_t pred) { values[i] += pred + offset; });
  }
};

}  // namespace

const IntegerTransform& LinearPredictedTransform() {
  static const LinearPredicted transform;
  return transform;
}

}  // namespace tally::codec
