#include "engine/store/rocks_store.h"

#include <stdlib.h>

#include <filesystem>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "engine/ingest/dedup_record.h"
#include "engine/store/layout.h"

namespace tally::store {
namespace {

// Drops dedup records whose every id fell out of the dedup window. Never throws: a malformed
// value is kept (opening the database reports it) rather than guessed about.
class DedupExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit DedupExpiryFilter(std::shared_ptr<std::atomic<int64_t>> expiry) : expiry_(std::move(expiry)) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
    std::optional<int64_t> newest = ingest::DedupRecordMaxTimestamp(value.ToStringView());
    return newest.has_value() && *newest < expiry_->load(std::memory_order_relaxed);
  }
  const char* Name() const override { return "tally.DedupExpiryFilter"; }

 private:
  std::shared_ptr<std::atomic<int64_t>> expiry_;
};

// Drops records of a time-keyed family (key: series id | time, big-endian) whose time span ended
// before the retention horizon. Merge operands of the same key share its fate. Never throws.
class RetentionFilter final : public rocksdb::CompactionFilter {
 public:
  explicit RetentionFilter(std::shared_ptr<RocksStore::Expiry> expiry) : expiry_(std::move(expiry)) {}
  Decision FilterV2(int, const rocksdb::Slice& key, ValueType, const rocksdb::Slice&, std::string*,
                    std::string*) const override {
    const int64_t before = expiry_->before_us.load(std::memory_order_relaxed);
    if (before == INT64_MIN || key.size() < 16) return Decision::kKeep;
    const int64_t start = static_cast<int64_t>(DecodeFixed64BE(key.data() + 8));
    return start + expiry_->span_us.load(std::memory_order_relaxed) <= before ? Decision::kRemove : Decision::kKeep;
  }
  const char* Name() const override { return "tally.RetentionFilter"; }

 private:
  std::shared_ptr<RocksStore::Expiry> expiry_;
};

rocksdb::ColumnFamilyOptions FamilyOptions(Family f, const std::shared_ptr<rocksdb::Cache>& cache,
                                           const rocksdb::CompactionFilter* dedup_filter) {
  rocksdb::ColumnFamilyOptions cf;
  cf.level_compaction_dynamic_level_bytes = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.format_version = 5;
  switch (f) {
    case Family::kMeta:
    case Family::kSeries:
      cf.compression = rocksdb::kZSTD;
      break;
    case Family::kLog:
      // Log records live until the next flush of the head; a large memtable lets most of them be
      // deleted before they ever reach an SST file.
      cf.compression = rocksdb::kNoCompression;
      cf.write_buffer_size = 256u << 20;
      break;
    case Family::kBlocks:
      // Blocks are compressed by tally's own codecs; compressing them again wastes time.
      cf.compression = rocksdb::kNoCompression;
      cf.write_buffer_size = 64u << 20;
      table.block_size = 64u << 10;
      break;
    case Family::kDedup:
      cf.compression = rocksdb::kZSTD;
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      cf.compaction_filter = dedup_filter;
      break;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// A rollup family is read by seeks to a few rows per series, in key order. RocksDB would take
// that for a sequential scan and issue readahead system calls for blocks that are almost always
// in the block cache already; the rows are small, so readahead never pays.
rocksdb::ColumnFamilyOptions RollupFamilyOptions(const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.level_compaction_dynamic_level_bytes = true;
  cf.compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.format_version = 5;
  table.max_auto_readahead_size = 0;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

constexpr std::string_view kFamilyNames[kFamilyCount] = {kMetaFamily, kSeriesFamily, kLogFamily,
                                                         kBlocksFamily, kDedupFamily};

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string message(context);
  message += ": ";
  message += s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(message));
  if (s.IsNotFound()) return Status::NotFound(std::move(message));
  if (s.IsNotSupported()) return Status::NotSupported(std::move(message));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(message));
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::Busy(std::move(message));
  // RocksDB reports a held LOCK file as an IO error; it means another writer owns the directory.
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return Status::Busy(std::string(context) + ": the directory is locked by another writer (" + s.ToString() + ")");
  }
  return Status::IOError(std::move(message));
}

Result<std::unique_ptr<RocksStore>> RocksStore::Open(const std::string& path, const Options& options,
                                                     const RollupFamilies& rollups) {
  std::unique_ptr<RocksStore> store(new RocksStore());
  store->read_only_ = options.read_only;

  rocksdb::Options db_options;
  db_options.create_if_missing = !options.read_only;
  db_options.create_missing_column_families = !options.read_only;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1u << 20;
  db_options.keep_log_file_num = 2;
  db_options.max_log_file_size = 1u << 20;
  db_options.max_manifest_file_size = 8u << 20;
  db_options.max_total_wal_size = 512u << 20;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  static_assert(kFamilyCount == 5);
  store->dedup_filter_holder_ = std::make_unique<DedupExpiryFilter>(store->dedup_expiry_);

  auto retention_filter = [&store]() {
    store->expiries_.push_back(std::make_shared<Expiry>());
    store->retention_filters_.push_back(std::make_unique<RetentionFilter>(store->expiries_.back()));
    return store->retention_filters_.back().get();
  };
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (int f = 0; f < kFamilyCount; ++f) {
    rocksdb::ColumnFamilyOptions cf = FamilyOptions(static_cast<Family>(f), cache, store->dedup_filter_holder_.get());
    if (static_cast<Family>(f) == Family::kBlocks) cf.compaction_filter = retention_filter();
    families.emplace_back(std::string(kFamilyNames[f]), cf);
  }
  for (const std::string& name : rollups.names) {
    rocksdb::ColumnFamilyOptions cf = RollupFamilyOptions(cache);
    cf.merge_operator = rollups.merge_operator;
    cf.compaction_filter = retention_filter();
    cf.write_buffer_size = 128u << 20;
    cf.level0_file_num_compaction_trigger = 8;
    families.emplace_back(name, cf);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    char tmpl[] = "/tmp/tally-reader-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Status::IOError("cannot create a temporary directory for a reader");
    store->secondary_dir_ = tmpl;
    db_options.max_open_files = -1;  // required of a secondary instance
    s = rocksdb::DB::OpenAsSecondary(db_options, path, store->secondary_dir_, families, &store->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, path, families, &store->handles_, &raw);
  }
  if (!s.ok()) return FromRocks(s, "open " + path);
  store->db_.reset(raw);
  return store;
}

RocksStore::~RocksStore() {
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

Status RocksStore::CompactAll(const std::function<void(size_t done, size_t total)>& progress) {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  Status s = FromRocks(db_->Flush(flush, handles_), "flush memtables");
  if (!s.ok()) return s;
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (size_t i = 0; i < handles_.size(); ++i) {
    if (progress) progress(i, handles_.size());
    s = FromRocks(db_->CompactRange(compact, handles_[i], nullptr, nullptr), "compact " + handles_[i]->GetName());
    if (!s.ok()) return s;
  }
  if (progress) progress(handles_.size(), handles_.size());
  return Status::OK();
}

}  // namespace tally::store
