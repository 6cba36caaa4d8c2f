// Delta of delta: residual = (delta - previous delta) - min, with the first delta taken from the
// base and the delta before it 0. Near-regular series (a poller every 10 s) become runs of zeros;
// for Poisson-like arrivals plain delta is smaller, and the analysis step picks between them.
#include <algorithm>

#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class DeltaOfDelta final : public IntegerTransform {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kDeltaOfDelta; }

  bool Forward(std::span<const uint64_t> values, const TransformContext& context,
               uint64_t* residuals, TransformParams* params) const override {
    uint64_t previous = context.base;
    uint64_t previous_delta = 0;
    int64_t min_residual = INT64_MAX;
    for (size_t i = 0; i < values.size(); ++i) {
      uint64_t delta = values[i] - previous;
      uint64_t delta_of_delta = delta - previous_delta;
      previous = values[i];
      previous_delta = delta;
      residuals[i] = delta_of_delta;
      min_residual = std::min(min_residual, static_cast<int64_t>(delta_of_delta));
    }
    if (values.empty()) min_residual = 0;
    for (size_t i = 0; i < values.size(); ++i) residuals[i] -= static_cast<uint64_t>(min_residual);
    params->min_residual = min_residual;
    return true;
  }
  void WriteParams(const TransformParams& params, std::string* out) const override {
    PutSignedVarint64(out, params.min_residual);
  }
  void ReadParams(Decoder* in, TransformParams* params) const override {
    params->min_residual = in->ReadSignedVarint64("delta of delta: min");
  }

  void Inverse(const TransformParams& params, const TransformContext& context,
               std::span<uint64_t> values) const override {
    const uint64_t min_residual = static_cast<uint64_t>(params.min_residual);
    uint64_t previous = context.base;
    uint64_t delta = 0;
    for (uint64_t& value : values) {
      delta += value + min_residual;
      previous += delta;
      value = previous;
    }
  }
};

}  // namespace

const IntegerTransform& DeltaOfDeltaTransform() {
  static const DeltaOfDelta transform;
  return transform;
}

}  // namespace tally::codec
