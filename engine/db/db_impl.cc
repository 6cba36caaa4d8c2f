#include "engine/db/db_impl.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <unordered_set>

#include <unistd.h>

#include <rocksdb/write_batch.h>

#include "engine/codec/coding.h"
#include "engine/db/retention.h"
#include "engine/ingest/dedup_record.h"
#include "engine/ingest/validate.h"
#include "engine/rollup/merge_operator.h"
#include "engine/rollup/resolutions.h"
#include "engine/series/series_key.h"
#include "engine/store/layout.h"
#include "engine/util/status_macros.h"

namespace tally {

Result<std::unique_ptr<DB>> DB::Open(const std::string& path, const Options& options) {
  return db::DBImpl::Open(path, options);
}

namespace db {
namespace {

using store::Family;

// Appends larger than this are refused: one append is one log record and one RocksDB write.
constexpr size_t kMaxAppendEvents = 1u << 20;

int64_t WallClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Fixed64Value(uint64_t v) {
  std::string out;
  codec::PutFixed64(&out, v);
  return out;
}

EventRow RowOf(const UsageEvent& e) {
  return EventRow{e.timestamp_us, e.input_tokens, e.output_tokens, e.latency_us, e.outcome, e.cost_micros,
                  e.event_id};
}

// Releases a RocksDB snapshot when the scope ends.
class SnapshotHolder {
 public:
  SnapshotHolder(rocksdb::DB* db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
  ~SnapshotHolder() {
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  }
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

// What a directory holds before it is opened.
enum class DirectoryState {
  kNew,          // nothing yet: create a database
  kExisting,     // a tally database (whose creation may still have been cut short, see LoadMeta)
  kInterrupted,  // a database whose creation was cut short before all its families existed
};

bool IsTallyFamily(std::string_view name) {
  for (std::string_view known : {store::kMetaFamily, store::kSeriesFamily, store::kLogFamily, store::kBlocksFamily,
                                 store::kDedupFamily}) {
    if (name == known) return true;
  }
  return rollup::ParseFamilyName(name).has_value();
}

// Written before anything else when a database is created, so that a directory whose creation was
// cut short is still known as tally's (and not taken for some other RocksDB database).
constexpr std::string_view kMarkerFile = "TALLY";
constexpr std::string_view kMarkerText = "tally database\n";

Status WriteMarker(const std::string& path) {
  const std::string file = path + "/" + std::string(kMarkerFile);
  FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr) return Status::IOError("cannot create " + file);
  const bool ok = std::fwrite(kMarkerText.data(), 1, kMarkerText.size(), f) == kMarkerText.size() &&
                  std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  if (std::fclose(f) != 0 || !ok) return Status::IOError("cannot write " + file);
  return Status::OK();
}

Result<DirectoryState> CheckDirectory(const std::string& path, const Options& options,
                                      std::vector<std::string>* families) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (fs::exists(st) && !fs::is_directory(st)) return Status::InvalidArgument(path + " is not a directory");
  const bool marked = fs::exists(fs::path(path) / kMarkerFile, ec);
  if (fs::exists(fs::path(path) / "CURRENT", ec)) {
    if (!marked) return Status::InvalidArgument(path + " holds a RocksDB database that is not a tally database");
    if (options.error_if_exists) return Status::InvalidArgument("a database already exists at " + path);
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, families);
    if (!s.ok()) return store::FromRocks(s, "open " + path);
    if (!std::all_of(families->begin(), families->end(), IsTallyFamily)) {
      return Status::Corruption(path + " holds column families tally does not know");
    }
    for (std::string_view needed : {store::kSeriesFamily, store::kLogFamily, store::kBlocksFamily,
                                    store::kDedupFamily}) {
      if (std::find(families->begin(), families->end(), needed) == families->end()) {
        // Creation adds the families one by one; a crash can stop it between two of them.
        if (options.read_only) return Status::NotFound("the tally database at " + path + " is still being created");
        return DirectoryState::kInterrupted;
      }
    }
    return DirectoryState::kExisting;
  }
  if (options.read_only || !options.create_if_missing) {
    return Status::NotFound(marked ? "the tally database at " + path + " is still being created"
                                   : "no tally database at " + path);
  }
  if (!marked && fs::exists(st) && !fs::is_empty(path, ec)) {
    return Status::InvalidArgument(path + " is not empty and holds no tally database");
  }
  fs::create_directories(path, ec);
  if (ec) return Status::IOError("cannot create " + path + ": " + ec.message());
  if (!marked) TALLY_RETURN_IF_ERROR(WriteMarker(path));
  return DirectoryState::kNew;
}

// The rollup resolutions of the database: those it was created with (recorded in its meta and as
// its rollup families), or for a new one those of the options.
Result<std::vector<int64_t>> ChooseResolutions(const std::string& path, const Options& options, DirectoryState state,
                                               const std::vector<std::string>& families) {
  std::vector<int64_t> found;
  for (const std::string& name : families) {
    if (std::optional<int64_t> r = rollup::ParseFamilyName(name)) found.push_back(*r);
  }
  std::sort(found.begin(), found.end());
  std::vector<int64_t> chosen;
  if (state == DirectoryState::kExisting) {
    chosen = found;
    if (!options.rollup_resolutions_us.empty() && options.rollup_resolutions_us != chosen) {
      return Status::InvalidArgument(path + " keeps rollups at other resolutions than the options ask for "
                                            "(they cannot change after creation; leave the option empty)");
    }
  } else {
    if (options.create_rollups) {
      chosen = options.rollup_resolutions_us.empty() ? kStandardRollupResolutions : options.rollup_resolutions_us;
    }
    // Finishing an interrupted creation: the families made so far must be among those asked for.
    for (int64_t r : found) {
      if (std::find(chosen.begin(), chosen.end(), r) == chosen.end()) {
        return Status::InvalidArgument(path + " was being created with other rollup resolutions than the options ask for");
      }
    }
  }
  TALLY_RETURN_IF_ERROR(rollup::ValidateResolutions(chosen));
  return chosen;
}

}  // namespace

Result<std::unique_ptr<DB>> DBImpl::Open(const std::string& path, const Options& options) {
  if (options.block_window_us < 0) return Status::InvalidArgument("block_window_us must not be negative");
  if (options.dedup_window_us < 0) return Status::InvalidArgument("dedup_window_us must not be negative");
  if (options.raw_retention_us < 0) return Status::InvalidArgument("raw_retention_us must not be negative");
  // Bad rollup options are refused before the directory is touched.
  if (!options.create_rollups && !options.rollup_resolutions_us.empty()) {
    return Status::InvalidArgument("rollup_resolutions_us is set but create_rollups is false");
  }
  TALLY_RETURN_IF_ERROR(rollup::ValidateResolutions(options.rollup_resolutions_us));
  std::vector<std::string> families;
  TALLY_ASSIGN_OR_RETURN(DirectoryState state, CheckDirectory(path, options, &families));
  TALLY_ASSIGN_OR_RETURN(std::vector<int64_t> resolutions, ChooseResolutions(path, options, state, families));
  TALLY_ASSIGN_OR_RETURN(std::vector<int64_t> rollup_retention, RollupRetention(options, resolutions));
  std::unique_ptr<DBImpl> db(new DBImpl(path, options));
  db->options_.rollup_resolutions_us = resolutions;
  db->options_.rollup_retention_us = rollup_retention;
  db->rollup_cache_ = std::make_unique<query::RollupCache>(resolutions.size(), options.rollup_cache_bytes);
  store::RocksStore::RollupFamilies rollup_families;
  for (int64_t r : resolutions) rollup_families.names.push_back(rollup::FamilyName(r));
  rollup_families.merge_operator = rollup::NewRollupMergeOperator();
  TALLY_ASSIGN_OR_RETURN(db->store_, store::RocksStore::Open(path, options, rollup_families));
  TALLY_RETURN_IF_ERROR(db->LoadMeta());
  TALLY_RETURN_IF_ERROR(db->LoadRetention());
  TALLY_RETURN_IF_ERROR(db->LoadSeries());
  TALLY_RETURN_IF_ERROR(db->ReplayLog());
  if (!options.read_only) TALLY_RETURN_IF_ERROR(db->LoadDedupIndex());
  if (!options.read_only) TALLY_RETURN_IF_ERROR(db->AdvanceRetention());
  if (!options.read_only) db->flusher_ = std::thread([raw = db.get()] { raw->FlusherLoop(); });
  return std::unique_ptr<DB>(std::move(db));
}

DBImpl::~DBImpl() {
  {
    std::lock_guard lock(flusher_mu_);
    stopping_ = true;
  }
  flusher_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

bool DBImpl::StoreIsEmpty() {
  for (rocksdb::ColumnFamilyHandle* family : store_->all_families()) {
    std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(rocksdb::ReadOptions(), family));
    it->SeekToFirst();
    if (it->Valid() || !it->status().ok()) return false;
  }
  return true;
}

Status DBImpl::LoadMeta() {
  rocksdb::DB* rdb = store_->db();
  auto* meta = store_->cf(Family::kMeta);
  std::string value;
  rocksdb::Status s = rdb->Get(rocksdb::ReadOptions(), meta, store::kMetaFormatVersion, &value);
  // The meta records are the last step of creating a database, written in one synced batch before
  // anything else can be: without them and without any data, this is a creation to (re)do.
  if (s.IsNotFound() && options_.read_only && StoreIsEmpty()) {
    return Status::NotFound("the tally database at " + path_ + " is still being created");
  }
  if (s.IsNotFound() && !options_.read_only && StoreIsEmpty()) {
    if (options_.block_window_us == 0) options_.block_window_us = kDefaultBlockWindowUs;
    rocksdb::WriteBatch batch;
    std::string version;
    codec::PutFixed32(&version, store::kFormatVersion);
    batch.Put(meta, store::kMetaFormatVersion, version);
    batch.Put(meta, store::kMetaBlockWindow, Fixed64Value(static_cast<uint64_t>(options_.block_window_us)));
    std::string resolutions;
    codec::PutFixed32(&resolutions, static_cast<uint32_t>(options_.rollup_resolutions_us.size()));
    for (int64_t r : options_.rollup_resolutions_us) codec::PutFixed64(&resolutions, static_cast<uint64_t>(r));
    batch.Put(meta, store::kMetaRollupResolutions, resolutions);
    batch.Put(meta, store::kMetaNextBlockSeq, Fixed64Value(0));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return store::FromRocks(rdb->Write(wo, &batch), "create " + path_);
  }
  if (s.IsNotFound()) return Status::InvalidArgument(path_ + " is not a tally database (no format version)");
  TALLY_RETURN_IF_ERROR(store::FromRocks(s, "read format version"));
  if (value.size() != 4) return Status::Corruption("format version record has " + std::to_string(value.size()) + " bytes");
  uint32_t version = codec::DecodeFixed32(value.data());
  if (version > store::kFormatVersion) {
    return Status::NotSupported(path_ + " has format version " + std::to_string(version) +
                                "; this build reads up to " + std::to_string(store::kFormatVersion));
  }

  auto read_fixed64 = [&](std::string_view key, uint64_t* out) -> Status {
    std::string v;
    rocksdb::Status rs = rdb->Get(rocksdb::ReadOptions(), meta, key, &v);
    if (rs.IsNotFound()) return Status::NotFound(std::string(key));
    TALLY_RETURN_IF_ERROR(store::FromRocks(rs, "read " + std::string(key)));
    if (v.size() != 8) return Status::Corruption(std::string(key) + " record has " + std::to_string(v.size()) + " bytes");
    *out = codec::DecodeFixed64(v.data());
    return Status::OK();
  };
  uint64_t window = 0;
  TALLY_RETURN_IF_ERROR(read_fixed64(store::kMetaBlockWindow, &window));
  if (window == 0 || window > static_cast<uint64_t>(INT64_MAX)) return Status::Corruption("block window is " + std::to_string(window));
  if (options_.block_window_us != 0 && static_cast<uint64_t>(options_.block_window_us) != window) {
    return Status::InvalidArgument("block_window_us is " + std::to_string(window) + " in " + path_ +
                                   " but " + std::to_string(options_.block_window_us) +
                                   " in the options (it cannot change after creation; pass 0 to use the stored value)");
  }
  options_.block_window_us = static_cast<int64_t>(window);
  TALLY_RETURN_IF_ERROR(read_fixed64(store::kMetaNextBlockSeq, &next_block_seq_));
  {
    // The rollup families found on disk must be exactly the resolutions recorded at creation.
    std::string v;
    TALLY_RETURN_IF_ERROR(store::FromRocks(rdb->Get(rocksdb::ReadOptions(), meta, store::kMetaRollupResolutions, &v),
                                           "read rollup resolutions"));
    std::vector<int64_t> recorded;
    if (v.size() >= 4 && v.size() == 4 + 8 * static_cast<size_t>(codec::DecodeFixed32(v.data()))) {
      for (size_t i = 4; i < v.size(); i += 8) recorded.push_back(static_cast<int64_t>(codec::DecodeFixed64(v.data() + i)));
    } else {
      return Status::Corruption("rollup resolutions record has " + std::to_string(v.size()) + " bytes");
    }
    if (recorded != options_.rollup_resolutions_us) {
      return Status::Corruption(path_ + ": rollup column families do not match the recorded resolutions");
    }
  }
  uint64_t high_water = 0;
  Status hs = read_fixed64(store::kMetaDedupHighWater, &high_water);
  if (hs.ok()) {
    dedup_high_water_ = static_cast<int64_t>(high_water);
    store_->SetDedupExpiry(dedup_high_water_ - options_.dedup_window_us);
  } else if (!hs.IsNotFound()) {
    return hs;
  }
  return Status::OK();
}

Status DBImpl::LoadSeries() {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(ro, store_->cf(Family::kSeries)));
  const std::string prefix(1, store::kSeriesByIdTag);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != 9) return Status::Corruption("series record key of " + std::to_string(it->key().size()) + " bytes");
    uint64_t id = store::DecodeFixed64BE(it->key().data() + 1);
    if (catalog_.FindById(id)) continue;  // known already (a read-only store catching up)
    TALLY_RETURN_IF_ERROR(catalog_.Load(id, it->value().ToStringView()));
  }
  return store::FromRocks(it->status(), "read series");
}

Status DBImpl::ReplayLog() {
  auto head = std::make_unique<head::Head>();
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(Family::kLog)));
  std::vector<ingest::LogEntry> entries;
  uint64_t last_seq = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("log key of " + std::to_string(it->key().size()) + " bytes");
    uint64_t seq = store::DecodeFixed64BE(it->key().data());
    Status s = ingest::DecodeLogRecord(it->value().ToStringView(), &entries);
    if (!s.ok()) return s.WithContext("log record " + std::to_string(seq));
    head->NoteLogRecord(seq);
    for (const ingest::LogEntry& e : entries) {
      std::optional<uint32_t> dense = catalog_.FindById(e.series_id);
      if (!dense) return Status::Corruption("log record " + std::to_string(seq) + " names unknown series " + std::to_string(e.series_id));
      head->Add(*dense, e.row);
    }
    last_seq = seq;
  }
  TALLY_RETURN_IF_ERROR(store::FromRocks(it->status(), "read log"));
  std::unique_lock lock(head_mu_);
  active_ = std::move(head);
  frozen_.reset();
  next_log_seq_ = std::max(next_log_seq_, last_seq + 1);
  if (!active_->empty()) active_since_us_ = WallClockMicros();
  return Status::OK();
}

Status DBImpl::ResolveSeries(std::span<const UsageEvent> events, rocksdb::WriteBatch* batch,
                             std::vector<ingest::ResolvedSeries>* resolved) {
  resolved->resize(events.size());
  label_memo_.NewCall();
  auto* family = store_->cf(Family::kSeries);
  for (size_t i = 0; i < events.size(); ++i) {
    const UsageEvent& e = events[i];
    TALLY_RETURN_IF_ERROR(ingest::ValidateMeasures(e, i));
    if (const ingest::LabelMemo::Hit hit = label_memo_.Find(e); hit.series != nullptr) {
      // Views remembered from an earlier append may now show other bytes: compare them with the
      // series' labels (known valid) before trusting the hit.
      if (hit.this_call || catalog_.LabelsEqual(hit.series->dense, e)) {
        (*resolved)[i] = *hit.series;
        if (!hit.this_call) label_memo_.Remember(e, *hit.series);
        continue;
      }
    }
    TALLY_RETURN_IF_ERROR(ingest::ValidateLabels(e, i));
    series::EncodeSeriesKey(e, &key_scratch_);
    std::optional<uint32_t> dense = catalog_.Find(key_scratch_);
    if (!dense) {
      TALLY_ASSIGN_OR_RETURN(dense, catalog_.Add(key_scratch_));
      const series::CatalogEntry& entry = catalog_.at(*dense);
      std::string id_be;
      store::PutFixed64BE(&id_be, entry.id);
      batch->Put(family, store::SeriesByKeyKey(entry.canonical_key), id_be);
      batch->Put(family, store::SeriesByIdKey(entry.id), entry.canonical_key);
      for (int l = 0; l < kLabelCount; ++l) {
        batch->Put(family, store::PostingKey(static_cast<uint8_t>(l), entry.labels.values[l], entry.id), "");
      }
    }
    (*resolved)[i] = ingest::ResolvedSeries{*dense, catalog_.at(*dense).id};
    label_memo_.Remember(e, (*resolved)[i]);
  }
  return Status::OK();
}

void DBImpl::FindDuplicates(std::span<const UsageEvent> events, std::vector<bool>* duplicate,
                            int64_t high_water) {
  duplicate->assign(events.size(), false);
  const int64_t remembered_from = high_water - options_.dedup_window_us;
  batch_ids_.clear();
  for (size_t i = 0; i < events.size(); ++i) {
    uint64_t id = events[i].event_id;
    if (id == 0) continue;
    // Within the batch the first event with an id wins; later ones are duplicates.
    (*duplicate)[i] = dedup_index_.Contains(id, remembered_from) || !batch_ids_.insert(id).second;
  }
}

Status DBImpl::LoadDedupIndex() {
  const int64_t remembered_from = dedup_high_water_ - options_.dedup_window_us;
  std::unique_ptr<rocksdb::Iterator> it(
      store_->db()->NewIterator(rocksdb::ReadOptions(), store_->cf(Family::kDedup)));
  std::vector<ingest::SeenId> ids;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("dedup key of " + std::to_string(it->key().size()) + " bytes");
    const uint64_t seq = store::DecodeFixed64BE(it->key().data());
    Status s = ingest::DecodeDedupRecord(it->value().ToStringView(), &ids);
    if (!s.ok()) return s.WithContext("dedup record of append " + std::to_string(seq));
    for (const ingest::SeenId& id : ids) {
      if (id.timestamp_us >= remembered_from) dedup_index_.Insert(id.event_id, id.timestamp_us, remembered_from);
    }
    // Dedup records outlive the log records of their appends, so sequence numbers continue
    // after the last of either.
    next_log_seq_ = std::max(next_log_seq_, seq + 1);
  }
  return store::FromRocks(it->status(), "read dedup records");
}

Status DBImpl::Append(std::span<const UsageEvent> events, AppendStats* stats) {
  if (stats) *stats = AppendStats{};
  if (store_->read_only()) return Status::NotSupported("Append on a read-only database");
  if (events.empty()) return Status::OK();
  if (events.size() > kMaxAppendEvents) {
    return Status::InvalidArgument("an append holds at most " + std::to_string(kMaxAppendEvents) + " events, not " +
                                   std::to_string(events.size()));
  }
  bool flush_now = false;
  {
    std::unique_lock lock(write_mu_);
    if (!background_error_.ok()) return background_error_;
    const size_t catalog_before = catalog_.size();
    rocksdb::WriteBatch batch;
    // Validation happens during resolution (labels once per distinct series); an invalid event
    // undoes the series this batch added.
    std::vector<ingest::ResolvedSeries> resolved;
    Status s = ResolveSeries(events, &batch, &resolved);
    if (!s.ok()) {
      UndoNewSeries(catalog_before);
      return s;
    }
    int64_t high_water = dedup_high_water_;
    for (const UsageEvent& e : events) high_water = std::max(high_water, e.timestamp_us);
    std::vector<bool> duplicate;
    FindDuplicates(events, &duplicate, high_water);

    log_builder_.Reset();
    seen_ids_.clear();
    uint64_t duplicates = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      if (duplicate[i]) {
        ++duplicates;
        continue;
      }
      const UsageEvent& e = events[i];
      log_builder_.Add(resolved[i].dense, resolved[i].id, RowOf(e));
      if (e.event_id != 0) seen_ids_.push_back(ingest::SeenId{e.event_id, e.timestamp_us});
    }
    if (stats) stats->duplicates = duplicates;
    if (log_builder_.events() == 0) {  // every event was a duplicate: nothing to store
      UndoNewSeries(catalog_before);
      return Status::OK();
    }
    const uint64_t seq = next_log_seq_;
    batch.Put(store_->cf(Family::kLog), store::LogKey(seq), log_builder_.Finish());
    if (!seen_ids_.empty()) {
      ingest::EncodeDedupRecord(seen_ids_, &dedup_scratch_);
      batch.Put(store_->cf(Family::kDedup), store::DedupKey(seq), dedup_scratch_);
    }
    if (high_water != dedup_high_water_) {
      batch.Put(store_->cf(Family::kMeta), store::kMetaDedupHighWater, Fixed64Value(static_cast<uint64_t>(high_water)));
    }
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_each_append;
    s = store::FromRocks(store_->db()->Write(wo, &batch), "append");
    if (!s.ok()) {
      UndoNewSeries(catalog_before);
      return s;
    }
    ++next_log_seq_;
    const int64_t remembered_from = high_water - options_.dedup_window_us;
    for (const ingest::SeenId& id : seen_ids_) dedup_index_.Insert(id.event_id, id.timestamp_us, remembered_from);
    if (high_water != dedup_high_water_) {
      dedup_high_water_ = high_water;
      store_->SetDedupExpiry(high_water - options_.dedup_window_us);
    }
    {
      std::unique_lock head_lock(head_mu_);
      active_->NoteLogRecord(seq);
      for (size_t i = 0; i < events.size(); ++i) {
        if (!duplicate[i]) active_->Add(resolved[i].dense, RowOf(events[i]));
      }
    }
    if (active_since_us_ == 0) active_since_us_ = WallClockMicros();
    if (stats) stats->accepted = events.size() - duplicates;
    // Past twice the flush size the background flusher is falling behind: flush in this thread,
    // which also throttles the appenders.
    flush_now = active_->bytes() >= 2 * options_.head_flush_bytes;
    if (!flush_now && HeadNeedsFlush()) {
      std::lock_guard flusher_lock(flusher_mu_);
      flush_requested_ = true;
      flusher_cv_.notify_one();
    }
  }
  if (flush_now) {
    std::lock_guard lock(flush_mu_);
    return FlushLocked(2 * options_.head_flush_bytes);
  }
  return Status::OK();
}

const rocksdb::Snapshot* DBImpl::TakeSnapshot() {
  // A secondary instance has no snapshots; its view changes only in Refresh, which view_mu_
  // keeps apart from reads.
  return store_->read_only() ? nullptr : store_->db()->GetSnapshot();
}

void DBImpl::UndoNewSeries(size_t catalog_size) {
  if (catalog_.size() == catalog_size) return;
  catalog_.TruncateTo(catalog_size);
  label_memo_.Clear();  // it may name the series just removed
}

bool DBImpl::HeadNeedsFlush() const {
  if (active_->log_records() == 0) return false;
  if (active_->bytes() >= options_.head_flush_bytes) return true;
  return options_.head_flush_age_us > 0 && active_since_us_ != 0 &&
         WallClockMicros() - active_since_us_ >= options_.head_flush_age_us;
}

Status DBImpl::FlushLocked(uint64_t min_bytes) {
  {
    std::lock_guard lock(write_mu_);
    if (!background_error_.ok()) return background_error_;
    if (active_->log_records() == 0 || active_->bytes() < min_bytes) return Status::OK();
    std::unique_lock head_lock(head_mu_);
    frozen_ = std::move(active_);
    active_ = spare_head_ != nullptr ? std::move(spare_head_) : std::make_unique<head::Head>();
    active_since_us_ = 0;
  }
  // Encoding runs without locks: appends go on into the new active head, and readers read the
  // frozen one, which nobody changes any more.
  std::vector<head::EncodedBlock> blocks;
  std::vector<head::EncodedRollup> rollups;
  if (flush_rollups_ == nullptr) flush_rollups_ = std::make_unique<rollup::RollupBuilder>(options_.rollup_resolutions_us);
  rollup::RollupBuilder& builder = *flush_rollups_;
  builder.Clear();
  Status s = frozen_->EncodeFlush(options_.block_window_us, &builder, &blocks, &rollups);
  std::unique_ptr<head::Head> flushed;  // the frozen head once written, to be reused
  if (s.ok()) {
    rocksdb::WriteBatch& batch = flush_batch_;
    batch.Clear();
    auto* family = store_->cf(Family::kBlocks);
    for (const head::EncodedBlock& b : blocks) {
      batch.Put(family, store::BlockKey(catalog_.at(b.series_dense).id, b.window_start_us, next_block_seq_++), b.bytes);
    }
    for (const head::EncodedRollup& r : rollups) {
      batch.Merge(store_->rollup_cf(static_cast<size_t>(r.row.resolution)),
                  store::RollupKey(catalog_.at(r.series_dense).id, r.row.row_start_us), r.row.bytes);
    }
    batch.DeleteRange(store_->cf(Family::kLog), store::LogKey(frozen_->first_log_seq()),
                      store::LogKey(frozen_->last_log_seq() + 1));
    batch.Put(store_->cf(Family::kMeta), store::kMetaNextBlockSeq, Fixed64Value(next_block_seq_));
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync_each_append;
    // No reader may take its snapshot between this write and dropping the frozen head, or it
    // would count the frozen events twice; appenders only need head_mu_ and go on meanwhile.
    std::unique_lock view_lock(snapshot_mu_);
    s = store::FromRocks(store_->db()->Write(wo, &batch), "flush");
    if (s.ok()) {
      {
        std::unique_lock head_lock(head_mu_);
        flushed = std::move(frozen_);
      }
      if (!rollups.empty()) {
        ++flush_epoch_;
        uint32_t last = UINT32_MAX;  // a series' rows come together
        for (const head::EncodedRollup& r : rollups) {
          if (r.series_dense != last) rollup_cache_->Touch(r.series_dense, flush_epoch_);
          last = r.series_dense;
        }
      }
    }
  }
  if (flushed != nullptr) {
    flushed->Reset();
    spare_head_ = std::move(flushed);
  }
  if (!s.ok()) {
    // The frozen head's events are still in the log and still visible to reads; refuse further
    // writes so that nothing newer lands behind a hole. Reopening replays the log.
    std::lock_guard lock(write_mu_);
    background_error_ = s.WithContext("flush failed; reopen the database");
  }
  return s;
}

void DBImpl::FlusherLoop() {
  std::unique_lock lock(flusher_mu_);
  while (!stopping_) {
    // Waking once a second also serves the age trigger of a quiet database.
    flusher_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || flush_requested_; });
    if (stopping_) break;
    flush_requested_ = false;
    lock.unlock();
    {
      std::lock_guard flush_lock(flush_mu_);
      bool due;
      {
        // Requests pile up while a flush runs; only the head's state now says whether one is due.
        std::lock_guard write_lock(write_mu_);
        due = HeadNeedsFlush();
      }
      if (due) (void)FlushLocked(0);  // a failure is kept in background_error_ and returned to writers
    }
    lock.lock();
  }
}

Status DBImpl::Flush() {
  if (store_->read_only()) return Status::NotSupported("Flush on a read-only database");
  std::lock_guard lock(flush_mu_);
  return FlushLocked(0);
}

Result<std::vector<SeriesInfo>> DBImpl::ListSeries(const SeriesFilter& filter) {
  std::vector<SeriesInfo> out;
  for (uint32_t dense : catalog_.Match(filter)) {
    const series::CatalogEntry& e = catalog_.at(dense);
    out.push_back(SeriesInfo{e.id, e.labels});
  }
  return out;
}

Status DBImpl::ReadBlockRows(const series::CatalogEntry& series, const TimeRange& range,
                             const rocksdb::Snapshot* snapshot, std::vector<EventRow>* out,
                             const std::function<bool(int64_t window_start_us)>& wanted) {
  const int64_t from = std::max(range.from_us, kMinTimestampUs);
  const int64_t to = std::min(range.to_us, kEndTimestampUs);
  if (from >= to) return Status::OK();
  const std::string lower = store::BlockKey(series.id, store::WindowStart(from, options_.block_window_us), 0);
  const std::string upper = store::BlockKey(series.id, to, 0);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(ro, store_->cf(Family::kBlocks)));
  thread_local codec::BlockColumns columns;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    if (wanted && it->key().size() == store::kBlockKeySize &&
        !wanted(static_cast<int64_t>(store::DecodeFixed64BE(it->key().data() + 8)))) {
      continue;
    }
    Status s = codec::DecodeBlock(it->value().ToStringView(), &columns);
    if (!s.ok()) {
      store::BlockKeyParts parts;
      store::ParseBlockKey(it->key().ToStringView(), &parts);
      return s.WithContext("series " + series.labels.ToString() + " (id " + std::to_string(series.id) +
                           "), block of window " + std::to_string(parts.window_start_us) + " µs, seq " +
                           std::to_string(parts.block_seq));
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      int64_t t = columns.timestamp_us[i];
      if (t < from || t >= to) continue;
      out->push_back(EventRow{t, columns.input_tokens[i], columns.output_tokens[i], columns.latency_us[i],
                              static_cast<Outcome>(columns.outcome[i]), columns.cost_micros[i], columns.event_id[i]});
    }
  }
  if (it->status().ok()) return Status::OK();
  return store::FromRocks(it->status(), "read blocks of series " + series.labels.ToString());
}

Status DBImpl::ScanEvents(const SeriesFilter& filter, const TimeRange& range, const EventVisitor& visitor) {
  std::vector<uint32_t> matched = catalog_.Match(filter);
  if (matched.empty() || range.from_us >= range.to_us) return Status::OK();
  std::vector<std::vector<EventRow>> head_rows(matched.size());
  std::shared_lock view_lock(view_mu_);
  const rocksdb::Snapshot* snapshot = nullptr;
  TimeRange kept = range;  // expired events are not returned, whether or not compaction dropped them yet
  {
    std::shared_lock snapshot_lock(snapshot_mu_);
    std::shared_lock lock(head_mu_);
    snapshot = TakeSnapshot();
    kept.from_us = std::max(kept.from_us, availability_.raw_from_us);
    for (size_t i = 0; i < matched.size(); ++i) {
      if (frozen_) frozen_->CollectRows(matched[i], kept, &head_rows[i]);
      active_->CollectRows(matched[i], kept, &head_rows[i]);
    }
  }
  SnapshotHolder hold(store_->db(), snapshot);
  if (kept.from_us >= kept.to_us) return Status::OK();
  std::vector<EventRow> rows;
  for (size_t i = 0; i < matched.size(); ++i) {
    const series::CatalogEntry& entry = catalog_.at(matched[i]);
    rows.clear();
    TALLY_RETURN_IF_ERROR(ReadBlockRows(entry, kept, snapshot, &rows));
    rows.insert(rows.end(), head_rows[i].begin(), head_rows[i].end());
    if (rows.empty()) continue;
    // Blocks come in (window, flush) order and the head after them, so a stable sort by time keeps
    // equal timestamps in the order they were appended.
    std::stable_sort(rows.begin(), rows.end(),
                     [](const EventRow& a, const EventRow& b) { return a.timestamp_us < b.timestamp_us; });
    TALLY_RETURN_IF_ERROR(visitor(SeriesInfo{entry.id, entry.labels}, rows));
  }
  return Status::OK();
}

Status DBImpl::Refresh() {
  if (!store_->read_only()) return Status::OK();
  std::unique_lock view_lock(view_mu_);
  std::lock_guard flush_lock(flush_mu_);
  std::lock_guard write_lock(write_mu_);
  TALLY_RETURN_IF_ERROR(store::FromRocks(store_->db()->TryCatchUpWithPrimary(), "catch up with the writer"));
  rollup_cache_->Clear();
  TALLY_RETURN_IF_ERROR(LoadRetention());
  TALLY_RETURN_IF_ERROR(LoadSeries());
  return ReplayLog();
}

}  // namespace db
}  // namespace tally
