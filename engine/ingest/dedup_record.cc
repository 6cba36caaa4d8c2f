#include "engine/ingest/dedup_record.h"

#include <algorithm>

#include <xxhash.h>

#include "engine/codec/coding.h"

namespace tally::ingest {

void EncodeDedupRecord(const std::vector<SeenId>& ids, std::string* out) {
  out->clear();
  int64_t max_ts = INT64_MIN;
  for (const SeenId& s : ids) max_ts = std::max(max_ts, s.timestamp_us);
  out->push_back(static_cast<char>(kDedupRecordVersion));
  codec::PutFixed64(out, static_cast<uint64_t>(max_ts));
  codec::PutVarint64(out, ids.size());
  for (const SeenId& s : ids) {
    codec::PutFixed64(out, s.event_id);
    codec::PutFixed64(out, static_cast<uint64_t>(s.timestamp_us));
  }
  codec::PutFixed64(out, XXH3_64bits(out->data(), out->size()));
}

Status DecodeDedupRecord(std::string_view record, std::vector<SeenId>* out) {
  out->clear();
  if (record.size() < 8) return Status::Corruption("dedup record: too short");
  std::string_view body = record.substr(0, record.size() - 8);
  if (XXH3_64bits(body.data(), body.size()) != codec::DecodeFixed64(record.data() + body.size())) {
    return Status::Corruption("dedup record: checksum mismatch");
  }
  codec::Decoder in(body, "dedup record");
  uint8_t version = in.ReadByte("version");
  if (in.ok() && version != kDedupRecordVersion) {
    return Status::NotSupported("dedup record: version " + std::to_string(version) + " is not known to this build");
  }
  in.ReadFixed64("max timestamp");
  uint64_t count = in.ReadCount("count", in.remaining() / 16);
  out->reserve(count);
  for (uint64_t i = 0; i < count && in.ok(); ++i) {
    SeenId s;
    s.event_id = in.ReadFixed64("event id");
    s.timestamp_us = static_cast<int64_t>(in.ReadFixed64("timestamp"));
    out->push_back(s);
  }
  if (in.ok() && !in.empty()) in.Fail("ids", "trailing bytes");
  return in.status();
}

std::optional<int64_t> DedupRecordMaxTimestamp(std::string_view record) {
  if (record.size() < 9 || static_cast<uint8_t>(record[0]) != kDedupRecordVersion) return std::nullopt;
  return static_cast<int64_t>(codec::DecodeFixed64(record.data() + 1));
}

}  // namespace tally::ingest
