// Delta: residual = (value - previous value) - min delta, the first value's predecessor being the
// base. Sorted columns (timestamps, monotonic ids) have a min delta >= 0, so unlike zigzag no bit
// is spent on a sign; an unsorted column costs about one bit more than frame of reference.
#include <algorithm>

#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class Delta final : public IntegerTransform {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kDelta; }

  bool Forward(std::span<const uint64_t> values, const TransformContext& context,
               uint64_t* residuals, TransformParams* params) const override {
    uint64_t previous = context.base;
    int64_t min_delta = INT64_MAX;
    for (size_t i = 0; i < values.size(); ++i) {
      uint64_t delta = values[i] - previous;
      previous = values[i];
      residuals[i] = delta;
      min_delta = std::min(min_delta, static_cast<int64_t>(delta));
    }
    if (values.empty()) min_delta = 0;
    for (size_t i = 0; i < values.size(); ++i) residuals[i] -= static_cast<uint64_t>(min_delta);
    params->min_residual = min_delta;
    return true;
  }
  void WriteParams(const TransformParams& params, std::string* out) const override {
    PutSignedVarint64(out, params.min_residual);
  }
  void ReadParams(Decoder* in, TransformParams* params) const override {
    params->min_residual = in->ReadSignedVarint64("delta: min delta");
  }

  void Inverse(const TransformParams& params, const TransformContext& context,
               std::span<uint64_t> values) const override {
    const uint64_t min_delta = static_cast<uint64_t>(params.min_residual);
    uint64_t previous = context.base;
    for (uint64_t& value : values) {
      previous += value + min_delta;
      value = previous;
    }
  }
};

}  // namespace

const IntegerTransform& DeltaTransform() {
  static const Delta transform;
  return transform;
}

}  // namespace tally::codec
