// DBImpl: the DB of tally/db.h — the write path (log, head, flush), recovery, reads and compaction.
//
// Locks, always taken in this order:
//   view_mu_   held shared by every read for its whole length and exclusively by Refresh, because a
//              read-only (secondary) RocksDB instance has no snapshots;
//   flush_mu_  one flush or compaction at a time;
//   write_mu_  one append at a time (series resolution, dedup, log write, head insert), and the
//              freeze of the head, so the log records a flush deletes are exactly those its frozen
//              head holds;
//   snapshot_mu_  readers take it shared while they take their RocksDB snapshot and copy head rows;
//              a flush holds it exclusively from writing its blocks until its frozen head is gone,
//              so a snapshot and the heads always agree (nothing counted twice or missed);
//   head_mu_   the heads' contents: appenders insert under it exclusively, readers copy under it
//              shared.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <rocksdb/write_batch.h>

#include "engine/head/head.h"
#include "engine/ingest/dedup_index.h"
#include "engine/ingest/dedup_record.h"
#include "engine/ingest/label_memo.h"
#include "engine/ingest/log_record.h"
#include "engine/query/availability.h"
#include "engine/query/rollup_cache.h"
#include "engine/rollup/rollup_builder.h"
#include "engine/series/catalog.h"
#include "engine/store/rocks_store.h"
#include "tally/db.h"

namespace tally::db {

class DBImpl final : public DB {
 public:
  static Result<std::unique_ptr<DB>> Open(const std::string& path, const Options& options);
  ~DBImpl() override;

  Status Append(std::span<const UsageEvent> events, AppendStats* stats) override;
  Status Flush() override;
  using DB::Compact;
  Status Compact(const CompactOptions& options) override;
  Result<std::vector<SeriesInfo>> ListSeries(const SeriesFilter& filter) override;
  Status ScanEvents(const SeriesFilter& filter, const TimeRange& range, const EventVisitor& visitor) override;
  Result<QueryResult> Query(const tally::Query& query) override;
  Result<DbStats> GetStats() override;
  Status Refresh() override;

  // For the library's own inspection and verification routines (engine/inspect): the RocksDB
  // instance, the series catalog and the resolved options. Callers must not write through them.
  store::RocksStore& store() { return *store_; }
  const series::SeriesCatalog& catalog() const { return catalog_; }
  const Options& options() const { return options_; }
  const std::string& path() const { return path_; }
  // Per level (raw, then each rollup resolution), the instant before which data has expired
  // (query::kNothingExpired when nothing has).
  std::vector<int64_t> ExpiredBefore();

 private:
  DBImpl(std::string path, const Options& options) : path_(std::move(path)), options_(options) {}

  Status LoadMeta();
  // Retention (retention.cc): reads what has been expired so far; and, for a writer, moves the
  // expiry instants up to the newest event minus each level's retention, records them, and hands
  // them to the compaction filters.
  Status LoadRetention();
  Status AdvanceRetention();  // REQUIRES: no flush or compaction running (flush_mu_ held, or Open)
  bool StoreIsEmpty();
  Status LoadSeries();
  Status ReplayLog();

  // Validates every event and resolves (creating when new) its series; new series records go into
  // *batch. On error the caller undoes the catalog additions.
  Status ResolveSeries(std::span<const UsageEvent> events, rocksdb::WriteBatch* batch,
                       std::vector<ingest::ResolvedSeries>* resolved);
  // Marks in *duplicate the events whose id is remembered or repeats within the batch.
  void FindDuplicates(std::span<const UsageEvent> events, std::vector<bool>* duplicate, int64_t high_water);
  Status LoadDedupIndex();
  // Removes the series an unsuccessful append added (those past the first `catalog_size`).
  void UndoNewSeries(size_t catalog_size);

  // Freezes the active head (when it holds at least `min_bytes`) and writes it out as blocks.
  Status FlushLocked(uint64_t min_bytes);  // REQUIRES: flush_mu_ held
  void FlusherLoop();
  bool HeadNeedsFlush() const;  // REQUIRES: write_mu_ held

  // Reads the rows of one series in `range` from blocks (at `snapshot`) and appends them. When
  // `wanted` is given, blocks whose window it refuses (by window start) are not decoded.
  Status ReadBlockRows(const series::CatalogEntry& series, const TimeRange& range,
                       const rocksdb::Snapshot* snapshot, std::vector<EventRow>* out,
                       const std::function<bool(int64_t window_start_us)>& wanted = nullptr);

  // The view reads run on: a RocksDB snapshot for a writable DB, nullptr (the current view, fixed
  // between Refresh calls) for a read-only one.
  const rocksdb::Snapshot* TakeSnapshot();

  const std::string path_;
  Options options_;
  std::unique_ptr<store::RocksStore> store_;
  series::SeriesCatalog catalog_;

  std::shared_mutex view_mu_;  // reads shared; a read-only DB's catch-up (Refresh) exclusive
  std::mutex flush_mu_;
  std::mutex write_mu_;
  std::shared_mutex snapshot_mu_;
  std::shared_mutex head_mu_;
  std::unique_ptr<head::Head> active_ = std::make_unique<head::Head>();
  std::unique_ptr<head::Head> frozen_;  // being flushed; still read by queries
  // Kept between flushes so that their memory is reused (under flush_mu_): the last flushed head,
  // emptied, becomes the next active one; the rollup builder and the batch keep their buffers.
  std::unique_ptr<head::Head> spare_head_;
  std::unique_ptr<rollup::RollupBuilder> flush_rollups_;
  rocksdb::WriteBatch flush_batch_;

  // Writer state (under write_mu_).
  uint64_t next_log_seq_ = 1;
  int64_t dedup_high_water_ = INT64_MIN;
  int64_t active_since_us_ = 0;  // wall clock of the first append into the active head
  // Retention: per level (raw, then each resolution) the instant before which records are expired,
  // and what queries may rely on because of it. Changed under snapshot_mu_ exclusively.
  std::vector<int64_t> expired_before_;
  query::Availability availability_;
  // Counts the flushes that wrote rollup cells (under snapshot_mu_ exclusively), so queries know
  // which cached cells agree with their snapshot.
  uint64_t flush_epoch_ = 0;
  std::unique_ptr<query::RollupCache> rollup_cache_;
  ingest::LogRecordBuilder log_builder_;
  ingest::LabelMemo label_memo_;
  ingest::DedupIndex dedup_index_;
  std::unordered_set<uint64_t> batch_ids_;
  std::vector<ingest::SeenId> seen_ids_;
  std::string dedup_scratch_;
  std::string key_scratch_;
  Status background_error_;  // sticky: after a failed flush the DB refuses writes

  uint64_t next_block_seq_ = 0;  // under flush_mu_

  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  std::condition_variable flushed_cv_;
  bool flush_requested_ = false;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace tally::db
