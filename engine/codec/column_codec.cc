#include "engine/codec/column_codec.h"

#include <bit>

namespace tally::codec {

ResidualStats ResidualStats::Of(std::span<const uint64_t> residuals) {
  ResidualStats stats;
  uint64_t max = 0;
  for (uint64_t r : residuals) {
    max = r > max ? r : max;
    ++stats.bit_length_histogram[std::bit_width(r)];
  }
  stats.max = max;
  return stats;
}

const IntegerTransform* FindTransform(uint8_t id) {
  switch (static_cast<ColumnCodecId>(id)) {
    case ColumnCodecId::kFrameOfReference: return &FrameOfReferenceTransform();
    case ColumnCodecId::kDelta: return &DeltaTransform();
    case ColumnCodecId::kDeltaOfDelta: return &DeltaOfDeltaTransform();
    case ColumnCodecId::kLinearPredicted: return &LinearPredictedTransform();
    default: return nullptr;
  }
}

const IntegerPacker* FindPacker(uint8_t id) {
  switch (static_cast<PackingId>(id)) {
    case PackingId::kBitPacked: return &BitPacker();
    case PackingId::kFramedBitPacked: return &FramedBitPacker();
    case PackingId::kRice: return &RicePacker();
    case PackingId::kExponentMantissa: return &ExponentMantissaPacker();
    case PackingId::kBytePlanes: return &BytePlanePacker();
    default: return nullptr;
  }
}

const OutcomeCodec* FindOutcomeCodec(uint8_t id) {
  switch (static_cast<ColumnCodecId>(id)) {
    case ColumnCodecId::kOutcomeTwoBit: return &OutcomeTwoBitCodec();
    case ColumnCodecId::kOutcomeRunLength: return &OutcomeRunLengthCodec();
    default: return nullptr;
  }
}

}  // namespace tally::codec
