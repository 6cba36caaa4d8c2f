// Inspect: a report of what a tally database holds and how well it is stored — series, events,
// time range, blocks and their sizes, bytes per event per column, the in-memory head and its log,
// RocksDB's sizes per column family, rollups and retention.
//
// The `tally inspect` command prints this report; tests use it to check what a store looks like.
// It reads everything through one consistent view (a RocksDB snapshot of a writable database; the
// fixed view of a read-only one between Refresh calls), so the counts agree with each other.
// Damaged blocks or log records are not errors here: they are counted in `unreadable_blocks` /
// `unreadable_log_records` (verify.h says what is wrong with them).
//
//   auto db = tally::DB::Open(dir, options);
//   tally::Result<tally::inspect::Report> report = tally::inspect::Inspect(**db);
//
// Thread-safety: Inspect may run beside appends and other reads of the same DB.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tally/db.h"
#include "tally/result.h"

namespace tally::inspect {

// Blocks with fewer rows than this count as small: compaction merges them (see DB::Compact).
inline constexpr uint32_t kSmallBlockRows = 1024;

// One of a block's columns, summed over every stored block.
struct ColumnReport {
  std::string column;     // "timestamp_us", "input_tokens", ..., "event_id"
  uint64_t bytes = 0;     // encoded bytes (codec byte, size prefix, payload)
  uint64_t implied_blocks = 0;  // blocks in which the header alone determines the column (0 bytes)
  // How many blocks use each codec, most used first: {"delta+rice", 120}, ...
  std::vector<std::pair<std::string, uint64_t>> codecs;
};

// How many blocks fall in a range of encoded sizes [min_bytes, max_bytes).
struct SizeBucket {
  uint64_t min_bytes = 0;
  uint64_t max_bytes = 0;  // UINT64_MAX for the last bucket
  uint64_t blocks = 0;
};

struct BlockReport {
  uint64_t count = 0;
  uint64_t events = 0;
  uint64_t bytes = 0;  // encoded size of all blocks
  uint64_t min_bytes = 0, median_bytes = 0, max_bytes = 0;
  uint64_t min_rows = 0, median_rows = 0, max_rows = 0;
  uint64_t small_blocks = 0;  // fewer than kSmallBlockRows rows
  uint64_t events_in_small_blocks = 0;
  std::vector<SizeBucket> size_histogram;  // < 1 KiB, < 4 KiB, < 16 KiB, < 64 KiB, < 256 KiB, larger
  uint64_t header_bytes = 0;    // block headers (version, rows, summaries)
  uint64_t checksum_bytes = 0;
  std::vector<ColumnReport> columns;  // the seven columns in block order
};

// The in-memory head: appends durable in the log but not yet written out as blocks.
struct HeadReport {
  uint64_t log_records = 0;  // appends in the log
  uint64_t events = 0;
  uint64_t log_bytes = 0;  // size of the log records
};

// What RocksDB says about one column family.
struct FamilyReport {
  std::string name;
  uint64_t sst_bytes = 0;        // rocksdb.total-sst-files-size
  uint64_t live_data_bytes = 0;  // rocksdb.estimate-live-data-size
  uint64_t memtable_bytes = 0;   // rocksdb.cur-size-all-mem-tables
  uint64_t estimated_keys = 0;   // rocksdb.estimate-num-keys
};

// Rollup cells stored at one resolution.
struct RollupReport {
  std::string resolution;  // "1m", "1h", "1d", ... (the family is "rollup." + this)
  int64_t resolution_us = 0;
  uint64_t rows = 0;             // cell rows (RocksDB keys), each 64 consecutive cells of a series
  uint64_t cells = 0;            // cells present in those rows
  uint64_t requests = 0;         // requests the cells count (equals the events they summarize)
  uint64_t bytes = 0;            // encoded row bytes
  uint64_t unreadable_rows = 0;  // failed their checksum or did not parse (verify says why)
};

// One retention rule: data of `what` older than `keep_us` behind the newest event is dropped.
struct RetentionRule {
  std::string what;  // "raw", "1m", "1h", "1d"
  int64_t keep_us = 0;  // 0: kept forever
  // What has been expired so far: records entirely before this instant are gone (or going) and no
  // query reads them. INT64_MIN when nothing has expired.
  int64_t expired_before_us = INT64_MIN;
};

struct Report {
  std::string path;
  bool read_only = false;
  int64_t block_window_us = 0;

  uint64_t series = 0;
  uint64_t events = 0;  // in blocks and in the head
  bool has_events = false;
  int64_t min_timestamp_us = 0, max_timestamp_us = 0;  // valid when has_events

  BlockReport blocks;
  HeadReport head;
  std::vector<FamilyReport> families;
  std::vector<RollupReport> rollups;     // one per rollup resolution of the database; empty: none
  std::vector<RetentionRule> retention;  // raw, then each rollup resolution
  uint64_t dedup_records = 0;
  uint64_t bytes_on_disk = 0;  // every regular file in the directory

  uint64_t unreadable_blocks = 0;       // failed their checksum or did not parse
  uint64_t unreadable_log_records = 0;

  // Encoded block bytes per stored block event; 0 without blocks.
  double BlockBytesPerEvent() const;
  // Bytes on disk per event (blocks, log, index, RocksDB overhead); 0 without events.
  double DiskBytesPerEvent() const;
};

// The report of `db` (any tally DB; it is a db::DBImpl). Errors are I/O errors of the store.
Result<Report> Inspect(DB& db);

// Bytes per event of a column and its compression ratio against 8 raw bytes per value.
double ColumnBytesPerEvent(const ColumnReport& column, uint64_t events);
double CompressionRatio(const ColumnReport& column, uint64_t events);  // 0 when the column takes no bytes

}  // namespace tally::inspect
