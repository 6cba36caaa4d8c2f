// Head: the appended events that are durable in the log but not yet in blocks, grouped per series.
//
// The write path appends each batch to the log (one RocksDB write) and then to the head; a flush
// freezes the head, encodes each series' events into blocks window by window, and writes those
// blocks together with the deletion of the log records the head covered, in one WriteBatch. A
// query reads the head beside the stored blocks.
//
// Thread-safety: none; the DB guards each Head with its own locks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/codec/block.h"
#include "engine/rollup/rollup_builder.h"
#include "tally/db.h"
#include "tally/usage_event.h"

namespace tally::head {

// A flush's rollup contribution: one series' cell row at one resolution, to be merged. The bytes
// live in the RollupBuilder the flush encoded with.
struct EncodedRollup {
  uint32_t series_dense = 0;
  rollup::RowBytes row;
};

// An encoded block ready to be written: its key parts and bytes.
struct EncodedBlock {
  uint32_t series_dense = 0;
  int64_t window_start_us = 0;
  std::string bytes;
  uint32_t rows = 0;
};

class Head {
 public:
  Head() = default;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Adds one event of the series with dense index `series_dense`; NoteLogRecord must name the log
  // record it came from.
  void Add(uint32_t series_dense, const EventRow& row) {
    if (series_dense >= rows_.size() || !rows_[series_dense] || rows_[series_dense]->empty()) [[unlikely]] {
      StartSeries(series_dense);
    }
    rows_[series_dense]->push_back(row);
    ++events_;
  }

  bool empty() const { return events_ == 0; }
  uint64_t events() const { return events_; }
  // Approximate memory held by the columns.
  uint64_t bytes() const { return events_ * kBytesPerEvent; }
  // The log records this head holds events of: [first_log_seq, last_log_seq]; valid when
  // log_records() > 0.
  uint64_t first_log_seq() const { return first_log_seq_; }
  uint64_t last_log_seq() const { return last_log_seq_; }
  uint64_t log_records() const { return log_records_; }
  // Records a log record that added no event (all duplicates) so the flush still deletes it.
  void NoteLogRecord(uint64_t log_seq);

  // Appends the rows of series `series_dense` with a timestamp in `range` to `out`, in the order
  // they were added.
  void CollectRows(uint32_t series_dense, const TimeRange& range, std::vector<EventRow>* out) const;
  // Dense indexes of the series holding events.
  const std::vector<uint32_t>& series() const { return touched_; }

  // Empties the head for reuse. The row storage of the series it held stays allocated, since the
  // next head is likely to see them again (a flush would otherwise fault in and zero the memory of
  // a whole head anew); that of series it did not hold is freed.
  void Reset();

  // Encodes every series' events into blocks that do not cross a multiple of `window_us`, rows in
  // time order (ties in order of addition), and into rollup cell rows through `rollups` (a
  // series' rows together), whose bytes stay in `rollups`.
  Status EncodeFlush(int64_t window_us, rollup::RollupBuilder* rollups, std::vector<EncodedBlock>* blocks,
                     std::vector<EncodedRollup>* rollup_rows) const;

 private:
  static constexpr uint64_t kBytesPerEvent = sizeof(EventRow);

  void StartSeries(uint32_t series_dense);

  // Rows, not columns: an append touches one cache line per event instead of seven; the flush
  // turns them into columns.
  std::vector<std::unique_ptr<std::vector<EventRow>>> rows_;  // by dense series index
  std::vector<uint32_t> touched_;
  uint64_t events_ = 0;
  uint64_t log_records_ = 0;
  uint64_t first_log_seq_ = 0;
  uint64_t last_log_seq_ = 0;
};

}  // namespace tally::head
