#include "engine/inspect/inspect.h"

#include <algorithm>
#include <bit>
#include <filesystem>
#include <map>

#include "engine/codec/block_inspect.h"
#include "engine/db/db_impl.h"
#include "engine/ingest/log_record.h"
#include "engine/rollup/cell_row.h"
#include "engine/rollup/resolutions.h"
#include "engine/rollup/rollup_cell.h"
#include "engine/store/layout.h"
#include "engine/util/status_macros.h"

namespace tally::inspect {
namespace {

using store::Family;

// Releases a RocksDB snapshot (null for a read-only store, which has none) when the scope ends.
class ViewHolder {
 public:
  explicit ViewHolder(store::RocksStore& store)
      : db_(store.db()), snapshot_(store.read_only() ? nullptr : store.db()->GetSnapshot()) {}
  ~ViewHolder() {
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
  }
  ViewHolder(const ViewHolder&) = delete;
  ViewHolder& operator=(const ViewHolder&) = delete;

  rocksdb::ReadOptions Read() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    return ro;
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

uint64_t Median(std::vector<uint64_t>& values) {
  if (values.empty()) return 0;
  auto mid = values.begin() + static_cast<ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

void NoteTime(Report* report, int64_t min_us, int64_t max_us) {
  if (!report->has_events) {
    report->has_events = true;
    report->min_timestamp_us = min_us;
    report->max_timestamp_us = max_us;
    return;
  }
  report->min_timestamp_us = std::min(report->min_timestamp_us, min_us);
  report->max_timestamp_us = std::max(report->max_timestamp_us, max_us);
}

Status ReadBlocks(store::RocksStore& store, const ViewHolder& view, Report* report) {
  BlockReport& blocks = report->blocks;
  static constexpr uint64_t kBucketLimits[] = {1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, UINT64_MAX};
  uint64_t lower = 0;
  for (uint64_t limit : kBucketLimits) {
    blocks.size_histogram.push_back(SizeBucket{lower, limit, 0});
    lower = limit;
  }
  std::vector<uint64_t> sizes, rows;
  std::vector<std::map<std::string, uint64_t>> codec_use;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(view.Read(), store.cf(Family::kBlocks)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    Result<codec::BlockLayout> layout = codec::DescribeBlock(it->value().ToStringView());
    if (!layout.ok()) {
      ++report->unreadable_blocks;
      continue;
    }
    const uint64_t size = it->value().size();
    const uint32_t n = layout->header.rows;
    ++blocks.count;
    blocks.events += n;
    blocks.bytes += size;
    sizes.push_back(size);
    rows.push_back(n);
    if (n < kSmallBlockRows) {
      ++blocks.small_blocks;
      blocks.events_in_small_blocks += n;
    }
    for (SizeBucket& bucket : blocks.size_histogram) {
      if (size >= bucket.min_bytes && size < bucket.max_bytes) ++bucket.blocks;
    }
    blocks.header_bytes += layout->header_bytes;
    blocks.checksum_bytes += layout->checksum_bytes;
    if (blocks.columns.empty()) {
      for (const codec::EncodedColumnInfo& c : layout->columns) blocks.columns.push_back(ColumnReport{c.column, 0, 0, {}});
      codec_use.resize(blocks.columns.size());
    }
    for (size_t i = 0; i < layout->columns.size() && i < blocks.columns.size(); ++i) {
      const codec::EncodedColumnInfo& c = layout->columns[i];
      blocks.columns[i].bytes += c.bytes;
      if (c.bytes == 0) ++blocks.columns[i].implied_blocks;
      ++codec_use[i][c.codec];
    }
    if (n > 0) NoteTime(report, layout->header.min_timestamp_us, layout->header.max_timestamp_us);
  }
  if (!it->status().ok()) return store::FromRocks(it->status(), "read blocks");
  for (size_t i = 0; i < codec_use.size(); ++i) {
    auto& out = blocks.columns[i].codecs;
    out.assign(codec_use[i].begin(), codec_use[i].end());
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  }
  if (!sizes.empty()) {
    blocks.min_bytes = *std::min_element(sizes.begin(), sizes.end());
    blocks.max_bytes = *std::max_element(sizes.begin(), sizes.end());
    blocks.min_rows = *std::min_element(rows.begin(), rows.end());
    blocks.max_rows = *std::max_element(rows.begin(), rows.end());
    blocks.median_bytes = Median(sizes);
    blocks.median_rows = Median(rows);
  }
  return Status::OK();
}

Status ReadLog(store::RocksStore& store, const ViewHolder& view, Report* report) {
  std::vector<ingest::LogEntry> entries;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(view.Read(), store.cf(Family::kLog)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!ingest::DecodeLogRecord(it->value().ToStringView(), &entries).ok()) {
      ++report->unreadable_log_records;
      continue;
    }
    ++report->head.log_records;
    report->head.log_bytes += it->value().size();
    report->head.events += entries.size();
    for (const ingest::LogEntry& e : entries) NoteTime(report, e.row.timestamp_us, e.row.timestamp_us);
  }
  return store::FromRocks(it->status(), "read log");
}

Status CountDedupRecords(store::RocksStore& store, const ViewHolder& view, Report* report) {
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(view.Read(), store.cf(Family::kDedup)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++report->dedup_records;
  return store::FromRocks(it->status(), "read dedup records");
}

void ReadFamilies(store::RocksStore& store, Report* report) {
  // Every family the store opened, rollup families included.
  for (rocksdb::ColumnFamilyHandle* handle : store.all_families()) {
    FamilyReport family;
    family.name = handle->GetName();
    // A property a store cannot give (a read-only instance lacks some) stays 0.
    store.db()->GetIntProperty(handle, "rocksdb.total-sst-files-size", &family.sst_bytes);
    store.db()->GetIntProperty(handle, "rocksdb.estimate-live-data-size", &family.live_data_bytes);
    store.db()->GetIntProperty(handle, "rocksdb.cur-size-all-mem-tables", &family.memtable_bytes);
    store.db()->GetIntProperty(handle, "rocksdb.estimate-num-keys", &family.estimated_keys);
    report->families.push_back(std::move(family));
  }
}

// Every rollup family under the view: rows, the cells they hold and the requests those count.
// Rows that do not parse are counted, not reported (verify names them).
Status ReadRollups(store::RocksStore& store, const ViewHolder& view, const std::vector<int64_t>& resolutions,
                   Report* report) {
  rollup::CellRowView row;
  rollup::RollupCell cell;
  for (size_t level = 0; level < resolutions.size(); ++level) {
    RollupReport rollup_report;
    rollup_report.resolution_us = resolutions[level];
    rollup_report.resolution = rollup::FamilyName(resolutions[level]).substr(rollup::kFamilyPrefix.size());
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(view.Read(), store.rollup_cf(level)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++rollup_report.rows;
      rollup_report.bytes += it->value().size();
      Status s = rollup::ParseCellRow(it->value().ToStringView(), &row);
      uint64_t requests = 0;
      for (uint64_t bits = row.presence; s.ok() && bits != 0; bits &= bits - 1) {
        s = rollup::RollupCell::Decode(row.cells[std::countr_zero(bits)], &cell, false);
        requests += cell.count;
      }
      if (!s.ok()) {
        ++rollup_report.unreadable_rows;
        continue;
      }
      rollup_report.cells += static_cast<uint64_t>(std::popcount(row.presence));
      rollup_report.requests += requests;
    }
    TALLY_RETURN_IF_ERROR(store::FromRocks(it->status(), "read " + rollup::FamilyName(resolutions[level])));
    report->rollups.push_back(std::move(rollup_report));
  }
  return Status::OK();
}

// The retention of raw events and of each resolution, with what has expired so far.
void ReadRetention(const Options& options, const std::vector<int64_t>& expired_before, Report* report) {
  auto before = [&expired_before](size_t level) {
    return level < expired_before.size() ? expired_before[level] : INT64_MIN;
  };
  report->retention.push_back(RetentionRule{"raw", options.raw_retention_us, before(0)});
  for (size_t i = 0; i < options.rollup_resolutions_us.size(); ++i) {
    const int64_t keep = i < options.rollup_retention_us.size() ? options.rollup_retention_us[i] : 0;
    const std::string name = rollup::FamilyName(options.rollup_resolutions_us[i]).substr(rollup::kFamilyPrefix.size());
    report->retention.push_back(RetentionRule{name, keep, before(i + 1)});
  }
}

}  // namespace

double Report::BlockBytesPerEvent() const {
  return blocks.events == 0 ? 0 : static_cast<double>(blocks.bytes) / static_cast<double>(blocks.events);
}

double Report::DiskBytesPerEvent() const {
  return events == 0 ? 0 : static_cast<double>(bytes_on_disk) / static_cast<double>(events);
}

double ColumnBytesPerEvent(const ColumnReport& column, uint64_t events) {
  return events == 0 ? 0 : static_cast<double>(column.bytes) / static_cast<double>(events);
}

double CompressionRatio(const ColumnReport& column, uint64_t events) {
  return column.bytes == 0 ? 0 : 8.0 * static_cast<double>(events) / static_cast<double>(column.bytes);
}

Result<Report> Inspect(DB& db) {
  auto& impl = static_cast<db::DBImpl&>(db);
  store::RocksStore& store = impl.store();
  Report report;
  report.path = impl.path();
  report.read_only = store.read_only();
  report.block_window_us = impl.options().block_window_us;
  report.series = impl.catalog().size();
  {
    ViewHolder view(store);
    Status s = ReadBlocks(store, view, &report);
    if (s.ok()) s = ReadLog(store, view, &report);
    if (s.ok()) s = CountDedupRecords(store, view, &report);
    if (s.ok()) s = ReadRollups(store, view, impl.options().rollup_resolutions_us, &report);
    if (!s.ok()) return s;
  }
  report.events = report.blocks.events + report.head.events;
  ReadFamilies(store, &report);
  ReadRetention(impl.options(), impl.ExpiredBefore(), &report);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(report.path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) {
      const uint64_t size = it->file_size(file_ec);
      if (!file_ec) report.bytes_on_disk += size;
    }
  }
  return report;
}

}  // namespace tally::inspect
