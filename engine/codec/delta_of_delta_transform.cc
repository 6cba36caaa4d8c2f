// Delta of delta: the first residual is value[0] - base; the second delta is a parameter and acts
// as the delta "before" it; every later residual is (delta[i] - delta[i-1]) minus the smallest
// such difference (a parameter too). Near-regular series (a poller every 10 s with jitter) become
// small numbers around zero; for Poisson-like arrivals plain delta is smaller, and the analysis
// step picks between them.
#include <algorithm>

#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class DeltaOfDelta final : public IntegerTransform {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kDeltaOfDelta; }

  bool Forward(std::span<const uint64_t> values, const TransformContext& context,
               uint64_t* residuals, TransformParams* params) const override {
    params->min_residual = 0;
    params->coefficient_a = 0;
    if (values.empty()) return true;
    residuals[0] = values[0] - context.base;
    if (values.size() == 1) return true;
    uint64_t previous_delta = values[1] - values[0];
    params->coefficient_a = static_cast<int64_t>(previous_delta);
    int64_t min_residual = INT64_MAX;
    for (size_t i = 1; i < values.size(); ++i) {
      const uint64_t delta = values[i] - values[i - 1];
      residuals[i] = delta - previous_delta;
      previous_delta = delta;
      min_residual = std::min(min_residual, static_cast<int64_t>(residuals[i]));
    }
    for (size_t i = 1; i < values.size(); ++i) residuals[i] -= static_cast<uint64_t>(min_residual);
    params->min_residual = min_residual;
    return true;
  }
  void WriteParams(const TransformParams& params, std::string* out) const override {
    PutSignedVarint64(out, params.coefficient_a);
    PutSignedVarint64(out, params.min_residual);
  }
  void ReadParams(Decoder* in, TransformParams* params) const override {
    params->coefficient_a = in->ReadSignedVarint64("delta of delta: first delta");
    params->min_residual = in->ReadSignedVarint64("delta of delta: min");
  }

  void Inverse(const TransformParams& params, const TransformContext& context,
               std::span<uint64_t> values) const override {
    if (values.empty()) return;
    const uint64_t min_residual = static_cast<uint64_t>(params.min_residual);
    uint64_t delta = static_cast<uint64_t>(params.coefficient_a);
    uint64_t previous = values[0] += context.base;
    for (size_t i = 1; i < values.size(); ++i) {
      delta += values[i] + min_residual;
      previous += delta;
      values[i] = previous;
    }
  }
};

}  // namespace

const IntegerTransform& DeltaOfDeltaTransform() {
  static const DeltaOfDelta transform;
  return transform;
}

}  // namespace tally::codec
