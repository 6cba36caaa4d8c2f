#include "engine/inspect/verify.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <unordered_map>

#include "engine/codec/block.h"
#include "engine/codec/coding.h"
#include "engine/db/db_impl.h"
#include "engine/db/retention.h"
#include "engine/ingest/dedup_record.h"
#include "engine/ingest/log_record.h"
#include "engine/inspect/rollup_check.h"
#include "engine/rollup/merge_operator.h"
#include "engine/rollup/resolutions.h"
#include "engine/series/series_key.h"
#include "engine/store/layout.h"
#include "engine/util/status_macros.h"

namespace tally::inspect {
namespace {

struct Families {
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* series = nullptr;
  rocksdb::ColumnFamilyHandle* log = nullptr;
  rocksdb::ColumnFamilyHandle* blocks = nullptr;
  rocksdb::ColumnFamilyHandle* dedup = nullptr;
  std::vector<RollupFamily> rollups;  // ascending resolutions, opened with the merge operator
};

struct KnownSeries {
  std::string canonical_key;
  SeriesLabels labels;
  bool has_key_record = false;
  int postings = 0;
};

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, 32)) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  if (bytes.size() > 32) out += "..";
  return out;
}

class Verifier {
 public:
  Verifier(rocksdb::DB* db, const Families& families, const rocksdb::Snapshot* snapshot)
      : db_(db), families_(families) {
    read_.snapshot = snapshot;
  }

  Result<VerifyReport> Run() {
    Status s = CheckMeta();
    if (s.ok()) s = CheckSeries();
    if (s.ok()) s = CheckBlocks();
    if (s.ok()) s = CheckLog();
    if (s.ok()) s = CheckDedup();
    if (s.ok()) s = CheckRollupFamilies();
    if (!s.ok()) return s;
    return std::move(report_);
  }

 private:
  void Problem(std::string kind, std::string series, std::string detail) {
    ++report_.problem_count;
    if (report_.problems.size() >= VerifyReport::kMaxListedProblems) return;
    report_.problems.push_back(VerifyProblem{std::move(kind), std::move(series), false, 0, 0, std::move(detail)});
  }
  void ProblemInRange(std::string kind, std::string series, int64_t from_us, int64_t to_us, std::string detail) {
    ++report_.problem_count;
    if (report_.problems.size() >= VerifyReport::kMaxListedProblems) return;
    report_.problems.push_back(
        VerifyProblem{std::move(kind), std::move(series), true, from_us, to_us, std::move(detail)});
  }

  std::string SeriesName(uint64_t id) const {
    auto it = series_.find(id);
    if (it == series_.end()) return "id " + std::to_string(id);
    std::string name = it->second.labels.ToString();
    return name.empty() ? "id " + std::to_string(id) : name;
  }

  std::unique_ptr<rocksdb::Iterator> Iterate(rocksdb::ColumnFamilyHandle* family) {
    return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(read_, family));
  }

  Status CheckMeta() {
    std::string value;
    rocksdb::Status s = db_->Get(read_, families_.meta, store::kMetaFormatVersion, &value);
    if (s.IsNotFound()) {
      Problem("meta", "", "the format version record is missing");
    } else if (!s.ok()) {
      return store::FromRocks(s, "read the format version");
    } else if (value.size() != 4) {
      Problem("meta", "", "the format version record has " + std::to_string(value.size()) + " bytes, not 4");
    } else if (codec::DecodeFixed32(value.data()) > store::kFormatVersion) {
      Problem("meta", "", "format version " + std::to_string(codec::DecodeFixed32(value.data())) +
                              " is newer than this build reads");
    }
    s = db_->Get(read_, families_.meta, store::kMetaBlockWindow, &value);
    if (!s.ok() && !s.IsNotFound()) return store::FromRocks(s, "read the block window");
    if (s.IsNotFound() || value.size() != 8 || codec::DecodeFixed64(value.data()) == 0 ||
        codec::DecodeFixed64(value.data()) > static_cast<uint64_t>(INT64_MAX)) {
      Problem("meta", "", "the block window record is missing or damaged; windows of blocks are not checked");
    } else {
      window_us_ = static_cast<int64_t>(codec::DecodeFixed64(value.data()));
    }
    return Status::OK();
  }

  Status CheckSeries() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(families_.series);
    // Id -> key records first, so that key -> id records and postings can be checked against them.
    const std::string id_prefix(1, store::kSeriesByIdTag);
    for (it->Seek(id_prefix); it->Valid() && it->key().starts_with(id_prefix); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      if (key.size() != 9) {
        Problem("series record", "", "id -> key record with a key of " + std::to_string(key.size()) + " bytes (" +
                                         Hex(key) + ")");
        continue;
      }
      ++report_.series;
      const uint64_t id = store::DecodeFixed64BE(key.data() + 1);
      Result<SeriesLabels> labels = series::DecodeSeriesKey(it->value().ToStringView());
      if (!labels.ok()) {
        Problem("series record", "id " + std::to_string(id), "series key does not decode: " + labels.status().message());
        continue;
      }
      series_[id] = KnownSeries{it->value().ToString(), std::move(*labels), false, 0};
    }
    if (!it->status().ok()) return store::FromRocks(it->status(), "read series");

    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      const std::string_view value = it->value().ToStringView();
      if (key.empty()) {
        Problem("series record", "", "empty key");
        continue;
      }
      switch (key[0]) {
        case store::kSeriesByIdTag:
          break;  // checked above
        case store::kSeriesByKeyTag:
          CheckKeyRecord(key.substr(1), value);
          break;
        case store::kPostingTag:
          CheckPosting(key);
          break;
        default:
          Problem("series record", "", "unknown record tag in key " + Hex(key));
      }
    }
    if (!it->status().ok()) return store::FromRocks(it->status(), "read series");
    for (const auto& [id, s] : series_) {
      if (!s.has_key_record) {
        Problem("series record", SeriesName(id), "the key -> id record is missing");
      }
      if (s.postings != kLabelCount) {
        Problem("posting", SeriesName(id),
                std::to_string(s.postings) + " label postings instead of " + std::to_string(kLabelCount));
      }
    }
    return Status::OK();
  }

  void CheckKeyRecord(std::string_view canonical_key, std::string_view value) {
    Result<SeriesLabels> labels = series::DecodeSeriesKey(canonical_key);
    const std::string name = labels.ok() ? labels->ToString() : "key " + Hex(canonical_key);
    if (value.size() != 8) {
      Problem("series record", name, "key -> id record holds " + std::to_string(value.size()) + " bytes, not 8");
      return;
    }
    const uint64_t id = store::DecodeFixed64BE(value.data());
    auto it = series_.find(id);
    if (it == series_.end()) {
      Problem("series record", name, "key -> id record names id " + std::to_string(id) + ", which has no id -> key record");
      return;
    }
    if (it->second.canonical_key != canonical_key) {
      Problem("series record", name, "key -> id record names id " + std::to_string(id) + ", whose key is another series'");
      return;
    }
    it->second.has_key_record = true;
  }

  void CheckPosting(std::string_view key) {
    ++report_.postings;
    // 'P' | label u8 | uvarint length | value | id fixed64 BE
    size_t pos = 2;
    uint64_t length = 0;
    int shift = 0;
    bool ok = key.size() >= 2 && static_cast<uint8_t>(key[1]) < kLabelCount;
    while (ok) {
      if (pos >= key.size() || shift > 28) {
        ok = false;
        break;
      }
      const uint8_t b = static_cast<uint8_t>(key[pos++]);
      length |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    if (!ok || key.size() != pos + length + 8) {
      Problem("posting", "", "malformed posting key " + Hex(key));
      return;
    }
    const int label = static_cast<uint8_t>(key[1]);
    const std::string_view value = key.substr(pos, length);
    const uint64_t id = store::DecodeFixed64BE(key.data() + pos + length);
    auto it = series_.find(id);
    if (it == series_.end()) {
      Problem("posting", "id " + std::to_string(id),
              "posting " + std::string(LabelName(static_cast<Label>(label))) + "=" + std::string(value) +
                  " names a series that does not exist");
      return;
    }
    if (it->second.labels.values[label] != value) {
      Problem("posting", SeriesName(id),
              "posting " + std::string(LabelName(static_cast<Label>(label))) + "=" + std::string(value) +
                  " disagrees with the series' labels");
      return;
    }
    ++it->second.postings;
  }

  Status CheckBlocks() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(families_.blocks);
    codec::BlockColumns columns;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      store::BlockKeyParts parts;
      if (!store::ParseBlockKey(it->key().ToStringView(), &parts)) {
        Problem("block key", "", "a key of " + std::to_string(it->key().size()) + " bytes (" +
                                     Hex(it->key().ToStringView()) + ") is not a block key");
        continue;
      }
      ++report_.blocks;
      const std::string name = SeriesName(parts.series_id);
      const int64_t from = parts.window_start_us;
      const int64_t to = window_us_ > 0 && from <= INT64_MAX - window_us_ ? from + window_us_ : INT64_MAX;
      const std::string where = "block of window " + std::to_string(from) + " µs, seq " + std::to_string(parts.block_seq);
      if (!series_.contains(parts.series_id)) {
        ProblemInRange("block", name, from, to, where + ": belongs to no known series");
      }
      if (window_us_ > 0 && store::WindowStart(from, window_us_) != from) {
        ProblemInRange("block key", name, from, to, where + ": window start is not a multiple of the block window");
      }
      Status s = codec::DecodeBlock(it->value().ToStringView(), &columns);
      if (!s.ok()) {
        ProblemInRange("block", name, from, to, where + ": " + s.ToString());
        continue;
      }
      report_.block_events += columns.size();
      if (columns.empty()) continue;
      const auto [min_it, max_it] = std::minmax_element(columns.timestamp_us.begin(), columns.timestamp_us.end());
      if (*min_it < from || *max_it >= to || *min_it < kMinTimestampUs || *max_it >= kEndTimestampUs) {
        ProblemInRange("block window", name, *min_it, *max_it + 1,
                       where + ": holds events outside its window or the valid time range");
      }
    }
    return store::FromRocks(it->status(), "read blocks");
  }

  Status CheckLog() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(families_.log);
    std::vector<ingest::LogEntry> entries;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      if (key.size() != 8) {
        Problem("log record", "", "log key of " + std::to_string(key.size()) + " bytes (" + Hex(key) + ")");
        continue;
      }
      ++report_.log_records;
      const std::string where = "log record " + std::to_string(store::DecodeFixed64BE(key.data()));
      Status s = ingest::DecodeLogRecord(it->value().ToStringView(), &entries);
      if (!s.ok()) {
        Problem("log record", "", where + " (an append not yet written out as blocks): " + s.ToString());
        continue;
      }
      report_.log_events += entries.size();
      for (const ingest::LogEntry& e : entries) {
        if (!series_.contains(e.series_id)) {
          ProblemInRange("log record", SeriesName(e.series_id), e.row.timestamp_us, e.row.timestamp_us + 1,
                         where + ": names a series that does not exist");
          break;
        }
      }
    }
    return store::FromRocks(it->status(), "read log");
  }

  Status CheckDedup() {
    std::unique_ptr<rocksdb::Iterator> it = Iterate(families_.dedup);
    std::vector<ingest::SeenId> ids;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      if (key.size() != 8) {
        Problem("dedup record", "", "dedup key of " + std::to_string(key.size()) + " bytes (" + Hex(key) + ")");
        continue;
      }
      ++report_.dedup_records;
      Status s = ingest::DecodeDedupRecord(it->value().ToStringView(), &ids);
      if (!s.ok()) {
        Problem("dedup record", "",
                "event ids of append " + std::to_string(store::DecodeFixed64BE(key.data())) + ": " + s.ToString());
        continue;
      }
      report_.dedup_ids += ids.size();
    }
    return store::FromRocks(it->status(), "read dedup records");
  }

  // Every rollup cell against the raw events it covers (rollup_check.h), under the same view.
  Status CheckRollupFamilies() {
    if (families_.rollups.empty()) return Status::OK();
    RollupCheckInput input;
    input.db = db_;
    input.read = read_;
    input.blocks = families_.blocks;
    input.families = families_.rollups;
    input.block_window_us = window_us_;
    std::string value;
    rocksdb::Status rs = db_->Get(read_, families_.meta, store::kMetaExpiredBefore, &value);
    if (rs.ok()) {
      Result<std::vector<int64_t>> before = db::DecodeExpiredBefore(value, 1 + families_.rollups.size());
      if (!before.ok()) {
        Problem("meta", "", before.status().message() + "; rollups are not compared with raw events");
        return Status::OK();
      }
      input.expired_before = std::move(before).value();
    } else if (!rs.IsNotFound()) {
      return store::FromRocks(rs, "read the retention record");
    }
    input.series_name = [this](uint64_t id) { return SeriesName(id); };
    input.report = [this](VerifyProblem p) {
      ++report_.problem_count;
      if (report_.problems.size() < VerifyReport::kMaxListedProblems) report_.problems.push_back(std::move(p));
    };
    RollupCheckCounts counts;
    TALLY_RETURN_IF_ERROR(CheckRollups(input, &counts));
    report_.rollups_checked = true;
    report_.rollup_rows = counts.rows;
    report_.rollup_cells = counts.cells;
    report_.rollup_skipped_series = counts.skipped_series;
    return Status::OK();
  }

  rocksdb::DB* db_;
  Families families_;
  rocksdb::ReadOptions read_;
  int64_t window_us_ = 0;
  std::unordered_map<uint64_t, KnownSeries> series_;
  VerifyReport report_;
};

}  // namespace

Result<VerifyReport> Verify(DB& db) {
  store::RocksStore& store = static_cast<db::DBImpl&>(db).store();
  using store::Family;
  Families families{store.cf(Family::kMeta), store.cf(Family::kSeries), store.cf(Family::kLog),
                    store.cf(Family::kBlocks), store.cf(Family::kDedup), {}};
  const std::vector<int64_t>& resolutions = static_cast<db::DBImpl&>(db).options().rollup_resolutions_us;
  for (size_t i = 0; i < resolutions.size(); ++i) families.rollups.push_back(RollupFamily{resolutions[i], store.rollup_cf(i)});
  const rocksdb::Snapshot* snapshot = store.read_only() ? nullptr : store.db()->GetSnapshot();
  Result<VerifyReport> report = Verifier(store.db(), families, snapshot).Run();
  if (snapshot != nullptr) store.db()->ReleaseSnapshot(snapshot);
  return report;
}

Result<VerifyReport> VerifyDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "CURRENT", ec)) return Status::NotFound("no tally database at " + dir);
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  if (!s.ok()) return store::FromRocks(s, "open " + dir);
  for (std::string_view needed : {store::kSeriesFamily, store::kLogFamily, store::kBlocksFamily, store::kDedupFamily}) {
    if (std::find(names.begin(), names.end(), needed) == names.end()) {
      return Status::InvalidArgument(dir + " holds a RocksDB database that is not a tally database");
    }
  }
  // Every family must be opened; rollup families need their merge operator, the ones verify does
  // not read get default options.
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  const std::shared_ptr<rocksdb::MergeOperator> merge = rollup::NewRollupMergeOperator();
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions family;
    if (rollup::ParseFamilyName(name).has_value()) family.merge_operator = merge;
    descriptors.emplace_back(name, family);
  }
  char tmpl[] = "/tmp/tally-verify-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::IOError("cannot create a temporary directory for the reader");
  const std::string secondary = tmpl;
  rocksdb::Options options;
  options.max_open_files = -1;  // required of a secondary instance
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenAsSecondary(options, dir, secondary, descriptors, &handles, &raw);
  Result<VerifyReport> report = store::FromRocks(s, "open " + dir);
  if (s.ok()) {
    std::unique_ptr<rocksdb::DB> db(raw);
    Families families;
    for (rocksdb::ColumnFamilyHandle* h : handles) {
      const std::string& name = h->GetName();
      if (name == store::kMetaFamily) families.meta = h;
      if (name == store::kSeriesFamily) families.series = h;
      if (name == store::kLogFamily) families.log = h;
      if (name == store::kBlocksFamily) families.blocks = h;
      if (name == store::kDedupFamily) families.dedup = h;
      if (std::optional<int64_t> resolution = rollup::ParseFamilyName(name)) {
        families.rollups.push_back(RollupFamily{*resolution, h});
      }
    }
    std::sort(families.rollups.begin(), families.rollups.end(),
              [](const RollupFamily& a, const RollupFamily& b) { return a.resolution_us < b.resolution_us; });
    report = Verifier(db.get(), families, nullptr).Run();
    for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
  }
  fs::remove_all(secondary, ec);
  return report;
}

}  // namespace tally::inspect
