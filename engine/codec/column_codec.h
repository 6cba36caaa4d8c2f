// Column codecs: how one column of one block becomes bytes.
//
// An integer column is encoded in two stages, each chosen per column per block by estimated size:
//   1. a transform turns the values into unsigned residuals that are small and skewed toward zero
//      (frame of reference, delta, delta of delta, linear prediction from other columns), writing
//      whatever parameters it needs to undo itself;
//   2. a packing writes the residuals (fixed-width bit-packing, bit-packing in frames, Rice codes,
//      exponent/mantissa split with zstd over the exponents, or byte planes with zstd per plane).
// The outcome column has its own codecs (2-bit packing, run lengths).
//
// A column's bytes start with one codec byte: transform (or outcome codec) in the high nibble,
// packing in the low nibble. Both numberings are persisted (docs/format.md ("Block")): do not change.
//
// Codecs are stateless singletons; every method is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/codec/coding.h"
#include "tally/status.h"

namespace tally::codec {

// The high nibble of a column's codec byte. Do not change: on-disk format.
enum class ColumnCodecId : uint8_t {
  kFrameOfReference = 1,  // residual = value - base
  kDelta = 2,             // residual = (value - previous) - min delta; first: value - base
  kDeltaOfDelta = 3,      // residual = (delta - previous delta) - min; first: value - base
  kLinearPredicted = 4,   // residual = value - floor((A·input + B·output + R) / D) - min residual
  kOutcomeTwoBit = 5,     // outcome column: 2 bits per row
  kOutcomeRunLength = 6,  // outcome column: runs of equal values
};

// The low nibble of a column's codec byte for integer columns. Do not change: on-disk format.
enum class PackingId : uint8_t {
  kBitPacked = 1,         // one width for the column, every residual in that many bits
  kFramedBitPacked = 2,   // frames of 128 residuals, each with its own width
  kRice = 3,              // Rice code with one parameter k for the column
  kExponentMantissa = 4,  // bit length per residual (bit-packed or zstd) + the bits below the top one
  kBytePlanes = 5,        // whole bytes transposed into planes, each raw or zstd
};

inline uint8_t MakeCodecByte(ColumnCodecId codec, PackingId packing) {
  return static_cast<uint8_t>(static_cast<uint8_t>(codec) << 4 | static_cast<uint8_t>(packing));
}

// What a transform may use besides the column itself. Both sides compute it identically: `base` is
// the column minimum from the block header (0 for event ids); the predictors are columns decoded
// before this one (empty when not available).
struct TransformContext {
  uint64_t base = 0;
  std::span<const uint64_t> predictor_a;  // input_tokens
  std::span<const uint64_t> predictor_b;  // output_tokens
};

// The parameters a transform writes next to its residuals; each transform uses a subset.
struct TransformParams {
  int64_t min_residual = 0;     // subtracted so that residuals start at 0
  int64_t coefficient_a = 0;    // linear prediction: weight of predictor_a, scaled by 2^shift;
                                // delta of delta: the first delta
  int64_t coefficient_b = 0;    // linear prediction: weight of predictor_b, scaled by 2^shift
  int64_t rounding = 0;         // linear prediction: added before the shift
  uint8_t shift = 0;            // linear prediction: fixed-point fraction bits
  bool decimal = false;         // linear prediction: coefficients written as decimal prices
};

// Stage 1. Values are the column as unsigned 64-bit numbers; arithmetic wraps modulo 2^64 so every
// input round-trips whatever the residuals look like, and decoding damaged bytes has no undefined
// behaviour.
class IntegerTransform {
 public:
  virtual ~IntegerTransform() = default;
  virtual ColumnCodecId id() const = 0;
  // Writes the residuals of `values` into residuals[0..n) and sets *params. Returns false when the
  // transform does not apply to this input (e.g. no predictors).
  virtual bool Forward(std::span<const uint64_t> values, const TransformContext& context,
                       uint64_t* residuals, TransformParams* params) const = 0;
  virtual void WriteParams(const TransformParams& params, std::string* out) const = 0;
  // Errors (impossible parameters) are recorded in *in.
  virtual void ReadParams(Decoder* in, TransformParams* params) const = 0;
  // Turns residuals back into values in place.
  virtual void Inverse(const TransformParams& params, const TransformContext& context,
                       std::span<uint64_t> values) const = 0;
};

// Facts about residuals that packings use to estimate their size cheaply.
struct ResidualStats {
  uint64_t max = 0;
  std::array<uint32_t, 65> bit_length_histogram{};  // how many residuals have each bit length
  static ResidualStats Of(std::span<const uint64_t> residuals);
};

// Stage 2.
class IntegerPacker {
 public:
  virtual ~IntegerPacker() = default;
  virtual PackingId id() const = 0;
  // Bytes Pack would append, or an estimate close to it (used to pick the smallest).
  virtual size_t EstimateBytes(std::span<const uint64_t> residuals, const ResidualStats& stats) const = 0;
  virtual void Pack(std::span<const uint64_t> residuals, const ResidualStats& stats,
                    std::string* out) const = 0;
  // Reads exactly out.size() residuals from the rest of `in`; errors are recorded in *in.
  virtual void Unpack(Decoder* in, std::span<uint64_t> out) const = 0;
};

// The outcome column's codecs: values are 0..2, one byte per row.
class OutcomeCodec {
 public:
  virtual ~OutcomeCodec() = default;
  virtual ColumnCodecId id() const = 0;
  virtual size_t EstimateBytes(std::span<const uint8_t> outcomes) const = 0;
  virtual void Encode(std::span<const uint8_t> outcomes, std::string* out) const = 0;
  // Reads exactly out.size() outcomes from the rest of `in`; errors are recorded in *in.
  virtual void Decode(Decoder* in, std::span<uint8_t> out) const = 0;
};

// The codecs, one per file.
const IntegerTransform& FrameOfReferenceTransform();
const IntegerTransform& DeltaTransform();
const IntegerTransform& DeltaOfDeltaTransform();
const IntegerTransform& LinearPredictedTransform();
const IntegerPacker& BitPacker();
const IntegerPacker& FramedBitPacker();
const IntegerPacker& RicePacker();
const IntegerPacker& ExponentMantissaPacker();
const IntegerPacker& BytePlanePacker();
const OutcomeCodec& OutcomeTwoBitCodec();
const OutcomeCodec& OutcomeRunLengthCodec();

// Lookup by persisted id: nullptr for an id this build does not know.
const IntegerTransform* FindTransform(uint8_t id);
const IntegerPacker* FindPacker(uint8_t id);
const OutcomeCodec* FindOutcomeCodec(uint8_t id);

}  // namespace tally::codec
