#include "engine/codec/column_selection.h"

#include <vector>

namespace tally::codec {
namespace {

const IntegerPacker* const kPackers[] = {&BitPacker(), &FramedBitPacker(), &RicePacker(),
                                         &ExponentMantissaPacker(), &BytePlanePacker()};

// Per-thread scratch so that encoding a block allocates nothing once warmed up.
struct Scratch {
  std::vector<uint64_t> candidate, best;
  std::string payload;
};
Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

void AppendFramed(uint8_t codec, const std::string& payload, std::string* out) {
  out->push_back(static_cast<char>(codec));
  PutVarint64(out, payload.size());
  out->append(payload);
}

// The payload of a column, as a Decoder of its own so that a codec cannot read its neighbour.
bool ReadFrame(Decoder* in, uint8_t* codec, std::string_view* payload) {
  *codec = in->ReadByte("column codec");
  *payload = in->ReadLengthPrefixed("column payload", in->remaining());
  return in->ok();
}

}  // namespace

void EncodeIntegerColumn(std::span<const uint64_t> values, const TransformContext& context,
                         std::span<const ColumnCodecId> candidates, std::string* out, PackingChoice packings) {
  static const IntegerPacker* const kFastestPackers[] = {&FramedBitPacker()};
  const std::span<const IntegerPacker* const> packers =
      packings == PackingChoice::kFastest ? std::span<const IntegerPacker* const>(kFastestPackers)
                                          : std::span<const IntegerPacker* const>(kPackers);
  Scratch& scratch = ThreadScratch();
  scratch.candidate.resize(values.size());
  scratch.best.resize(values.size());
  const IntegerTransform* best_transform = nullptr;
  const IntegerPacker* best_packer = nullptr;
  TransformParams best_params;
  ResidualStats best_stats;
  size_t best_bytes = SIZE_MAX;
  for (ColumnCodecId id : candidates) {
    const IntegerTransform* transform = FindTransform(static_cast<uint8_t>(id));
    TransformParams params;
    if (transform == nullptr || !transform->Forward(values, context, scratch.candidate.data(), &params)) continue;
    std::string param_bytes;
    transform->WriteParams(params, &param_bytes);
    std::span<const uint64_t> residuals(scratch.candidate);
    ResidualStats stats = ResidualStats::Of(residuals);
    bool won = false;
    for (const IntegerPacker* packer : packers) {
      size_t bytes = packers.size() == 1 ? 0 : param_bytes.size() + packer->EstimateBytes(residuals, stats);
      if (bytes < best_bytes) {
        best_bytes = bytes, best_transform = transform, best_packer = packer, best_params = params;
        best_stats = stats;
        won = true;
      }
    }
    if (won) scratch.best.swap(scratch.candidate);  // keep the winner's residuals
  }
  scratch.payload.clear();
  best_transform->WriteParams(best_params, &scratch.payload);
  best_packer->Pack(scratch.best, best_stats, &scratch.payload);
  AppendFramed(MakeCodecByte(best_transform->id(), best_packer->id()), scratch.payload, out);
}

void DecodeIntegerColumn(Decoder* in, const TransformContext& context, std::span<uint64_t> out) {
  uint8_t codec;
  std::string_view payload;
  if (!ReadFrame(in, &codec, &payload)) return;
  const IntegerTransform* transform = FindTransform(codec >> 4);
  const IntegerPacker* packer = FindPacker(codec & 0x0f);
  if (transform == nullptr || packer == nullptr) return in->Fail("column codec", "unknown codec");
  Decoder column(payload, "column");
  TransformParams params;
  transform->ReadParams(&column, &params);
  packer->Unpack(&column, out);
  if (column.ok() && !column.empty()) column.Fail("column payload", "trailing bytes");
  if (!column.ok()) return in->Fail(column.status());
  transform->Inverse(params, context, out);
}

void EncodeOutcomeColumn(std::span<const uint8_t> outcomes, std::string* out) {
  const OutcomeCodec* codecs[] = {&OutcomeRunLengthCodec(), &OutcomeTwoBitCodec()};
  const OutcomeCodec* best = codecs[0];
  size_t best_bytes = SIZE_MAX;
  for (const OutcomeCodec* codec : codecs) {
    size_t bytes = codec->EstimateBytes(outcomes);
    if (bytes < best_bytes) best_bytes = bytes, best = codec;
  }
  Scratch& scratch = ThreadScratch();
  scratch.payload.clear();
  best->Encode(outcomes, &scratch.payload);
  AppendFramed(static_cast<uint8_t>(static_cast<uint8_t>(best->id()) << 4), scratch.payload, out);
}

void DecodeOutcomeColumn(Decoder* in, std::span<uint8_t> out) {
  uint8_t codec;
  std::string_view payload;
  if (!ReadFrame(in, &codec, &payload)) return;
  const OutcomeCodec* outcome_codec = (codec & 0x0f) == 0 ? FindOutcomeCodec(codec >> 4) : nullptr;
  if (outcome_codec == nullptr) return in->Fail("outcome codec", "unknown codec");
  Decoder column(payload, "outcome column");
  outcome_codec->Decode(&column, out);
  if (column.ok() && !column.empty()) column.Fail("outcome payload", "trailing bytes");
  if (!column.ok()) in->Fail(column.status());
}

}  // namespace tally::codec
