// RocksStore: the RocksDB instance under a tally directory, with its column families tuned for
// what each holds (see layout.h and docs/format.md).
//
// A writable store owns the directory (RocksDB's LOCK file); a read-only store is a RocksDB
// secondary instance that follows a writer in another process and keeps its own small state in a
// temporary directory, removed on close.
//
// Thread-safety: as rocksdb::DB — every method may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>

#include "tally/options.h"
#include "tally/result.h"

namespace tally::store {

enum class Family : uint8_t { kMeta = 0, kSeries, kLog, kBlocks, kDedup };
inline constexpr int kFamilyCount = 5;

class RocksStore {
 public:
  // The rollup families to open beside the fixed ones: their names and the merge operator that
  // folds their operands (the store does not know what rollups are).
  struct RollupFamilies {
    std::vector<std::string> names;
    std::shared_ptr<rocksdb::MergeOperator> merge_operator;
  };

  // Opens (creating, unless read-only) the RocksDB instance in `path`.
  static Result<std::unique_ptr<RocksStore>> Open(const std::string& path, const Options& options,
                                                  const RollupFamilies& rollups);
  ~RocksStore();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Family f) const { return handles_[static_cast<int>(f)]; }
  // The family of the i-th rollup resolution.
  rocksdb::ColumnFamilyHandle* rollup_cf(size_t i) const { return handles_[kFamilyCount + i]; }
  size_t rollup_families() const { return handles_.size() - kFamilyCount; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& all_families() const { return handles_; }
  bool read_only() const { return read_only_; }

  // Event time before which dedup records may be dropped by compaction (see Options::
  // dedup_window_us); the dedup family's compaction filter reads it.
  void SetDedupExpiry(int64_t expire_before_us) { dedup_expiry_->store(expire_before_us); }

  // Retention of the time-keyed families (blocks, and rollup family i): compaction drops a record
  // whose key time plus `span_us` is at or before `expire_before_us`. Keys are series id | time.
  void SetBlockExpiry(int64_t span_us, int64_t expire_before_us) { SetExpiry(0, span_us, expire_before_us); }
  void SetRollupExpiry(size_t i, int64_t span_us, int64_t expire_before_us) {
    SetExpiry(1 + i, span_us, expire_before_us);
  }

  // What a retention filter reads; shared with the filter, which RocksDB may run on any thread.
  struct Expiry {
    std::atomic<int64_t> span_us{0};
    std::atomic<int64_t> before_us{INT64_MIN};
  };

  // Writes every memtable to SST files and compacts every family fully (drops deleted data).
  // Flushes every memtable and compacts every family to the bottom level; `progress(done, total)`
  // hears of each family as it starts and once all are done.
  Status CompactAll(const std::function<void(size_t done, size_t total)>& progress = nullptr);

 private:
  RocksStore() = default;

  void SetExpiry(size_t i, int64_t span_us, int64_t before_us) {
    expiries_[i]->span_us.store(span_us);
    expiries_[i]->before_us.store(before_us);
  }

  bool read_only_ = false;
  std::vector<std::shared_ptr<Expiry>> expiries_;                   // blocks, then each rollup family
  std::vector<std::unique_ptr<rocksdb::CompactionFilter>> retention_filters_;  // outlive db_
  std::string secondary_dir_;  // read-only stores only
  std::shared_ptr<std::atomic<int64_t>> dedup_expiry_ = std::make_shared<std::atomic<int64_t>>(INT64_MIN);
  std::unique_ptr<rocksdb::CompactionFilter> dedup_filter_holder_;  // outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// Maps a RocksDB status to a tally one, keeping its message behind `context`.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

}  // namespace tally::store
