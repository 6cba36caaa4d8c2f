// tally::Sketch: the public face of engine/sketch. The pieces live in their own files:
// log_mapping (value -> bin), bin_store (counts and collapse), fixed_point_sum (order-independent
// sum), sketch_format and bin_encoding (bytes).
#include "tally/sketch.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
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

struct Sketch::State : sketch_internal::AddPath {
  State(uint32_t alpha_ppm, uint32_t bin_limit) : mapping(alpha_ppm), bins(bin_limit) {
    slices = mapping.slices();
    slice_shift = mapping.slice_shift();
    bins_per_octave = mapping.bins_per_octave();
    SyncBins();
  }
  // A copy points its add path at its own bins.
  State(const State& other)
      : AddPath(other),
        mapping(other.mapping),
        bins(other.bins),
        zero_count(other.zero_count),
        min(other.min),
        max(other.max) {
    slices = mapping.slices();
    SyncBins();
  }
  State& operator=(const State&) = delete;

  LogMapping mapping;
  BinStore bins;
  uint64_t zero_count = 0;
  // +inf / -inf while empty, so that Add needs no special case for the first value.
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<uint64_t> scratch;  // decoded bins of MergeFrom, reused between calls

  // Points the add path at the bins again; called after every change of the bins (a change may
  // move them or their range).
  void SyncBins() {
    inner_bins = bins.inner_bins();
    inner_low = bins.inner_low();
    inner_span = bins.inner_span();
  }

  // Makes the bins 64-bit when `more` positive values could take their total past what 32-bit
  // counts hold. Invisible from outside (counts, answers and bytes stay the same), so it may run
  // before an operation that then fails. Callers SyncBins afterwards.
  void ReserveForPositive(uint64_t more) {
    if (bins.wide()) return;
    const uint64_t positive = count - zero_count;  // at most kNarrowLimit while narrow
    if (more > BinStore::kNarrowLimit - positive) bins.Widen();
  }

  SketchParts Parts() const {
    SketchParts p;
    p.alpha_ppm = mapping.alpha_ppm();
    p.bin_limit = bins.bin_limit();
    p.count = count;
    p.zero_count = zero_count;
    p.sum_units = sum_units;
    p.min = count > 0 ? min : 0;
    p.max = count > 0 ? max : 0;
    p.collapsed = bins.collapsed();
    p.first_index = bins.empty() ? 0 : bins.lowest();
    p.bins = bins.VisitNonEmpty([](auto counts) {
      sketch::CountsView view;
      if constexpr (std::is_same_v<decltype(counts), std::span<const uint64_t>>) {
        view.wide = counts;
      } else {
        view.narrow = counts;
      }
      return view;
    });
    return p;
  }

  bool CanAddSum(uint128 units) const {
    uint128 ignored;
    return !__builtin_add_overflow(sum_units, units, &ignored);
  }

  // True when Merge(p) would succeed (same options, no overflow).
  bool CanMerge(const SketchParts& p) const {
    return p.alpha_ppm == mapping.alpha_ppm() && p.bin_limit == bins.bin_limit() &&
           count <= std::numeric_limits<uint64_t>::max() - p.count && CanAddSum(p.sum_units);
  }

  // Merge's changes other than the bins. REQUIRES CanMerge(p).
  void MergeTotals(const SketchParts& p) {
    count += p.count;
    zero_count += p.zero_count;
    sum_units += p.sum_units;
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
    if (p.count == 0) return Ok();
    if (count > std::numeric_limits<uint64_t>::max() - p.count) {
      return Status::InvalidArgument("sketch: merged count would exceed 2^64 - 1");
    }
    if (!CanAddSum(p.sum_units)) return Status::InvalidArgument("sketch: merged sum would exceed 2^108");
    if (!p.bins.empty()) {
      ReserveForPositive(p.count - p.zero_count);
      p.bins.Visit([&](auto counts) { bins.AddRange(p.first_index, counts, p.collapsed); });
      SyncBins();
    }
    MergeTotals(p);
    return Ok();
  }

  void Clear() {
    bins.Clear();
    count = 0;
    zero_count = 0;
    sum_units = 0;
    min = std::numeric_limits<double>::infinity();
    max = -std::numeric_limits<double>::infinity();
    SyncBins();
  }
};

Sketch::Sketch() : state_(new State(kDefaultAlphaPpm, kDefaultBinLimit)) {}
Sketch::Sketch(State* state) : state_(state) {}
Sketch::Sketch(const Sketch& other) : state_(other.state_ ? new State(other.state()) : nullptr) {}
Sketch& Sketch::operator=(const Sketch& other) {
  if (this != &other) {
    State* copy = other.state_ ? new State(other.state()) : nullptr;
    delete static_cast<State*>(state_);
    state_ = copy;
  }
  return *this;
}
Sketch::Sketch(Sketch&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
Sketch& Sketch::operator=(Sketch&& other) noexcept {
  if (this != &other) {
    delete static_cast<State*>(state_);
    state_ = std::exchange(other.state_, nullptr);
  }
  return *this;
}
Sketch::~Sketch() { delete static_cast<State*>(state_); }

Sketch::State& Sketch::state() {
  if (!state_) [[unlikely]] RecreateAfterMove();
  return static_cast<State&>(*state_);
}

void Sketch::RecreateAfterMove() { state_ = new State(kDefaultAlphaPpm, kDefaultBinLimit); }

const Sketch::State& Sketch::state() const {
  static const State kEmpty(kDefaultAlphaPpm, kDefaultBinLimit);
  return state_ ? static_cast<const State&>(*state_) : kEmpty;
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
  return Sketch(new State(static_cast<uint32_t>(ppm), options.bin_limit));
}

SketchOptions Sketch::options() const {
  SketchOptions o;
  o.relative_accuracy = static_cast<double>(state().mapping.alpha_ppm()) / 1e6;
  o.bin_limit = state().bins.bin_limit();
  return o;
}

Status Sketch::AddOther(double value) {
  // One comparison pair rejects negatives, NaN (all comparisons false), infinities and huge values.
  if (!(value >= 0 && value <= kMaxValue)) return InvalidValue(value);
  return Add(value, 1);
}

Status Sketch::Add(double value, uint64_t count) {
  if (!(value >= 0 && value <= kMaxValue)) return InvalidValue(value);
  if (count == 0) return Status::OK();
  State& s = state();
  if (s.count > std::numeric_limits<uint64_t>::max() - count) {
    return Status::InvalidArgument("sketch: count would exceed 2^64 - 1");
  }
  FixedPointSum sum(s.sum_units);
  if (!sum.Add(value, count)) return Status::InvalidArgument("sketch: sum would exceed 2^108");
  if (value > 0) {
    s.ReserveForPositive(count);
    s.bins.Add(s.mapping.Index(value), count);
    s.SyncBins();
  } else {
    value = 0.0;  // -0.0 and +0.0 are the same value; keep one bit pattern for min/max
    s.zero_count += count;
  }
  s.sum_units = sum.units();
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

namespace {

// MergeFrom's common case for counts of type T (the target's width): the dense counts added
// straight into the target's bins, when its window can take them without folding. Returns
// false when the window cannot (nothing changed); else the decoder's verdict, with the bins
// unchanged on error. The window may have been reallocated either way.
template <typename T>
bool MergeDenseDirect(BinStore& store, const SketchParts& parts, const sketch::EncodedBins& bins, Status* status) {
  const int32_t last = parts.first_index + static_cast<int32_t>(bins.span) - 1;
  T* const dst = store.WindowFor<T>(parts.first_index, last);
  if (dst == nullptr) return false;
  *status = sketch::AddDecodedDenseBins(bins, parts, dst);
  if (status->ok()) store.NoteAdded(parts.first_index, last, parts.collapsed);
  return true;
}

}  // namespace

Status Sketch::MergeFrom(std::string_view bytes) {
  State& s = state();
  SketchParts parts;
  sketch::EncodedBins bins;
  TALLY_RETURN_IF_ERROR(sketch::DecodeSketchHeader(bytes, &s.mapping, &parts, &bins));
  if (bins.span != 0 && !bins.sparse && s.CanMerge(parts)) {
    // The common case. The decoder undoes its additions on any error, so bad bytes change nothing
    // visible (the window may have been reallocated and the counts widened).
    s.ReserveForPositive(parts.count - parts.zero_count);
    Status status;
    const bool direct = s.bins.wide() ? MergeDenseDirect<uint64_t>(s.bins, parts, bins, &status)
                                      : MergeDenseDirect<uint32_t>(s.bins, parts, bins, &status);
    s.SyncBins();
    if (direct) {
      if (!status.ok()) return status;
      s.MergeTotals(parts);
      return Ok();
    }
  }
  // Otherwise decode into scratch space first, so that bad bytes leave the sketch untouched.
  if (bins.span != 0) {
    TALLY_RETURN_IF_ERROR(sketch::DecodeBins(bins, parts, &s.scratch));
    parts.bins = sketch::CountsView{{}, s.scratch};
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
  const size_t bin = s.bins.VisitNonEmpty([rank](auto bins) {
    uint64_t seen = 0;
    for (size_t i = 0; i < bins.size(); ++i) {
      seen += bins[i];
      if (seen > rank) return i;
    }
    return bins.size();
  });
  if (bin == static_cast<size_t>(s.bins.highest() - s.bins.lowest()) + 1) return s.max;  // unreachable
  const double value = s.mapping.Representative(s.bins.lowest() + static_cast<int32_t>(bin));
  // Clamping only moves the answer towards the exact one, which lies in [min, max].
  return std::clamp(value, s.min, s.max);
}

Result<uint64_t> Sketch::Rank(double value) const {
  if (std::isnan(value)) return Status::InvalidArgument("sketch: rank of NaN");
  const State& s = state();
  if (s.count == 0 || value < s.min) return uint64_t{0};
  if (value >= s.max) return s.count;
  if (value == 0) return s.zero_count;
  // Here 0 < value < max <= kMaxValue.
  const int32_t index = s.mapping.Index(value);
  const int64_t through = static_cast<int64_t>(index) - s.bins.lowest();
  return s.bins.VisitNonEmpty([&](auto bins) {
    uint64_t rank = s.zero_count;
    for (int64_t i = 0; i <= through && i < static_cast<int64_t>(bins.size()); ++i) rank += bins[i];
    return rank;
  });
}

uint64_t Sketch::Count() const { return state().count; }
double Sketch::Sum() const { return FixedPointSum(state().sum_units).ToDouble(); }

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
  sketch::EncodedBins bins;
  TALLY_RETURN_IF_ERROR(sketch::DecodeSketchHeader(bytes, &DefaultMapping(), &parts, &bins));
  std::unique_ptr<State> state = std::make_unique<State>(parts.alpha_ppm, parts.bin_limit);
  if (bins.span != 0) {
    // Decoded in place into the new sketch's bins: 32-bit counts unless they total 2^32 or more.
    Status status;
    if (parts.count - parts.zero_count <= BinStore::kNarrowLimit) {
      uint32_t* dst = state->bins.Replace<uint32_t>(parts.first_index, bins.span, parts.collapsed);
      status = sketch::DecodeBinsInto(bins, parts, dst);
    } else {
      uint64_t* dst = state->bins.Replace<uint64_t>(parts.first_index, bins.span, parts.collapsed);
      status = sketch::DecodeBinsInto(bins, parts, dst);
    }
    if (!status.ok()) return status;
    state->SyncBins();
  }
  state->count = parts.count;
  state->zero_count = parts.zero_count;
  state->sum_units = parts.sum_units;
  if (parts.count > 0) {
    state->min = parts.min;
    state->max = parts.max;
  }
  return Sketch(state.release());
}

}  // namespace tally
