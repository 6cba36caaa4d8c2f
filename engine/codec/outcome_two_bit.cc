// Outcome as 2-bit fields, four rows per byte (row i in bits 2·(i%4)..+1 of byte i/4).
// Payload: ceil(n / 4) bytes. The value 3 is invalid. Wins when errors are frequent and scattered.
#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

class OutcomeTwoBit final : public OutcomeCodec {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kOutcomeTwoBit; }

  size_t EstimateBytes(std::span<const uint8_t> outcomes) const override { return (outcomes.size() + 3) / 4; }

  void Encode(std::span<const uint8_t> outcomes, std::string* out) const override {
    const size_t start = out->size();
    out->resize(start + EstimateBytes(outcomes), '\0');
    for (size_t i = 0; i < outcomes.size(); ++i) {
      (*out)[start + i / 4] = static_cast<char>((*out)[start + i / 4] | (outcomes[i] & 3) << (2 * (i % 4)));
    }
  }

  void Decode(Decoder* in, std::span<uint8_t> out) const override {
    std::string_view bytes = in->ReadBytes((out.size() + 3) / 4, "outcome: 2-bit values");
    if (!in->ok()) return;
    uint8_t invalid = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = (static_cast<uint8_t>(bytes[i / 4]) >> (2 * (i % 4))) & 3;
      invalid |= out[i] == 3;
    }
    if (invalid) in->Fail("outcome: 2-bit values", "value 3");
  }
};

}  // namespace

const OutcomeCodec& OutcomeTwoBitCodec() {
  static const OutcomeTwoBit codec;
  return codec;
}

}  // namespace tally::codec
