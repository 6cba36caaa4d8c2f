// Retention: expiry instants, their record in the meta, and the compaction filters that act on them.
//
// Order matters for consistent answers: a new expiry is first recorded (so it survives a crash),
// then published to queries under the exclusive snapshot lock (from then on no query reads what
// it expires), and only then handed to the compaction filters that physically drop the records.
// A query therefore never sees a level partly dropped where its availability says it is whole.
#include "engine/db/retention.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "engine/codec/coding.h"
#include "engine/db/db_impl.h"
#include "engine/rollup/cell_row.h"
#include "engine/store/layout.h"
#include "engine/util/status_macros.h"

namespace tally::db {
namespace {

using store::Family;

// 0 (forever) is the longest retention.
bool Shorter(int64_t a, int64_t b) { return a != 0 && (b == 0 || a < b); }

std::string EncodeExpiredBefore(const std::vector<int64_t>& before) {
  std::string v;
  codec::PutFixed32(&v, static_cast<uint32_t>(before.size()));
  for (int64_t t : before) codec::PutFixed64(&v, static_cast<uint64_t>(t));
  return v;
}

}  // namespace

Result<std::vector<int64_t>> DecodeExpiredBefore(std::string_view value, size_t levels) {
  if (value.size() != 4 + 8 * levels || codec::DecodeFixed32(value.data()) != levels) {
    return Status::Corruption("retention record has " + std::to_string(value.size()) + " bytes for " +
                              std::to_string(levels) + " levels");
  }
  std::vector<int64_t> before(levels);
  for (size_t i = 0; i < levels; ++i) before[i] = static_cast<int64_t>(codec::DecodeFixed64(value.data() + 4 + 8 * i));
  return before;
}

Result<std::vector<int64_t>> RollupRetention(const Options& options, const std::vector<int64_t>& resolutions_us) {
  std::vector<int64_t> retention = options.rollup_retention_us;
  if (retention.empty()) {
    for (int64_t r : resolutions_us) retention.push_back(DefaultRollupRetention(r));
  }
  if (retention.size() != resolutions_us.size()) {
    return Status::InvalidArgument("rollup_retention_us has " + std::to_string(retention.size()) +
                                   " entries for " + std::to_string(resolutions_us.size()) + " rollup resolutions");
  }
  for (size_t i = 0; i < retention.size(); ++i) {
    if (retention[i] < 0) return Status::InvalidArgument("rollup_retention_us[" + std::to_string(i) + "] is negative");
    if (i > 0 && Shorter(retention[i], retention[i - 1])) {
      return Status::InvalidArgument("rollup_retention_us[" + std::to_string(i) +
                                     "] keeps a coarser resolution for less time than a finer one");
    }
  }
  return retention;
}

std::vector<int64_t> DBImpl::ExpiredBefore() {
  std::shared_lock lock(snapshot_mu_);
  return expired_before_;
}

Status DBImpl::LoadRetention() {
  const size_t levels = 1 + options_.rollup_resolutions_us.size();
  std::vector<int64_t> before(levels, query::kNothingExpired);
  std::string v;
  rocksdb::Status rs = store_->db()->Get(rocksdb::ReadOptions(), store_->cf(Family::kMeta), store::kMetaExpiredBefore, &v);
  if (rs.ok()) {
    TALLY_ASSIGN_OR_RETURN(before, DecodeExpiredBefore(v, levels));
  } else if (!rs.IsNotFound()) {
    return store::FromRocks(rs, "read retention record");
  }
  query::Availability availability =
      query::AvailabilityFrom(before[0], std::span(before).subspan(1), options_.block_window_us,
                              options_.rollup_resolutions_us);
  {
    std::unique_lock lock(snapshot_mu_);
    expired_before_ = before;
    availability_ = std::move(availability);
  }
  if (!store_->read_only()) {
    store_->SetBlockExpiry(options_.block_window_us, before[0]);
    for (size_t i = 1; i < levels; ++i) {
      store_->SetRollupExpiry(i - 1, options_.rollup_resolutions_us[i - 1] * rollup::kCellsPerRow, before[i]);
    }
  }
  return Status::OK();
}

Status DBImpl::AdvanceRetention() {
  int64_t newest = 0;
  {
    std::lock_guard write_lock(write_mu_);
    newest = dedup_high_water_;
  }
  if (newest == INT64_MIN) return Status::OK();  // no events yet
  std::vector<int64_t> retention = {options_.raw_retention_us};
  retention.insert(retention.end(), options_.rollup_retention_us.begin(), options_.rollup_retention_us.end());
  std::vector<int64_t> before = expired_before_;
  for (size_t i = 0; i < before.size(); ++i) {
    if (retention[i] > 0) before[i] = std::max(before[i], newest - retention[i]);
  }
  if (before == expired_before_) return Status::OK();

  rocksdb::WriteOptions wo;
  wo.sync = true;
  TALLY_RETURN_IF_ERROR(store::FromRocks(
      store_->db()->Put(wo, store_->cf(Family::kMeta), store::kMetaExpiredBefore, EncodeExpiredBefore(before)),
      "record retention"));
  return LoadRetention();
}

}  // namespace tally::db
