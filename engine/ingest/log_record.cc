#include "engine/ingest/log_record.h"

#include <xxhash.h>

#include "engine/codec/coding.h"

namespace tally::ingest {
namespace {
// A record holds one append; appends larger than this are rejected by the DB before encoding.
constexpr uint64_t kMaxRecordEvents = 1u << 24;
}  // namespace

void LogRecordBuilder::Reset() {
  for (uint32_t dense : used_dense_) table_index_[dense] = -1;
  used_dense_.clear();
  series_ids_.clear();
  body_.clear();
  last_timestamp_ = 0;
  events_ = 0;
}

void LogRecordBuilder::Add(uint32_t series_dense, uint64_t series_id, const EventRow& row) {
  if (series_dense >= table_index_.size()) table_index_.resize(series_dense + 1, -1);
  int32_t& slot = table_index_[series_dense];
  if (slot < 0) {
    slot = static_cast<int32_t>(series_ids_.size());
    series_ids_.push_back(series_id);
    used_dense_.push_back(series_dense);
  }
  char buf[7 * codec::kMaxVarint64Bytes + 1];
  char* p = buf;
  p = codec::EncodeVarint64(p, static_cast<uint64_t>(slot));
  p = codec::EncodeVarint64(p, codec::ZigZagEncode(row.timestamp_us - last_timestamp_));
  p = codec::EncodeVarint64(p, static_cast<uint64_t>(row.input_tokens));
  p = codec::EncodeVarint64(p, static_cast<uint64_t>(row.output_tokens));
  p = codec::EncodeVarint64(p, static_cast<uint64_t>(row.latency_us));
  p = codec::EncodeVarint64(p, static_cast<uint64_t>(row.cost_micros));
  *p++ = static_cast<char>(row.outcome);
  p = codec::EncodeVarint64(p, row.event_id);
  body_.append(buf, p - buf);
  last_timestamp_ = row.timestamp_us;
  ++events_;
}

std::string_view LogRecordBuilder::Finish() {
  record_.clear();
  record_.push_back(static_cast<char>(kLogRecordVersion));
  codec::PutVarint64(&record_, series_ids_.size());
  for (uint64_t id : series_ids_) codec::PutFixed64(&record_, id);
  codec::PutVarint64(&record_, events_);
  record_.append(body_);
  codec::PutFixed64(&record_, XXH3_64bits(record_.data(), record_.size()));
  return record_;
}

Status DecodeLogRecord(std::string_view record, std::vector<LogEntry>* out) {
  out->clear();
  if (record.size() < 9) return Status::Corruption("log record: too short");
  std::string_view body = record.substr(0, record.size() - 8);
  if (XXH3_64bits(body.data(), body.size()) != codec::DecodeFixed64(record.data() + body.size())) {
    return Status::Corruption("log record: checksum mismatch");
  }
  codec::Decoder in(body, "log record");
  uint8_t version = in.ReadByte("version");
  if (in.ok() && version != kLogRecordVersion) {
    return Status::NotSupported("log record: version " + std::to_string(version) + " is not known to this build");
  }
  uint64_t series_count = in.ReadCount("series count", in.remaining() / 8);
  std::vector<uint64_t> series(series_count);
  for (uint64_t& id : series) id = in.ReadFixed64("series id");
  // Each event takes at least 8 bytes, which bounds the count before allocating.
  uint64_t events = in.ReadCount("event count", std::min<uint64_t>(kMaxRecordEvents, in.remaining() / 8));
  if (!in.ok()) return in.status();
  out->reserve(events);
  int64_t ts = 0;
  for (uint64_t i = 0; i < events && in.ok(); ++i) {
    LogEntry e;
    uint64_t slot = in.ReadCount("series index", series_count == 0 ? 0 : series_count - 1);
    e.series_id = series_count == 0 ? 0 : series[slot];
    ts += in.ReadSignedVarint64("timestamp");
    e.row.timestamp_us = ts;
    e.row.input_tokens = static_cast<int64_t>(in.ReadVarint64("input_tokens"));
    e.row.output_tokens = static_cast<int64_t>(in.ReadVarint64("output_tokens"));
    e.row.latency_us = static_cast<int64_t>(in.ReadVarint64("latency_us"));
    e.row.cost_micros = static_cast<int64_t>(in.ReadVarint64("cost_micros"));
    uint8_t outcome = in.ReadByte("outcome");
    if (outcome >= kOutcomeCount) in.Fail("outcome", "unknown value");
    e.row.outcome = static_cast<Outcome>(outcome);
    e.row.event_id = in.ReadVarint64("event_id");
    out->push_back(e);
  }
  if (in.ok() && series_count == 0 && events > 0) in.Fail("series count", "zero with events present");
  if (in.ok() && !in.empty()) in.Fail("events", "trailing bytes");
  return in.status();
}

}  // namespace tally::ingest
