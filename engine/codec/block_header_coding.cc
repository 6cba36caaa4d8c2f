#include "engine/codec/block_header_coding.h"

#include <xxhash.h>

namespace tally::codec {
namespace {

// A measure's summary: min <uvarint>, then for rows > 1: span = max - min <uvarint>, and if
// span > 0: sum - rows·min <uvarint>. What is not written is implied.
void WriteSummary(const ColumnSummary& s, uint32_t rows, std::string* out) {
  PutVarint64(out, static_cast<uint64_t>(s.min));
  if (rows <= 1) return;
  PutVarint64(out, static_cast<uint64_t>(s.max - s.min));
  if (s.max != s.min) PutVarint64(out, static_cast<uint64_t>(s.sum - s.min * static_cast<int64_t>(rows)));
}

void ReadSummary(Decoder* in, uint32_t rows, const char* field, ColumnSummary* s) {
  const uint64_t min = in->ReadCount(field, kMaxMeasureValue - 1);
  const uint64_t span = rows > 1 ? in->ReadCount(field, kMaxMeasureValue - 1 - min) : 0;
  // The sum above rows·min is at most rows·span, which also keeps the sum below 2^60.
  const uint64_t excess = span > 0 ? in->ReadCount(field, span * rows) : 0;
  s->min = static_cast<int64_t>(min);
  s->max = static_cast<int64_t>(min + span);
  s->sum = static_cast<int64_t>(min * rows + excess);
}

}  // namespace

int OutcomeValuesPresent(const BlockHeader& h) {
  return (h.outcome_counts[0] > 0) + (h.outcome_counts[1] > 0) + (h.outcome_counts[2] > 0);
}

void WriteBlockHeader(const BlockHeader& h, std::string* out) {
  out->push_back(static_cast<char>(kBlockFormatVersion));
  PutVarint64(out, h.rows);
  if (h.rows == 0) return;
  PutSignedVarint64(out, h.min_timestamp_us);
  if (h.rows > 1) PutVarint64(out, static_cast<uint64_t>(h.max_timestamp_us) - static_cast<uint64_t>(h.min_timestamp_us));
  WriteSummary(h.input_tokens, h.rows, out);
  WriteSummary(h.output_tokens, h.rows, out);
  WriteSummary(h.latency_us, h.rows, out);
  WriteSummary(h.cost_micros, h.rows, out);
  if (h.rows == 1) {
    // One row: its outcome and whether it has an id fit one byte.
    out->push_back(static_cast<char>(OnlyOutcome(h) | (h.rows_with_event_id << 2)));
    return;
  }
  PutVarint64(out, h.outcome_counts[1]);
  PutVarint64(out, h.outcome_counts[2]);
  PutVarint64(out, h.rows_with_event_id);
}

Status VerifyBlockEnvelope(std::string_view block, std::string_view* body) {
  if (block.empty()) return Status::Corruption("block: empty");
  const uint8_t version = static_cast<uint8_t>(block[0]);
  if (version > kBlockFormatVersion) {
    return Status::NotSupported("block: format version " + std::to_string(version) +
                                " is newer than this build reads (up to " +
                                std::to_string(kBlockFormatVersion) + ")");
  }
  if (version == 0) return Status::Corruption("block: format version 0");
  if (block.size() < 2 + kChecksumBytes) return Status::Corruption("block: truncated");
  *body = block.substr(0, block.size() - kChecksumBytes);
  const uint64_t stored = DecodeFixed64(block.data() + body->size());
  if (XXH3_64bits(body->data(), body->size()) != stored) return Status::Corruption("block: checksum mismatch");
  return Status::OK();
}

void ReadBlockHeaderFields(Decoder* in, BlockHeader* h) {
  h->format_version = in->ReadByte("format version");
  h->rows = static_cast<uint32_t>(in->ReadCount("rows", kMaxBlockRows));
  if (h->rows == 0 || !in->ok()) return;
  h->min_timestamp_us = in->ReadSignedVarint64("min timestamp");
  const uint64_t room = static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(h->min_timestamp_us);
  const uint64_t span = h->rows > 1 ? in->ReadCount("timestamp span", room) : 0;
  h->max_timestamp_us = static_cast<int64_t>(static_cast<uint64_t>(h->min_timestamp_us) + span);
  ReadSummary(in, h->rows, "input_tokens summary", &h->input_tokens);
  ReadSummary(in, h->rows, "output_tokens summary", &h->output_tokens);
  ReadSummary(in, h->rows, "latency_us summary", &h->latency_us);
  ReadSummary(in, h->rows, "cost_micros summary", &h->cost_micros);
  if (h->rows == 1) {
    const uint8_t flags = in->ReadByte("single row flags");
    if ((flags & 3) == 3 || flags > 7) return in->Fail("single row flags", "invalid");
    h->outcome_counts = {0, 0, 0};
    h->outcome_counts[flags & 3] = 1;
    h->rows_with_event_id = flags >> 2;
    return;
  }
  h->outcome_counts[1] = static_cast<uint32_t>(in->ReadCount("retryable count", h->rows));
  h->outcome_counts[2] = static_cast<uint32_t>(in->ReadCount("fatal count", h->rows - h->outcome_counts[1]));
  h->outcome_counts[0] = h->rows - h->outcome_counts[1] - h->outcome_counts[2];
  h->rows_with_event_id = static_cast<uint32_t>(in->ReadCount("rows with event id", h->rows));
}

uint8_t OnlyOutcome(const BlockHeader& h) {
  return h.outcome_counts[1] > 0 ? 1 : h.outcome_counts[2] > 0 ? 2 : 0;
}

}  // namespace tally::codec
