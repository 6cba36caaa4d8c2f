// Delta: the first residual is value[0] - base; every later one is (value[i] - value[i-1]) minus
// the smallest such delta (written as a parameter). Sorted columns (timestamps, monotonic ids)
// thus spend no bit on a sign, and a perfectly regular series becomes all zeros; an unsorted
// column costs about one bit more than frame of reference.
#include <algorithm>

#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class Delta final : public IntegerTransform {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kDelta; }

  bool Forward(std::span<const uint64_t> values, const TransformContext& context,
               uint64_t* residuals, TransformParams* params) const override {
    params->min_residual = 0;
    if (values.empty()) return true;
    residuals[0] = values[0] - context.base;
    int64_t min_delta = INT64_MAX;
    for (size_t i = 1; i < values.size(); ++i) {
      residuals[i] = values[i] - values[i - 1];
      min_delta = std::min(min_delta, static_cast<int64_t>(residuals[i]));
    }
    if (values.size() == 1) min_delta = 0;
    for (size_t i = 1; i < values.size(); ++i) residuals[i] -= static_cast<uint64_t>(min_delta);
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
    if (values.empty()) return;
    const uint64_t min_delta = static_cast<uint64_t>(params.min_residual);
    uint64_t previous = values[0] += context.base;
    for (size_t i = 1; i < values.size(); ++i) {
      previous += values[i] + min_delta;
      values[i] = previous;
    }
  }
};

}  // namespace

const IntegerTransform& DeltaTransform() {
  static const Delta transform;
  return transform;
}

}  // namespace tally::codec
