// DB::GetStats: counters over what is stored, read on demand.
#include <filesystem>

#include "engine/codec/block.h"
#include "engine/db/db_impl.h"
#include "engine/util/status_macros.h"

namespace tally::db {

Result<DbStats> DBImpl::GetStats() {
  DbStats stats;
  stats.series = catalog_.size();
  std::shared_lock view_lock(view_mu_);
  const rocksdb::Snapshot* snapshot = nullptr;
  {
    std::shared_lock snapshot_lock(snapshot_mu_);
    std::shared_lock lock(head_mu_);
    snapshot = TakeSnapshot();
    for (const head::Head* h : {frozen_.get(), active_.get()}) {
      if (h == nullptr) continue;
      stats.head_events += h->events();
      stats.head_bytes += h->bytes();
      stats.log_records += h->log_records();
    }
  }
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(store_->db()->NewIterator(ro, store_->cf(store::Family::kBlocks)));
  Status s;
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    Result<codec::BlockHeader> header = codec::ReadBlockHeader(it->value().ToStringView());
    if (!header.ok()) {
      s = header.status();
      break;
    }
    ++stats.blocks;
    stats.block_events += header->rows;
    stats.block_bytes += it->value().size();
  }
  if (s.ok()) s = store::FromRocks(it->status(), "read blocks");
  it.reset();
  if (snapshot != nullptr) store_->db()->ReleaseSnapshot(snapshot);
  TALLY_RETURN_IF_ERROR(s);

  std::error_code ec;
  for (auto& entry : std::filesystem::recursive_directory_iterator(path_, ec)) {
    if (entry.is_regular_file(ec)) stats.bytes_on_disk += entry.file_size(ec);
  }
  return stats;
}

}  // namespace tally::db
