#include "engine/sketch/log_mapping.h"

#include <cmath>
#include <map>
#include <memory>
#include <mutex>

namespace tally::sketch {

std::shared_ptr<const LogMapping::Table> LogMapping::BuildTable(uint32_t alpha_ppm) {
  auto table = std::make_shared<Table>();
  table->alpha_ppm = alpha_ppm;
  const double alpha = static_cast<double>(alpha_ppm) / 1e6;
  const double log_gamma = std::log1p(2.0 * alpha / (1.0 - alpha));
  const int32_t k = static_cast<int32_t>(std::ceil(std::log(2.0) / log_gamma * (1.0 + 1e-9)));
  table->bins_per_octave = k;

  table->boundaries.resize(static_cast<size_t>(k));
  for (int32_t j = 0; j < k; ++j) {
    const double upper = std::exp2(static_cast<double>(j) / k);  // in [1, 2)
    table->boundaries[static_cast<size_t>(j)] = std::bit_cast<uint64_t>(upper) & kMantissaMask;
  }

  // A slice of the mantissa spans at most log2(1 + 2^-bits) < 2^-bits / ln 2 octaves; with
  // 2^bits >= 2.9 k that is under half a bin, so a slice holds at most one boundary.
  int bits = 1;
  while ((uint64_t{1} << bits) < static_cast<uint64_t>(2.9 * k) + 1) ++bits;
  table->slice_bits = bits;
  const int shift = 52 - bits;
  table->slices.resize(size_t{1} << bits);
  size_t j = 0;  // the first bin whose upper boundary is >= the slice start
  for (uint64_t p = 0; p < (uint64_t{1} << bits); ++p) {
    const uint64_t start = p << shift;
    const uint64_t end = (p + 1) << shift;  // exclusive
    while (j < table->boundaries.size() && table->boundaries[j] < start) ++j;
    uint64_t boundary = kMantissaMask;  // no mantissa is above it
    if (j < table->boundaries.size() && table->boundaries[j] < end) boundary = table->boundaries[j];
    table->slices[p] = (static_cast<uint64_t>(j) << 52) | boundary;
  }
  return table;
}

const LogMapping::Table* LogMapping::TableFor(uint32_t alpha_ppm, std::shared_ptr<const Table>* owner) {
  static const std::shared_ptr<const Table> kDefault = BuildTable(10000);
  if (alpha_ppm == 10000) return kDefault.get();
  // A handful of accuracies are in use in practice; cache those, build any others per mapping.
  constexpr size_t kMaxCached = 32;
  static std::mutex mu;
  static std::map<uint32_t, std::shared_ptr<const Table>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(alpha_ppm);
  if (it != cache.end()) {
    *owner = it->second;
  } else {
    *owner = BuildTable(alpha_ppm);
    if (cache.size() < kMaxCached) cache.emplace(alpha_ppm, *owner);
  }
  return owner->get();
}

LogMapping::LogMapping(uint32_t alpha_ppm)
    : table_(TableFor(alpha_ppm, &owner_)),
      slices_(table_->slices.data()),
      bins_per_octave_(table_->bins_per_octave),
      slice_shift_(52 - table_->slice_bits) {}

double LogMapping::UpperBound(int32_t index) const {
  // index = k * exponent + j with 0 <= j < k: the upper end is 2^exponent * (1 + boundary_j).
  const int32_t k = bins_per_octave_;
  int32_t exponent = index / k;
  int32_t j = index % k;
  if (j < 0) {
    j += k;
    exponent -= 1;
  }
  const double mantissa =
      std::bit_cast<double>(table_->boundaries[static_cast<size_t>(j)] | (uint64_t{1023} << 52));
  return std::ldexp(mantissa, exponent);
}

double LogMapping::Representative(int32_t index) const {
  const double lo = LowerBound(index);
  const double hi = UpperBound(index);
  // Harmonic mean: equal relative distance (hi-lo)/(hi+lo) <= alpha to both ends. Written so that
  // lo*hi cannot underflow for tiny bins.
  return lo * (2.0 * hi / (lo + hi));
}

}  // namespace tally::sketch
