// Frame of reference: residual = value - base, where base is the column minimum from the block
// header (so nothing extra is stored). Best for columns whose values are independent of order.
#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class FrameOfReference final : public IntegerTransform {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kFrameOfReference; }

  bool Forward(std::span<const uint64_t> values, const TransformContext& context,
               uint64_t* residuals, TransformParams*) const override {
    const uint64_t base = context.base;
    for (size_t i = 0; i < values.size(); ++i) residuals[i] = values[i] - base;
    return true;
  }
  void WriteParams(const TransformParams&, std::string*) const override {}
  void ReadParams(Decoder*, TransformParams*) const override {}

  void Inverse(const TransformParams&, const TransformContext& context,
               std::span<uint64_t> values) const override {
    const uint64_t base = context.base;
    for (uint64_t& value : values) value += base;
  }
};

}  // namespace

const IntegerTransform& FrameOfReferenceTransform() {
  static const FrameOfReference transform;
  return transform;
}

}  // namespace tally::codec
