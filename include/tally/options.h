// Options: how a tally database is opened and how it behaves.
//
// Fields are split as in LevelDB: those that shape the data on disk are recorded in the database
// when it is created and checked on every later open (a mismatch is InvalidArgument); those that
// only affect behaviour or performance may change from one open to the next.
//
// Thread-safety: plain values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tally {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

// The block window of a new database when Options::block_window_us is 0: one week.
inline constexpr int64_t kDefaultBlockWindowUs = 7 * kMicrosPerDay;

// The rollup resolutions of the usage dashboard: 1 minute, 1 hour, 1 day.
inline const std::vector<int64_t> kStandardRollupResolutions = {kMicrosPerMinute, kMicrosPerHour, kMicrosPerDay};

// The default retention of rollup cells `resolution_us` wide: under an hour 14 days, under a day
// 400 days, otherwise forever (0).
constexpr int64_t DefaultRollupRetention(int64_t resolution_us) {
  if (resolution_us < kMicrosPerHour) return 14 * kMicrosPerDay;
  if (resolution_us < kMicrosPerDay) return 400 * kMicrosPerDay;
  return 0;
}

struct Options {
  // ---- Behaviour -------------------------------------------------------------------------------

  // Create the database when the directory holds none. Default: true.
  bool create_if_missing = true;

  // Fail with InvalidArgument when a database already exists at the path. Default: false.
  bool error_if_exists = false;

  // Open without the right to write: Append, Flush and Compact return NotSupported. Several
  // read-only opens may sit beside one writer (in another process); each sees what was acknowledged
  // before it opened (call DB::Refresh to see later appends). Default: false.
  bool read_only = false;

  // fsync the write-ahead log before Append returns. Without it an acknowledged append survives a
  // crash of the process (the log is in the kernel's page cache) but not a power loss.
  // Default: false.
  bool sync_each_append = false;

  // How long, in event time, an event id is remembered for deduplication: an event whose id was
  // seen on an event at most this much older than the newest event stored is a duplicate.
  // Default: 7 days.
  int64_t dedup_window_us = 7 * kMicrosPerDay;

  // Retention: how far behind the newest event stored (in event time) data is kept. Older data is
  // dropped by compaction, whole blocks and whole cell rows at a time, and queries stop reading it
  // at once: a range that reaches into expired data is answered from the coarser rollups that
  // remain, and QueryStats says so (docs/query.md, "Retention"). Retention advances when the
  // database is opened for writing and on every Compact; lengthening it later cannot bring back
  // what was dropped. 0 keeps data forever.

  // Raw events (blocks). Default: 0 — raw events are the billing record and what exports read.
  int64_t raw_retention_us = 0;

  // Rollup cells, one entry per rollup resolution of the database (ascending). Empty means the
  // defaults of DefaultRollupRetention. REQUIRES: each entry >= 0, and a coarser resolution keeps
  // its cells at least as long as a finer one (0, forever, is the longest).
  std::vector<int64_t> rollup_retention_us;

  // ---- Performance -----------------------------------------------------------------------------

  // The in-memory head is written out as blocks once it holds this many bytes of events.
  // Default: 64 MiB.
  size_t head_flush_bytes = 64u << 20;

  // ... or once its oldest unflushed append is this old (wall clock), so that a quiet database
  // does not keep its recent events only in the log. 0 disables the age trigger. Default: 60 s.
  int64_t head_flush_age_us = 60 * kMicrosPerSecond;

  // Compaction merges a series' adjacent blocks in one block window up to this many rows.
  // Default: 65536.
  uint32_t compact_block_rows = 65536;

  // RocksDB block cache size in bytes. Default: 64 MiB.
  size_t block_cache_bytes = 64u << 20;

  // Memory for the coarse rollup cells (every resolution but the finest) of the series queries
  // read, kept per series (counters decoded, latencies as stored), which answers questions over
  // many series or with percentiles without reading RocksDB. Each of those resolutions gets an
  // equal share; filled by queries; 0 disables it. Default: 64 MiB.
  size_t rollup_cache_bytes = 64u << 20;

  // ---- On-disk shape (recorded at creation, checked on open) -----------------------------------

  // Raw events are stored in blocks that never cross a multiple of this span (UTC, from the epoch),
  // which bounds where a time-range scan has to look and lets retention drop whole blocks. Longer
  // windows give larger blocks, which compress better, for sparse series.
  // 0 means: the value stored in the database, or kDefaultBlockWindowUs when creating one.
  // Default: 0. REQUIRES: >= 0.
  int64_t block_window_us = 0;

  // Widths of the rollup buckets, ascending, each a whole number of seconds dividing the next;
  // kStandardRollupResolutions is {1 minute, 1 hour, 1 day}. Rollups answer queries without reading
  // events, at a storage cost: on the benchmark workload (docs/benchmarks.md) per-series cells at
  // 1m/1h/1d add about 7.3 bytes per event to the 9.5 of the raw blocks.
  // When opening an existing database, empty means "whatever it was created with", anything else
  // must be exactly that; when creating one, empty means kStandardRollupResolutions (unless
  // create_rollups is false). Default: empty.
  std::vector<int64_t> rollup_resolutions_us;

  // Whether a database created by this open keeps rollups (at rollup_resolutions_us). False creates
  // one without: queries then read raw events, and ingest is faster (docs/benchmarks.md). Ignored
  // when the database exists. REQUIRES: rollup_resolutions_us empty when false. Default: true.
  bool create_rollups = true;
};

}  // namespace tally
