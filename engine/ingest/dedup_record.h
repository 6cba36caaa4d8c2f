// DedupRecord: the event ids one append stored, kept in the `dedup` column family under the
// append's log sequence number and written in the same WriteBatch as the append itself.
//
// One record per append (not one key per id) keeps an append to a single extra memtable insert;
// the ids are looked up in memory (dedup_index.h), so the records are only read when a writer
// opens. The record starts with the newest event time it holds, which is all the compaction
// filter needs to drop it once every id in it has left the dedup window.
//
// Layout (docs/format.md, "Dedup record"): version u8 | max_timestamp_us fixed64 LE |
// count uvarint | count × (event_id fixed64 LE, timestamp_us fixed64 LE) | XXH3-64 fixed64 LE of
// everything before it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tally/status.h"

namespace tally::ingest {

inline constexpr uint8_t kDedupRecordVersion = 1;  // Do not change: on-disk format.

struct SeenId {
  uint64_t event_id = 0;
  int64_t timestamp_us = 0;
};

// Encodes `ids` (at least one) into *out, replacing its contents.
void EncodeDedupRecord(const std::vector<SeenId>& ids, std::string* out);

// Parses a record into *out; Corruption on any damage.
Status DecodeDedupRecord(std::string_view record, std::vector<SeenId>* out);

// The newest event time in a record, read from its fixed prefix without checking the rest;
// nullopt when the record is too short or of an unknown version.
std::optional<int64_t> DedupRecordMaxTimestamp(std::string_view record);

}  // namespace tally::ingest
