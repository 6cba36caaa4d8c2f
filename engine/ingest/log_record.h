// LogRecord: one acknowledged append as it sits in the `log` column family until a flush turns it
// into blocks. Recovery after a crash replays these records into the head.
//
// The layout (docs/format.md, "Log record"): a version byte, a table of the series ids the batch
// touches, the events as varints referring to that table (timestamps delta-coded), and an XXH3-64
// checksum of everything before it. Series are stored in the same WriteBatch as the record that
// first uses them, so every id in a record is known when it is replayed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tally/db.h"
#include "tally/status.h"

namespace tally::ingest {

inline constexpr uint8_t kLogRecordVersion = 1;  // Do not change: on-disk format.

struct LogEntry {
  uint64_t series_id = 0;
  EventRow row;
};

// Builds one record. Series are identified by the caller's dense index so that the table lookup is
// an array access; `series_id` is what gets stored.
class LogRecordBuilder {
 public:
  void Reset();
  void Add(uint32_t series_dense, uint64_t series_id, const EventRow& row);
  size_t events() const { return events_; }
  // The finished record; valid until the next Reset/Add.
  std::string_view Finish();

 private:
  std::vector<int32_t> table_index_;  // dense index -> position in series_ids_, or -1
  std::vector<uint32_t> used_dense_;
  std::vector<uint64_t> series_ids_;
  std::string body_;
  std::string record_;
  int64_t last_timestamp_ = 0;
  size_t events_ = 0;
};

// Parses a record into *out (replacing its contents). Corruption on any damage.
Status DecodeLogRecord(std::string_view record, std::vector<LogEntry>* out);

}  // namespace tally::ingest
