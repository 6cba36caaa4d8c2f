// Outcome as runs of equal values. Each run is one uvarint: (run length - 1) << 2 | value.
// Payload: the runs, in row order, up to the end of the column payload; they must cover exactly n
// rows. With ~1.5% errors most runs are long successes, so this costs ~0.03 bytes a row.
#include <algorithm>

#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

template <typename Visit>
void ForEachRun(std::span<const uint8_t> outcomes, Visit visit) {
  size_t start = 0;
  for (size_t i = 1; i <= outcomes.size(); ++i) {
    if (i == outcomes.size() || outcomes[i] != outcomes[start]) {
      visit(outcomes[start], i - start);
      start = i;
    }
  }
}

class OutcomeRunLength final : public OutcomeCodec {
 public:
  ColumnCodecId id() const override { return ColumnCodecId::kOutcomeRunLength; }

  size_t EstimateBytes(std::span<const uint8_t> outcomes) const override {
    size_t bytes = 0;
    ForEachRun(outcomes, [&](uint8_t value, size_t length) { bytes += VarintLength((length - 1) << 2 | value); });
    return bytes;
  }

  void Encode(std::span<const uint8_t> outcomes, std::string* out) const override {
    ForEachRun(outcomes, [&](uint8_t value, size_t length) { PutVarint64(out, (length - 1) << 2 | value); });
  }

  void Decode(Decoder* in, std::span<uint8_t> out) const override {
    size_t filled = 0;
    while (filled < out.size() && in->ok()) {
      const uint64_t run = in->ReadVarint64("outcome: run");
      const uint64_t value = run & 3, length = (run >> 2) + 1;
      if (!in->ok()) return;
      if (value == 3) return in->Fail("outcome: run", "value 3");
      if (length > out.size() - filled) return in->Fail("outcome: run", "longer than the block");
      std::fill_n(out.begin() + filled, length, static_cast<uint8_t>(value));
      filled += length;
    }
    if (in->ok() && !in->empty()) in->Fail("outcome: runs", "trailing bytes");
  }
};

}  // namespace

const OutcomeCodec& OutcomeRunLengthCodec() {
  static const OutcomeRunLength codec;
  return codec;
}

}  // namespace tally::codec
