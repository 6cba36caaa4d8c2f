// DB: an embedded tally database — one directory that stores usage events durably.
//
//   tally::Options options;
//   auto db = tally::DB::Open("/var/lib/tally", options);
//   if (!db.ok()) { /* db.status().ToString() says why */ }
//   tally::Status s = (*db)->Append(events);   // all or nothing; durable once OK
//
// Appends are written at once to a log (one RocksDB write per Append) and kept in an in-memory
// head of per-series columns; a flush turns the head into compressed columnar blocks and removes
// the log entries they cover, atomically. Reads see the head and the stored blocks together, on
// one consistent snapshot: a reader never sees part of an Append.
//
// Thread-safety: a DB is safe to use from many threads at once, for appends and reads alike.
// Ownership: the caller owns the DB through the unique_ptr; destroying it flushes nothing extra
// (what was acknowledged is already durable) and releases the directory lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tally/options.h"
#include "tally/query.h"
#include "tally/result.h"
#include "tally/series.h"
#include "tally/status.h"
#include "tally/usage_event.h"

namespace tally {

// What one Append did.
struct AppendStats {
  uint64_t accepted = 0;    // events stored
  uint64_t duplicates = 0;  // events skipped because their event_id was already stored
};

// One stored event of a series, as returned by scans.
struct EventRow {
  int64_t timestamp_us = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t latency_us = 0;
  Outcome outcome = Outcome::kSuccess;
  int64_t cost_micros = 0;
  uint64_t event_id = 0;

  friend bool operator==(const EventRow&, const EventRow&) = default;
};

// A series as the database knows it.
struct SeriesInfo {
  uint64_t id = 0;
  SeriesLabels labels;
};

// Called once per matching series that has events in the range, with those events in time order
// (ties in the order they were appended). Returning a non-OK status stops the scan with it.
using EventVisitor = std::function<Status(const SeriesInfo& series, std::span<const EventRow> events)>;

// Counters describing what is stored; see DB::GetStats.
struct DbStats {
  uint64_t series = 0;
  uint64_t head_events = 0;       // events in memory, durable in the log, not yet in blocks
  uint64_t head_bytes = 0;
  uint64_t log_records = 0;       // appends in the log not yet flushed
  uint64_t blocks = 0;            // stored raw blocks
  uint64_t block_events = 0;      // events in stored blocks
  uint64_t block_bytes = 0;       // encoded size of stored blocks
  uint64_t bytes_on_disk = 0;     // every file in the directory
};

// How far DB::Compact has got, reported through CompactOptions::progress.
struct CompactProgress {
  enum class Phase : uint8_t {
    kFlush,           // writing the head out as blocks (total 1)
    kMergeBlocks,     // rewriting small blocks; done counts blocks read, total is RocksDB's estimate
    kCompactStorage,  // RocksDB compacting its files, one column family after another
  };
  Phase phase = Phase::kFlush;
  uint64_t done = 0;
  uint64_t total = 0;  // may be below `done` when it is an estimate
};

struct CompactOptions {
  // Called on the compacting thread as work advances (for a progress bar): at the start and end
  // of each phase and every few thousand blocks. It must not call back into the DB. Default: none.
  std::function<void(const CompactProgress&)> progress;
};

class DB {
 public:
  // Opens (or creates, per options) the database in directory `path`.
  // Errors: InvalidArgument for options that contradict the stored ones or a directory that holds
  // something else; Busy when another writer holds the directory; Corruption when stored metadata
  // is damaged; NotSupported for a newer format version.
  static Result<std::unique_ptr<DB>> Open(const std::string& path, const Options& options);

  virtual ~DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;

  // Stores `events` atomically: on OK all of them are durable (except duplicates, see
  // UsageEvent::event_id); on error none is. An invalid event gives InvalidArgument naming its index
  // in `events` and the field. Events may be in any time order and span any number of series.
  virtual Status Append(std::span<const UsageEvent> events, AppendStats* stats = nullptr) = 0;

  // Writes the whole head out as blocks (and drops the log records it covered).
  virtual Status Flush() = 0;

  // Flushes, applies retention, merges each series' small adjacent blocks into large ones and
  // compacts the underlying storage. Answers to every read are unchanged. `options.progress`, when
  // set, hears how far it got.
  virtual Status Compact(const CompactOptions& options) = 0;
  Status Compact() { return Compact(CompactOptions()); }

  // Every series matching `filter`, in id order.
  virtual Result<std::vector<SeriesInfo>> ListSeries(const SeriesFilter& filter) = 0;

  // Visits the events of every series matching `filter` with a timestamp in `range`.
  // A damaged block gives Corruption naming the series and block; the scan stops there.
  virtual Status ScanEvents(const SeriesFilter& filter, const TimeRange& range,
                            const EventVisitor& visitor) = 0;

  // Answers a usage question (see query.h) on one consistent snapshot. InvalidArgument for an
  // empty or unbounded range or a quantile outside [0, 1].
  virtual Result<QueryResult> Query(const tally::Query& query) = 0;

  virtual Result<DbStats> GetStats() = 0;

  // For a read-only DB: catch up with what the writer acknowledged since the open. No-op (OK) for
  // a writable DB.
  virtual Status Refresh() = 0;

 protected:
  DB() = default;
};

}  // namespace tally
