#include "engine/codec/block_inspect.h"

#include "engine/codec/block_header_coding.h"
#include "engine/codec/column_codec.h"

namespace tally::codec {
namespace {

const char* TransformName(uint8_t id) {
  switch (static_cast<ColumnCodecId>(id)) {
    case ColumnCodecId::kFrameOfReference: return "frame-of-reference";
    case ColumnCodecId::kDelta: return "delta";
    case ColumnCodecId::kDeltaOfDelta: return "delta-of-delta";
    case ColumnCodecId::kLinearPredicted: return "linear-predicted";
    case ColumnCodecId::kOutcomeTwoBit: return "outcome-2-bit";
    case ColumnCodecId::kOutcomeRunLength: return "outcome-run-length";
  }
  return "unknown";
}

const char* PackingName(uint8_t id) {
  switch (static_cast<PackingId>(id)) {
    case PackingId::kBitPacked: return "bit-packed";
    case PackingId::kFramedBitPacked: return "framed-bit-packed";
    case PackingId::kRice: return "rice";
    case PackingId::kExponentMantissa: return "exponent-mantissa";
    case PackingId::kBytePlanes: return "byte-planes";
  }
  return "unknown";
}

}  // namespace

std::string CodecName(uint8_t codec_byte) {
  std::string name = TransformName(codec_byte >> 4);
  if ((codec_byte & 0x0f) != 0) name += std::string("+") + PackingName(codec_byte & 0x0f);
  return name;
}

Result<BlockLayout> DescribeBlock(std::string_view block) {
  std::string_view body;
  if (Status s = VerifyBlockEnvelope(block, &body); !s.ok()) return s;
  Decoder in(body, "block");
  BlockLayout layout;
  const BlockHeader& h = layout.header;
  ReadBlockHeaderFields(&in, &layout.header);
  if (!in.ok()) return in.status();
  layout.header_bytes = in.offset();
  layout.checksum_bytes = kChecksumBytes;
  const bool present[] = {h.rows > 0 && h.min_timestamp_us != h.max_timestamp_us,
                          h.input_tokens.min != h.input_tokens.max,
                          h.output_tokens.min != h.output_tokens.max,
                          h.latency_us.min != h.latency_us.max,
                          h.cost_micros.min != h.cost_micros.max,
                          h.rows > 0 && OutcomeValuesPresent(h) > 1,
                          h.rows_with_event_id > 0};
  const char* names[] = {"timestamp_us", "input_tokens", "output_tokens", "latency_us",
                         "cost_micros",  "outcome",      "event_id"};
  for (int c = 0; c < 7; ++c) {
    EncodedColumnInfo info{names[c], "implied", 0};
    if (present[c]) {
      const size_t start = in.offset();
      const uint8_t codec = in.ReadByte("column codec");
      in.ReadLengthPrefixed("column payload", in.remaining());
      if (!in.ok()) return in.status();
      info.codec = CodecName(codec);
      info.bytes = in.offset() - start;
    }
    layout.columns.push_back(std::move(info));
  }
  if (!in.empty()) return Status::Corruption("block: trailing bytes after the last column");
  return layout;
}

}  // namespace tally::codec
