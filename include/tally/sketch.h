// Sketch: a mergeable quantile sketch with relative-error guarantees (DDSketch family).
//
// A Sketch summarizes a multiset of non-negative values (latencies in microseconds, token counts)
// in logarithmic bins: a value v > 0 goes to the bin whose range holds v, where every bin spans a
// ratio of at most gamma = (1 + alpha) / (1 - alpha); zero has a bin of its own. A quantile is
// answered with a value from the right bin, so its error is relative to the true answer. Merging
// two sketches adds their bins, so merging is associative and commutative, and — because every
// part of the state is an integer or an exact min/max — a sketch serializes to the same bytes
// whichever way its values were split into partial sketches and merged back.
//
//   tally::Sketch day;                                     // alpha = 1%
//   for (std::string_view minute : stored_minute_sketches) {
//     TALLY_RETURN_IF_ERROR(day.MergeFrom(minute));        // straight from the serialized bytes
//   }
//   tally::Result<double> p99 = day.Quantile(0.99);
//
// Thread-safety: a Sketch is not safe for concurrent mutation (Add, Merge, MergeFrom, Clear,
// assignment); const methods may run concurrently with each other. Distinct sketches are independent.
// Ownership: a Sketch owns its bins (at most bin_limit 64-bit counts); it holds no reference to the
// byte strings it was deserialized or merged from. Copying copies the bins.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "tally/result.h"
#include "tally/status.h"

namespace tally {

namespace sketch_internal {

__extension__ typedef unsigned __int128 Uint128;

// Not part of the API. The part of a sketch's state that Add's common case reads and writes; it
// leads the state (engine/sketch), which keeps it in step with the mapping and the bins, so that
// the inline Sketch::Add reaches everything through one pointer.
struct AddPath {
  // The mapping's table (engine/sketch/log_mapping.h, LogMapping::IndexOfNormal).
  const uint64_t* slices = nullptr;
  int32_t slice_shift = 0;
  int32_t bins_per_octave = 0;
  // The 32-bit counts of the bins strictly inside the occupied range: bin inner_low + k is
  // inner_bins[k] for k < inner_span. inner_span is 0 when there are none (or counts are 64-bit).
  uint32_t* inner_bins = nullptr;
  int32_t inner_low = 0;
  uint32_t inner_span = 0;
  uint64_t count = 0;      // Count()
  Uint128 sum_units = 0;   // the sum in 2^-20 units
};

// value * 2^20 rounded to the nearest integer (ties to even) for 0 <= value < 2^32: one rounding
// conversion, in the default rounding mode the same as the general conversion of the engine.
inline uint64_t SumUnitsBelow2To32(double value) {
  const double scaled = value * 0x1p20;  // below 2^52
#if defined(__SSE2__) && defined(__x86_64__)
  return static_cast<uint64_t>(_mm_cvtsd_si64(_mm_set_sd(scaled)));
#else
  return static_cast<uint64_t>(static_cast<int64_t>((scaled + 0x1p52) - 0x1p52));
#endif
}

}  // namespace sketch_internal

// The configuration of a Sketch. Both fields shape the serialized data: they are stored in it, and
// sketches merge only when both fields are equal. Neither can change after creation.
struct SketchOptions {
  // alpha: every quantile answer y satisfies |y - x| <= alpha * x for the exact quantile x (see
  // Sketch). Stored in parts per million, so it must be a multiple of 1e-6 in [1e-4, 0.5].
  // Default: 0.01 (1%).
  double relative_accuracy = 0.01;

  // The most bins the sketch keeps. When the values span more bins than this, the lowest bins
  // are collapsed (see Sketch). At alpha = 1% one bin covers about 2%, and 2048 bins span a ratio
  // of about 4e17: 1 microsecond to more than 10,000 years, so latencies never collapse with the
  // defaults. Must be in [1, 65536]; memory is at most 8 bytes per bin. Default: 2048.
  uint32_t bin_limit = 2048;
};

// The accuracy guarantee. Let x_0 <= x_1 <= ... <= x_{n-1} be the values added (merged sketches
// count with all their values) and, for q in [0, 1], let x = x_k with k = floor(q * (n - 1)) be the
// exact lower q-quantile. Then Quantile(q) returns y with |y - x| <= alpha * x, provided the sketch
// has not collapsed (Collapsed() is false) and the values are at least 2^-1022 (normal doubles;
// smaller positive values are accepted but their answers are limited by subnormal precision).
// Quantile(0) and Quantile(1) are exactly the minimum and maximum.
//
// Collapse. The sketch keeps at most bin_limit bins: always the top ones, [h - bin_limit + 1, h]
// where h is the highest non-empty bin. Counts that fall below that range are added to its lowest
// bin. The rule is deterministic and depends only on the multiset of values, so collapsed sketches
// still merge exactly (same bytes in any order). After a collapse the lowest quantiles may be
// answered with the lowest kept bin's value (never below Min()); quantiles whose exact answer lies
// in the kept range keep the guarantee.
//
// Values. Add accepts finite values in [0, kMaxValue]; -0.0 counts as 0. Negative, NaN, infinite
// and larger values are rejected with InvalidArgument and leave the sketch unchanged.
//
// Sum. Sum() is kept as an integer number of 2^-20 units, so it too is independent of the order of
// adds and merges: each value is rounded to the nearest multiple of 2^-20 (about 1e-6) first.
// Sums of integers (microseconds, tokens) are exact up to 2^108.
class Sketch {
 public:
  // The largest value Add accepts: 2^62 (about 4.6e18).
  static constexpr double kMaxValue = 4611686018427387904.0;

  // An empty sketch with default options.
  Sketch();
  // An empty sketch; InvalidArgument when an option is out of range or alpha is not a multiple of
  // 1e-6.
  static Result<Sketch> Create(const SketchOptions& options);

  Sketch(const Sketch& other);
  Sketch& operator=(const Sketch& other);
  // A moved-from sketch is empty, with default options.
  Sketch(Sketch&& other) noexcept;
  Sketch& operator=(Sketch&& other) noexcept;
  ~Sketch();

  // The options in effect (relative_accuracy as stored: alpha_ppm / 1e6).
  SketchOptions options() const;

  // Adds `value` once / `count` times (count 0 adds nothing but still checks the value).
  // InvalidArgument, with nothing changed, when the value is negative, NaN, infinite or above
  // kMaxValue, or when the count or the sum would overflow (more than 2^64 - 1 values, sum above
  // 2^108).
  Status Add(double value) {
    // Inline so that the common case costs the caller no Status: a bool comes back instead.
    if (AddCommon(value)) [[likely]] return Status::OK();
    return AddOther(value);
  }
  Status Add(double value, uint64_t count);

  // Adds every value of `other` into this sketch. InvalidArgument, with nothing changed, when the
  // two sketches have different options (mapping or bin limit) or the count or sum would overflow.
  Status Merge(const Sketch& other);

  // Merge with a sketch given as Serialize() bytes, without building it: this is what a rollup
  // merge operator calls. Corruption (or NotSupported for a newer format) when the bytes do not
  // decode, InvalidArgument as for Merge; on any error nothing is changed.
  Status MergeFrom(std::string_view bytes);

  // out = serialization of (a merged with b), for merge operators that hold only bytes. Errors as
  // for Deserialize(a) and MergeFrom(b); *out is unchanged on error.
  static Status MergeSerialized(std::string_view a, std::string_view b, std::string* out);

  // The value at quantile q in [0, 1], within the guarantee above. InvalidArgument when q is NaN or
  // outside [0, 1]; NotFound when the sketch is empty.
  Result<double> Quantile(double q) const;

  // An estimate r of how many values are <= `value`:
  //   #{x_i <= value} <= r <= #{x_i <= gamma * value}   (gamma = (1 + alpha) / (1 - alpha)),
  // i.e. the values in value's own bin count as <= value. Exact when value < Min() or value >= Max().
  // Holds without collapse; a collapsed sketch counts folded values in the lowest kept bin.
  // InvalidArgument when value is NaN. Negative values give 0; 0 gives the number of zeros.
  Result<uint64_t> Rank(double value) const;

  uint64_t Count() const;
  bool empty() const { return Count() == 0; }
  // The sum of the values (rounded to 2^-20 each, see above) as the nearest double; 0 when empty.
  double Sum() const;
  // The exact smallest / largest value added. NotFound when the sketch is empty.
  Result<double> Min() const;
  Result<double> Max() const;
  // True when the values span more than bin_limit bins and low bins were folded (see above).
  bool Collapsed() const;

  // Removes all values; the options stay.
  void Clear();

  // The versioned, checksummed encoding (docs/format.md, "Sketch"). A pure function of the options
  // and the multiset of values added: sketches of the same values serialize to the same bytes.
  std::string Serialize() const;
  // Appends the encoding to *out.
  void SerializeTo(std::string* out) const;

  // The sketch encoded in `bytes`. Corruption when the bytes are truncated, damaged (checksum) or
  // inconsistent; NotSupported when they use a newer format version or unknown flags. Every length
  // and count is checked against the bin limit (at most 65536 bins) before anything is allocated.
  static Result<Sketch> Deserialize(std::string_view bytes);

 private:
  struct State;  // derives from sketch_internal::AddPath
  explicit Sketch(State* state);
  State& state();
  const State& state() const;
  void RecreateAfterMove();
  // Add's common case: a normal value below 2^32 whose bin lies strictly inside the occupied bin
  // range (so min, max and the range stay as they are), with fewer than 2^32 - 1 values so far
  // (the bins' 32-bit counts cannot overflow). Returns false, changing nothing, for anything else;
  // AddOther then handles the value in full.
  bool AddCommon(double value) noexcept {
    // One unsigned comparison of the bits accepts exactly the normal doubles in [2^-1022, 2^32):
    // zero, subnormals, negatives (sign bit), infinities, NaN and large values all fall outside.
    constexpr uint64_t kLowest = 0x0010000000000000;  // the bits of 2^-1022
    constexpr uint64_t kAbove = 0x41F0000000000000;   // the bits of 2^32
    constexpr uint64_t kMantissa = (uint64_t{1} << 52) - 1;
    const uint64_t bits = std::bit_cast<uint64_t>(value);
    if (bits - kLowest >= kAbove - kLowest) return false;
    sketch_internal::AddPath* const a = state_;
    if (a == nullptr) [[unlikely]] return false;
    // The bin: k per octave times the exponent, plus the mantissa's bin within the octave from the
    // table: its first bin and the one boundary the table slice may hold.
    const uint64_t mantissa = bits & kMantissa;
    const uint64_t entry = a->slices[mantissa >> a->slice_shift];
    const int32_t index = (static_cast<int32_t>(bits >> 52) - 1023) * a->bins_per_octave +
                          static_cast<int32_t>(entry >> 52) + (mantissa > (entry & kMantissa) ? 1 : 0);
    const uint32_t k = static_cast<uint32_t>(index) - static_cast<uint32_t>(a->inner_low);
    if (k >= a->inner_span) return false;  // an end bin of the range, outside it, or no inner bins
    const uint64_t count = a->count + 1;
    if (count > 0xFFFFFFFF) return false;  // the 32-bit bins could overflow: the general path widens
    sketch_internal::Uint128 sum;
    if (__builtin_add_overflow(a->sum_units, sketch_internal::SumUnitsBelow2To32(value), &sum)) return false;
    ++a->inner_bins[k];
    a->count = count;
    a->sum_units = sum;
    return true;
  }
  Status AddOther(double value);

  // The state (a State), owned; null only after a move: then behaves as empty, default options.
  sketch_internal::AddPath* state_ = nullptr;
};

}  // namespace tally
