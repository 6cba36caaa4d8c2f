#include "tools/workload/distributions.h"

#include <cassert>
#include <numbers>

namespace tally::workload {
namespace {

// The 256-layer ziggurat's base: the rightmost layer edge r, where the tail begins. With this r the
// layers, each of the same area, stack up exactly to the top of the density.
constexpr double kTailStart = 3.6541528853610088;

double Density(double x) { return std::exp(-0.5 * x * x); }  // unnormalised: the ziggurat only needs shape

}  // namespace

NormalSampler::NormalSampler() {
  const double r = kTailStart;
  // Area of each layer: the base rectangle under f(r) plus the tail beyond r.
  const double area = r * Density(r) + std::sqrt(std::numbers::pi / 2) * std::erfc(r / std::numbers::sqrt2);
  edge_[0] = area / Density(r);
  edge_[1] = r;
  for (int i = 1; i < 256; ++i) {
    const double top = area / edge_[i] + Density(edge_[i]);
    edge_[i + 1] = top >= 1 ? 0 : std::sqrt(-2 * std::log(top));
  }
  edge_[256] = 0;
  for (int i = 0; i < 256; ++i) ratio_[i] = edge_[i + 1] / edge_[i];
  ratio_[0] = r / edge_[0];
  for (int i = 0; i <= 256; ++i) height_[i] = Density(edge_[i]);
  height_[0] = 0;  // the base layer reaches down to the axis
  height_[256] = 1;
}

double NormalSampler::SampleSlow(Random& random, unsigned layer, double x) const {
  for (;;) {
    if (layer == 0) {
      // The tail beyond r, by Marsaglia's exponential rejection.
      double a, b;
      do {
        a = -std::log(random.UniformPositive()) / kTailStart;
        b = -std::log(random.UniformPositive());
      } while (2 * b <= a * a);
      return x < 0 ? -(kTailStart + a) : kTailStart + a;
    }
    // The wedge between the layer's inner edge and the curve: accept under the curve.
    const double y = height_[layer] + random.Uniform() * (height_[layer + 1] - height_[layer]);
    if (y < Density(x)) return x;

    // Rejected: start over with a fresh word (same steps as Sample, kept here to stay out of line).
    const uint64_t bits = random.Next();
    layer = bits & 0xff;
    const double u = static_cast<double>(static_cast<int64_t>(bits) >> 11) * 0x1.0p-52;
    x = u * edge_[layer];
    if (std::fabs(u) < ratio_[layer]) return x;
  }
}

AliasTable::AliasTable(const std::vector<double>& weights) {
  const size_t n = weights.size();
  assert(n > 0 && n < (uint64_t{1} << 32));
  double total = 0;
  for (double w : weights) total += w;
  assert(total > 0);

  // Scale so that the average is 1; split into under- and over-full slots and pair them up.
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  threshold_.assign(n, 0);
  alias_.assign(n, 0);
  constexpr double kOne = 4294967296.0;  // 2^32: thresholds are fractions of the low 32 bits
  auto to_threshold = [&](double p) {
    const double t = p * kOne;
    return t >= kOne - 1 ? UINT32_MAX : static_cast<uint32_t>(t);
  };
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    threshold_[s] = to_threshold(scaled[s]);
    alias_[s] = l;
    scaled[l] -= 1 - scaled[s];
    if (scaled[l] < 1) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left is full up to rounding error: always keep it.
  for (uint32_t i : small) threshold_[i] = UINT32_MAX, alias_[i] = i;
  for (uint32_t i : large) threshold_[i] = UINT32_MAX, alias_[i] = i;
}

std::vector<double> ZipfWeights(size_t n, double s) {
  std::vector<double> weights(n);
  for (size_t rank = 1; rank <= n; ++rank) weights[rank - 1] = 1 / std::pow(static_cast<double>(rank), s);
  return weights;
}

}  // namespace tally::workload
