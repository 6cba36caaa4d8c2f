// The block layout (docs/format.md ("Block")):
//
//   format_version <u8>  rows <uvarint>
//   [rows > 0] header fields (see block_header_coding.h), then the columns that are not implied by the header,
//              in the order timestamp, input, output, latency, cost, outcome, event_id
//   checksum <fixed64: XXH3-64 of every byte before it>
#include "engine/codec/block.h"

#include <xxhash.h>

#include <algorithm>

#include "engine/codec/block_header_coding.h"
#include "engine/codec/coding.h"
#include "engine/codec/column_selection.h"

namespace tally::codec {

void BlockColumns::clear() { resize(0); }

void BlockColumns::reserve(size_t n) {
  timestamp_us.reserve(n), input_tokens.reserve(n), output_tokens.reserve(n), latency_us.reserve(n);
  cost_micros.reserve(n), outcome.reserve(n), event_id.reserve(n);
}

void BlockColumns::resize(size_t n) {
  timestamp_us.resize(n), input_tokens.resize(n), output_tokens.resize(n), latency_us.resize(n);
  cost_micros.resize(n), outcome.resize(n), event_id.resize(n);
}

void BlockColumns::push_back(const BlockRow& row) {
  timestamp_us.push_back(row.timestamp_us);
  input_tokens.push_back(row.input_tokens);
  output_tokens.push_back(row.output_tokens);
  latency_us.push_back(row.latency_us);
  cost_micros.push_back(row.cost_micros);
  outcome.push_back(row.outcome);
  event_id.push_back(row.event_id);
}

BlockRow BlockColumns::row(size_t i) const {
  return BlockRow{timestamp_us[i], input_tokens[i], output_tokens[i], latency_us[i],
                  cost_micros[i],  outcome[i],      event_id[i]};
}

namespace {

// The int64 column as the unsigned numbers the codecs work on (same object representation).
std::span<const uint64_t> AsUnsigned(const std::vector<int64_t>& column) {
  return {reinterpret_cast<const uint64_t*>(column.data()), column.size()};
}
std::span<uint64_t> AsUnsigned(std::vector<int64_t>& column) {
  return {reinterpret_cast<uint64_t*>(column.data()), column.size()};
}

ColumnSummary Summarize(const std::vector<int64_t>& column) {
  ColumnSummary s;
  if (column.empty()) return s;
  s.min = s.max = column[0];
  for (int64_t v : column) s.min = std::min(s.min, v), s.max = std::max(s.max, v), s.sum += v;
  return s;
}

Status ValidateColumns(const BlockColumns& c) {
  const size_t n = c.timestamp_us.size();
  if (c.input_tokens.size() != n || c.output_tokens.size() != n || c.latency_us.size() != n ||
      c.cost_micros.size() != n || c.outcome.size() != n || c.event_id.size() != n) {
    return Status::InvalidArgument("block columns have different lengths");
  }
  if (n > kMaxBlockRows) {
    return Status::InvalidArgument("block has " + std::to_string(n) + " rows; at most " +
                                   std::to_string(kMaxBlockRows) + " allowed");
  }
  const std::pair<const char*, const std::vector<int64_t>*> measures[] = {
      {"input_tokens", &c.input_tokens}, {"output_tokens", &c.output_tokens},
      {"latency_us", &c.latency_us}, {"cost_micros", &c.cost_micros}};
  for (const auto& [name, column] : measures) {
    for (size_t i = 0; i < n; ++i) {
      if (static_cast<uint64_t>((*column)[i]) >= static_cast<uint64_t>(kMaxMeasureValue)) {
        return Status::InvalidArgument("row " + std::to_string(i) + ": " + name + " " +
                                       std::to_string((*column)[i]) + " outside [0, 2^40)");
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (c.outcome[i] > 2) {
      return Status::InvalidArgument("row " + std::to_string(i) + ": outcome " + std::to_string(c.outcome[i]) +
                                     " is not 0, 1 or 2");
    }
  }
  return Status::OK();
}

}  // namespace

BlockHeader SummarizeColumns(const BlockColumns& columns) {
  BlockHeader h;
  h.rows = static_cast<uint32_t>(columns.size());
  if (h.rows == 0) return h;
  auto [min_ts, max_ts] = std::minmax_element(columns.timestamp_us.begin(), columns.timestamp_us.end());
  h.min_timestamp_us = *min_ts, h.max_timestamp_us = *max_ts;
  h.input_tokens = Summarize(columns.input_tokens);
  h.output_tokens = Summarize(columns.output_tokens);
  h.latency_us = Summarize(columns.latency_us);
  h.cost_micros = Summarize(columns.cost_micros);
  for (uint8_t o : columns.outcome) ++h.outcome_counts[o];
  for (uint64_t id : columns.event_id) h.rows_with_event_id += id != 0;
  return h;
}

Status EncodeBlock(const BlockColumns& columns, std::string* out, EncodeEffort effort) {
  if (Status s = ValidateColumns(columns); !s.ok()) return s;
  const BlockHeader h = SummarizeColumns(columns);
  out->clear();
  WriteBlockHeader(h, out);
  if (h.rows > 0) {
    static constexpr ColumnCodecId kTimestampCodecs[] = {ColumnCodecId::kDelta, ColumnCodecId::kFrameOfReference,
                                                         ColumnCodecId::kDeltaOfDelta};
    static constexpr ColumnCodecId kIndependentCodecs[] = {ColumnCodecId::kFrameOfReference};
    static constexpr ColumnCodecId kPredictedCodecs[] = {ColumnCodecId::kFrameOfReference,
                                                         ColumnCodecId::kLinearPredicted};
    static constexpr ColumnCodecId kIdCodecs[] = {ColumnCodecId::kFrameOfReference, ColumnCodecId::kDelta};
    static constexpr ColumnCodecId kFastTimestampCodecs[] = {ColumnCodecId::kDelta};
    const bool fast = effort == EncodeEffort::kFast;
    const PackingChoice packings = fast ? PackingChoice::kFastest : PackingChoice::kSmallest;
    const std::span<const ColumnCodecId> timestamp_codecs =
        fast ? std::span<const ColumnCodecId>(kFastTimestampCodecs) : std::span<const ColumnCodecId>(kTimestampCodecs);
    const std::span<const ColumnCodecId> predicted_codecs =
        fast ? std::span<const ColumnCodecId>(kIndependentCodecs) : std::span<const ColumnCodecId>(kPredictedCodecs);
    const std::span<const ColumnCodecId> id_codecs =
        fast ? std::span<const ColumnCodecId>(kIndependentCodecs) : std::span<const ColumnCodecId>(kIdCodecs);
    const TransformContext plain;
    const TransformContext predicted{0, AsUnsigned(columns.input_tokens), AsUnsigned(columns.output_tokens)};
    auto encode_measure = [&](const std::vector<int64_t>& column, const ColumnSummary& s, TransformContext context,
                              std::span<const ColumnCodecId> codecs) {
      if (s.min == s.max) return;  // constant: implied by the header
      context.base = static_cast<uint64_t>(s.min);
      EncodeIntegerColumn(AsUnsigned(column), context, codecs, out, packings);
    };
    if (h.min_timestamp_us != h.max_timestamp_us) {
      TransformContext context;
      context.base = static_cast<uint64_t>(h.min_timestamp_us);
      EncodeIntegerColumn(AsUnsigned(columns.timestamp_us), context, timestamp_codecs, out, packings);
    }
    encode_measure(columns.input_tokens, h.input_tokens, plain, kIndependentCodecs);
    encode_measure(columns.output_tokens, h.output_tokens, plain, kIndependentCodecs);
    encode_measure(columns.latency_us, h.latency_us, predicted, predicted_codecs);
    encode_measure(columns.cost_micros, h.cost_micros, predicted, predicted_codecs);
    if (OutcomeValuesPresent(h) > 1) EncodeOutcomeColumn(columns.outcome, out);
    if (h.rows_with_event_id > 0) {
      EncodeIntegerColumn({columns.event_id.data(), columns.event_id.size()}, plain, id_codecs, out, packings);
    }
  }
  PutFixed64(out, XXH3_64bits(out->data(), out->size()));
  return Status::OK();
}

Result<BlockHeader> ReadBlockHeader(std::string_view block) {
  std::string_view body;
  if (Status s = VerifyBlockEnvelope(block, &body); !s.ok()) return s;
  Decoder in(body, "block");
  BlockHeader h;
  ReadBlockHeaderFields(&in, &h);
  if (!in.ok()) return in.status();
  return h;
}

Status DecodeBlock(std::string_view block, BlockColumns* out, BlockHeader* header) {
  std::string_view body;
  if (Status s = VerifyBlockEnvelope(block, &body); !s.ok()) return s;
  Decoder in(body, "block");
  BlockHeader h;
  ReadBlockHeaderFields(&in, &h);
  if (!in.ok()) return in.status();
  out->resize(h.rows);
  if (h.rows > 0) {
    auto decode_measure = [&](std::vector<int64_t>& column, const ColumnSummary& s, const TransformContext& context) {
      if (s.min == s.max) {
        std::fill(column.begin(), column.end(), s.min);
        return;
      }
      TransformContext with_base = context;
      with_base.base = static_cast<uint64_t>(s.min);
      DecodeIntegerColumn(&in, with_base, AsUnsigned(column));
    };
    if (h.min_timestamp_us == h.max_timestamp_us) {
      std::fill(out->timestamp_us.begin(), out->timestamp_us.end(), h.min_timestamp_us);
    } else {
      TransformContext context;
      context.base = static_cast<uint64_t>(h.min_timestamp_us);
      DecodeIntegerColumn(&in, context, AsUnsigned(out->timestamp_us));
    }
    const TransformContext plain;
    decode_measure(out->input_tokens, h.input_tokens, plain);
    decode_measure(out->output_tokens, h.output_tokens, plain);
    const TransformContext predicted{0, AsUnsigned(out->input_tokens), AsUnsigned(out->output_tokens)};
    decode_measure(out->latency_us, h.latency_us, predicted);
    decode_measure(out->cost_micros, h.cost_micros, predicted);
    if (OutcomeValuesPresent(h) > 1) {
      DecodeOutcomeColumn(&in, out->outcome);
    } else {
      std::fill(out->outcome.begin(), out->outcome.end(), OnlyOutcome(h));
    }
    if (h.rows_with_event_id > 0) {
      DecodeIntegerColumn(&in, plain, out->event_id);
    } else {
      std::fill(out->event_id.begin(), out->event_id.end(), 0);
    }
    if (in.ok() && !in.empty()) in.Fail("block", "trailing bytes after the last column");
    if (!in.ok()) return in.status();
  }
  if (header != nullptr) *header = h;
  return Status::OK();
}

}  // namespace tally::codec
