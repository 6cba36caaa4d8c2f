// tally::Sketch: the public face of engine/sketch. The pieces live in their own files:
// log_mapping (value -> bin), bin_store (counts and collapse), fixed_point_sum (order-independent
// sum), sketch_format and bin_encoding (bytes).
#include "tally/sketch.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "engine/sketch/bin_store.h"
#include "engine/sketch/fixed_point_sum.h"
#include "engine/sketch/log_mapping.h"
#include "engine/sketch/sketch_format.h"
#include "engine/util/status_macros.h"

namespace tally {

using sketch::BinStore;
using sketch::FixedPointSum;
using sketch::LogMapping;
using sketch::SketchParts;
using sketch::uint128;

static_assert(Sketch::kMaxValue == sketch::kMaxValue);

namespace {

constexpr uint32_t kDefaultAlphaPpm = 10000;
constexpr uint32_t kDefaultBinLimit = 2048;
static_assert(kDefaultBinLimit == SketchOptions{}.bin_limit);

// The default mapping, built once: spares a logarithm per Deserialize of a default sketch.
const LogMapping& DefaultMapping() {
  static const LogMapping mapping(kDefaultAlphaPpm);
  return mapping;
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

Status InvalidValue(double value) {
  if (std::isnan(value)) return Status::InvalidArgument("sketch: value is NaN");
  if (std::isinf(value)) return Status::InvalidArgument("sketch: value " + FormatDouble(value) + " is infinite");
  if (value < 0) return Status::InvalidArgument("sketch: value " + FormatDouble(value) + " is negative");
  return Status::InvalidArgument("sketch: value " + FormatDouble(value) + " exceeds the maximum 2^62");
}

// Status::OK() value-initializes, which zero-fills the Status first; a default-initialized one is
// the same OK status without the fill (MergeFrom runs once per stored sketch merged).
Status Ok() {
  Status ok;
  return ok;
}

}  // namespace

struct Sketch::State {
  State(uint32_t alpha_ppm, uint32_t bin_limit) : mapping(alpha_ppm), bins(bin_limit) {}

  LogMapping mapping;
  BinStore bins;
  uint64_t count = 0;
  uint64_t zero_count = 0;
  FixedPointSum sum;
  // +inf / -inf while empty, so that Add needs no special case for the first value.
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<uint64_t> scratch;  // decoded bins of MergeFrom, reused between calls

  SketchParts Parts() const {
    SketchParts p;
    p.alpha_ppm = mapping.alpha_ppm();
    p.bin_limit = bins.bin_limit();
    p.count = count;
    p.zero_count = zero_count;
    p.sum_units = sum.units();
    p.min = count > 0 ? min : 0;
    p.max = count > 0 ? max : 0;
    p.collapsed = bins.collapsed();
    p.first_index = bins.empty() ? 0 : bins.lowest();
    p.bins = bins.NonEmptyRange();
    return p;
  }

  // True when Merge(p) would succeed (same options, no overflow).
  bool CanMerge(const SketchParts& p) const {
    return p.alpha_ppm == mapping.alpha_ppm() && p.bin_limit == bins.bin_limit() &&
           count <= std::numeric_limits<uint64_t>::max() - p.count && sum.CanAdd(p.sum_units);
  }

  // Merge's changes other than the bins. REQUIRES CanMerge(p).
  void MergeTotals(const SketchParts& p) {
    count += p.count;
    zero_count += p.zero_count;
    sum.AddUnits(p.sum_units);
    min = std::min(min, p.min);
    max = std::max(max, p.max);
  }

  Status Merge(const SketchParts& p) {
    if (p.alpha_ppm != mapping.alpha_ppm() || p.bin_limit != bins.bin_limit()) {
      return Status::InvalidArgument(
          "sketch: cannot merge a sketch with relative accuracy " + std::to_string(p.alpha_ppm) +
          " ppm and bin limit " + std::to_string(p.bin_limit) + " into one with " +
          std::to_string(mapping.alpha_ppm()) + " ppm and " + std::to_string(bins.bin_limit()));
    }
    if (p.count == 0) return Status::OK();
    if (count > std::numeric_limits<uint64_t>::max() - p.count) {
      return Status::InvalidArgument("sketch: merged count would exceed 2^64 - 1");
    }
    if (!sum.CanAdd(p.sum_units)) return Status::InvalidArgument("sketch: merged sum would exceed 2^108");
    MergeTotals(p);
    if (!p.bins.empty()) bins.AddRange(p.first_index, p.bins, p.collapsed);
    return Status::OK();
  }

  void Clear() {
    bins.Clear();
    count = 0;
    zero_count = 0;
    sum.set_units(0);
    min = std::numeric_limits<double>::infinity();
    max = -std::numeric_limits<double>::infinity();
  }
};

Sketch::Sketch() : state_(std::make_unique<State>(kDefaultAlphaPpm, kDefaultBinLimit)) {}
Sketch::Sketch(std::unique_ptr<State> state) : state_(std::move(state)) {}
Sketch::Sketch(const Sketch& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}
Sketch& Sketch::operator=(const Sketch& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}
Sketch::Sketch(Sketch&& other) noexcept = default;
Sketch& Sketch::operator=(Sketch&& other) noexcept = default;
Sketch::~Sketch() = default;

Sketch::State& Sketch::state() {
  if (!state_) [[unlikely]] RecreateAfterMove();
  return *state_;
}

void Sketch::RecreateAfterMove() { state_ = std::make_unique<State>(kDefaultAlphaPpm, kDefaultBinLimit); }

const Sketch::State& Sketch::state() const {
  static const State kEmpty(kDefaultAlphaPpm, kDefaultBinLimit);
  return state_ ? *state_ : kEmpty;
}

Result<Sketch> Sketch::Create(const SketchOptions& options) {
  const double alpha = options.relative_accuracy;
  const double ppm = std::round(alpha * 1e6);
  if (!(alpha >= 1e-4 && alpha <= 0.5) || std::fabs(alpha * 1e6 - ppm) > 1e-6) {
    return Status::InvalidArgument("sketch: relative_accuracy " + FormatDouble(alpha) +
                                   " must be a multiple of 1e-6 in [1e-4, 0.5]");
  }
  if (options.bin_limit < sketch::kMinBinLimit || options.bin_limit > sketch::kMaxBinLimit) {
    return Status::InvalidArgument("sketch: bin_limit " + std::to_string(options.bin_limit) +
                                   " must be in [1, 65536]");
  }
  return Sketch(std::make_unique<State>(static_cast<uint32_t>(ppm), options.bin_limit));
}

SketchOptions Sketch::options() const {
  SketchOptions o;
  o.relative_accuracy = static_cast<double>(state().mapping.alpha_ppm()) / 1e6;
  o.bin_limit = state().bins.bin_limit();
  return o;
}

bool Sketch::AddCommon(double value) noexcept {
  // One unsigned comparison of the bits accepts exactly the normal doubles in [2^-1022, 2^32):
  // zero, subnormals, negatives (sign bit), infinities, NaN and large values all fall outside.
  constexpr uint64_t kLowest = std::bit_cast<uint64_t>(0x1p-1022);
  constexpr uint64_t kAbove = std::bit_cast<uint64_t>(0x1p32);
  const uint64_t bits = std::bit_cast<uint64_t>(value);
  if (bits - kLowest >= kAbove - kLowest) return false;
  State* s = state_.get();
  if (s == nullptr || s->count == std::numeric_limits<uint64_t>::max()) return false;
  const size_t slot = s->bins.InnerSlot(s->mapping.IndexOfNormal(value));
  if (slot == BinStore::kNoSlot) return false;  // a bin at an end of the range, or outside it
  uint128 sum;
  if (__builtin_add_overflow(s->sum.units(), FixedPointSum::ToUnitsBelow2To32(value), &sum)) return false;
  // Committed. A value in an inner bin is above the lowest bin, which holds min (or min is 0),
  // and below the highest bin, which holds max: neither changes.
  s->bins.IncrementSlot(slot);
  s->sum.set_units(sum);
  ++s->count;
  return true;
}

Status Sketch::AddOther(double value) {
  // One comparison pair rejects negatives, NaN (all comparisons false), infinities and huge values.
  if (!(value >= 0 && value <= kMaxValue)) return InvalidValue(value);
  State& s = state();
  if (s.count == std::numeric_limits<uint64_t>::max()) {
    return Status::InvalidArgument("sketch: count would exceed 2^64 - 1");
  }
  if (!s.sum.Add(value, 1)) return Status::InvalidArgument("sketch: sum would exceed 2^108");
  if (value > 0) {
    s.bins.Add(s.mapping.Index(value), 1);
  } else {
    value = 0.0;  // -0.0 and +0.0 are the same value; keep one bit pattern for min/max
    ++s.zero_count;
  }
  ++s.count;
  s.min = std::min(s.min, value);
  s.max = std::max(s.max, value);
  return Status::OK();
}

Status Sketch::Add(double value, uint64_t count) {
  if (!(value >= 0 && value <= kMaxValue)) return InvalidValue(value);
  if (count == 0) return Status::OK();
  State& s = state();
  if (s.count > std::numeric_limits<uint64_t>::max() - count) {
    return Status::InvalidArgument("sketch: count would exceed 2^64 - 1");
  }
  if (!s.sum.Add(value, count)) return Status::InvalidArgument("sketch: sum would exceed 2^108");
  if (value > 0) {
    s.bins.Add(s.mapping.Index(value), count);
  } else {
    value = 0.0;
    s.zero_count += count;
  }
  s.count += count;
  s.min = std::min(s.min, value);
  s.max = std::max(s.max, value);
  return Status::OK();
}

Status Sketch::Merge(const Sketch& other) {
  if (&other == this) {
    const Sketch copy(other);  // the bins would change under the reader
    return state().Merge(copy.state().Parts());
  }
  return state().Merge(other.state().Parts());
}

Status Sketch::MergeFrom(std::string_view bytes) {
  State& s = state();
  SketchParts parts;
  sketch::EncodedBins bins;
  TALLY_RETURN_IF_ERROR(sketch::DecodeSketchHeader(bytes, &s.mapping, &parts, &bins));
  if (bins.span != 0 && !bins.sparse && s.CanMerge(parts)) {
    // The common case: dense counts added straight into the bins, when the window can take them
    // without folding. The decoder undoes its additions on any error, so bad bytes change nothing
    // (the window may have been reallocated, which is not visible).
    const int32_t last = parts.first_index + static_cast<int32_t>(bins.span) - 1;
    if (uint64_t* dst = s.bins.WindowFor(parts.first_index, last)) {
      TALLY_RETURN_IF_ERROR(sketch::AddDecodedDenseBins(bins, parts, dst));
      s.bins.NoteAdded(parts.first_index, last, parts.collapsed);
      s.MergeTotals(parts);
      return Ok();
    }
  }
  // Otherwise decode into scratch space first, so that bad bytes leave the sketch untouched.
  if (bins.span != 0) {
    TALLY_RETURN_IF_ERROR(sketch::DecodeBins(bins, parts, &s.scratch));
    parts.bins = s.scratch;
  }
  return s.Merge(parts);
}

Status Sketch::MergeSerialized(std::string_view a, std::string_view b, std::string* out) {
  Result<Sketch> merged = Deserialize(a);
  if (!merged.ok()) return merged.status().WithContext("first operand");
  TALLY_RETURN_IF_ERROR(merged->MergeFrom(b).WithContext("second operand"));
  std::string bytes;
  merged->SerializeTo(&bytes);
  *out = std::move(bytes);
  return Status::OK();
}

Result<double> Sketch::Quantile(double q) const {
  if (!(q >= 0 && q <= 1)) {
    return Status::InvalidArgument("sketch: quantile " + FormatDouble(q) + " is not in [0, 1]");
  }
  const State& s = state();
  if (s.count == 0) return Status::NotFound("sketch: quantile of an empty sketch");
  const uint64_t last = s.count - 1;
  const double position = std::floor(q * static_cast<double>(last));
  const uint64_t k = position >= static_cast<double>(last) ? last : static_cast<uint64_t>(position);
  if (k == 0) return s.min;
  if (k == last) return s.max;
  if (k < s.zero_count) return 0.0;
  const uint64_t rank = k - s.zero_count;  // among the positive values
  std::span<const uint64_t> bins = s.bins.NonEmptyRange();
  uint64_t seen = 0;
  for (size_t i = 0; i < bins.size(); ++i) {
    seen += bins[i];
    if (seen > rank) {
      const double value = s.mapping.Representative(s.bins.lowest() + static_cast<int32_t>(i));
      // Clamping only moves the answer towards the exact one, which lies in [min, max].
      return std::clamp(value, s.min, s.max);
    }
  }
  return s.max;  // unreachable: the bins hold count - zero_count values
}

Result<uint64_t> Sketch::Rank(double value) const {
  if (std::isnan(value)) return Status::InvalidArgument("sketch: rank of NaN");
  const State& s = state();
  if (s.count == 0 || value < s.min) return uint64_t{0};
  if (value >= s.max) return s.count;
  if (value == 0) return s.zero_count;
  // Here 0 < value < max <= kMaxValue.
  const int32_t index = s.mapping.Index(value);
  uint64_t rank = s.zero_count;
  std::span<const uint64_t> bins = s.bins.NonEmptyRange();
  const int64_t through = static_cast<int64_t>(index) - s.bins.lowest();
  for (int64_t i = 0; i <= through && i < static_cast<int64_t>(bins.size()); ++i) rank += bins[i];
  return rank;
}

uint64_t Sketch::Count() const { return state().count; }
double Sketch::Sum() const { return state().sum.ToDouble(); }

Result<double> Sketch::Min() const {
  if (state().count == 0) return Status::NotFound("sketch: min of an empty sketch");
  return state().min;
}

Result<double> Sketch::Max() const {
  if (state().count == 0) return Status::NotFound("sketch: max of an empty sketch");
  return state().max;
}

bool Sketch::Collapsed() const { return state().bins.collapsed(); }

void Sketch::Clear() { state().Clear(); }

std::string Sketch::Serialize() const {
  std::string out;
  SerializeTo(&out);
  return out;
}

void Sketch::SerializeTo(std::string* out) const { sketch::EncodeSketch(state().Parts(), out); }

Result<Sketch> Sketch::Deserialize(std::string_view bytes) {
  SketchParts parts;
  std::vector<uint64_t> bins;
  TALLY_RETURN_IF_ERROR(sketch::DecodeSketch(bytes, &DefaultMapping(), &parts, &bins));
  auto state = std::make_unique<State>(parts.alpha_ppm, parts.bin_limit);
  state->count = parts.count;
  state->zero_count = parts.zero_count;
  state->sum.set_units(parts.sum_units);
  if (parts.count > 0) {
    state->min = parts.min;
    state->max = parts.max;
  }
  if (!bins.empty()) state->bins.Adopt(parts.first_index, std::move(bins), parts.collapsed);
  return Sketch(std::move(state));
}

}  // namespace tally
