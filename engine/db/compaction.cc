// DB::Compact: merge each series' blocks of one window into as few blocks as fit
// Options::compact_block_rows, re-encoding them for size, then let RocksDB drop everything deleted.
//
// Flushes write blocks with the fast encoding; every block written since the last compaction
// (sequence number at or above the recorded mark) is therefore rewritten even when it is alone in
// its window, while blocks a compaction already wrote are left alone unless they gain neighbours.
#include <algorithm>
#include <numeric>

#include <rocksdb/write_batch.h>

#include "engine/codec/coding.h"
#include "engine/db/db_impl.h"
#include "engine/store/layout.h"
#include "engine/util/status_macros.h"

namespace tally::db {
namespace {

using store::Family;

// A compaction writes its merges in batches of about this many bytes.
constexpr size_t kCompactionBatchBytes = 32u << 20;

struct StoredBlock {
  std::string key;
  std::string value;
};

// Rows of `blocks` (in key order, so in append order) merged into time order; equal timestamps
// keep their append order.
Status MergeRows(const std::vector<StoredBlock>& blocks, codec::BlockColumns* merged) {
  codec::BlockColumns all, one;
  for (const StoredBlock& b : blocks) {
    Status s = codec::DecodeBlock(b.value, &one);
    if (!s.ok()) {
      store::BlockKeyParts parts;
      store::ParseBlockKey(b.key, &parts);
      return s.WithContext("compaction: series id " + std::to_string(parts.series_id) + ", block of window " +
                           std::to_string(parts.window_start_us) + " µs, seq " + std::to_string(parts.block_seq));
    }
    for (size_t i = 0; i < one.size(); ++i) all.push_back(one.row(i));
  }
  std::vector<uint32_t> order(all.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&all](uint32_t a, uint32_t b) { return all.timestamp_us[a] < all.timestamp_us[b]; });
  merged->clear();
  merged->reserve(all.size());
  for (uint32_t i : order) merged->push_back(all.row(i));
  return Status::OK();
}

}  // namespace

Status DBImpl::Compact(const CompactOptions& options) {
  if (store_->read_only()) return Status::NotSupported("Compact on a read-only database");
  using Phase = CompactProgress::Phase;
  auto report = [&options](Phase phase, uint64_t done, uint64_t total) {
    if (options.progress) options.progress(CompactProgress{phase, done, total});
  };
  std::lock_guard flush_lock(flush_mu_);
  report(Phase::kFlush, 0, 1);
  TALLY_RETURN_IF_ERROR(FlushLocked(0));
  TALLY_RETURN_IF_ERROR(AdvanceRetention());
  report(Phase::kFlush, 1, 1);

  rocksdb::DB* rdb = store_->db();
  auto* family = store_->cf(Family::kBlocks);
  // Flushes are excluded while this runs, so nothing else writes blocks; the iterator's implicit
  // snapshot hides the merged blocks this loop writes behind it.
  std::unique_ptr<rocksdb::Iterator> it(rdb->NewIterator(rocksdb::ReadOptions(), family));
  rocksdb::WriteBatch batch;
  std::vector<StoredBlock> group;
  store::BlockKeyParts group_parts;
  codec::BlockColumns merged, chunk;
  std::string encoded;

  uint64_t compacted_below = 0;
  {
    std::string v;
    rocksdb::Status rs = rdb->Get(rocksdb::ReadOptions(), store_->cf(Family::kMeta), store::kMetaCompactedBelowSeq, &v);
    if (rs.ok() && v.size() == 8) {
      compacted_below = codec::DecodeFixed64(v.data());
    } else if (rs.ok()) {
      return Status::Corruption("compaction mark record has " + std::to_string(v.size()) + " bytes");
    } else if (!rs.IsNotFound()) {
      return store::FromRocks(rs, "read compaction mark");
    }
  }
  // Everything written before this compaction starts is covered by it.
  const uint64_t new_mark = next_block_seq_;

  auto write_batch = [&](bool last) -> Status {
    if (batch.Count() == 0 && !last) return Status::OK();
    std::string seq;
    codec::PutFixed64(&seq, next_block_seq_);
    batch.Put(store_->cf(Family::kMeta), store::kMetaNextBlockSeq, seq);
    if (last) {
      std::string mark;
      codec::PutFixed64(&mark, new_mark);
      batch.Put(store_->cf(Family::kMeta), store::kMetaCompactedBelowSeq, mark);
    }
    Status s = store::FromRocks(rdb->Write(rocksdb::WriteOptions(), &batch), "compaction write");
    batch.Clear();
    return s;
  };
  auto merge_group = [&]() -> Status {
    const bool fresh = std::any_of(group.begin(), group.end(), [&](const StoredBlock& b) {
      store::BlockKeyParts parts;
      store::ParseBlockKey(b.key, &parts);
      return parts.block_seq >= compacted_below;
    });
    if (group.size() < 2 && !fresh) return Status::OK();
    // Expired windows are about to be dropped by the compaction filter: no point rewriting them.
    if (group_parts.window_start_us + options_.block_window_us <= expired_before_[0]) return Status::OK();
    TALLY_RETURN_IF_ERROR(MergeRows(group, &merged));
    for (const StoredBlock& b : group) batch.Delete(family, b.key);
    const size_t limit = std::max<size_t>(1, std::min<size_t>(options_.compact_block_rows, codec::kMaxBlockRows));
    for (size_t begin = 0; begin < merged.size(); begin += limit) {
      chunk.clear();
      for (size_t i = begin; i < std::min(merged.size(), begin + limit); ++i) chunk.push_back(merged.row(i));
      TALLY_RETURN_IF_ERROR(codec::EncodeBlock(chunk, &encoded));
      batch.Put(family, store::BlockKey(group_parts.series_id, group_parts.window_start_us, next_block_seq_++),
                encoded);
    }
    if (batch.GetDataSize() >= kCompactionBatchBytes) return write_batch(false);
    return Status::OK();
  };

  uint64_t blocks_total = 0;
  rdb->GetIntProperty(family, "rocksdb.estimate-num-keys", &blocks_total);
  uint64_t blocks_read = 0;
  report(Phase::kMergeBlocks, 0, blocks_total);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (++blocks_read % 4096 == 0) report(Phase::kMergeBlocks, blocks_read, blocks_total);
    store::BlockKeyParts parts;
    if (!store::ParseBlockKey(it->key().ToStringView(), &parts)) {
      return Status::Corruption("blocks family holds a key of " + std::to_string(it->key().size()) + " bytes");
    }
    if (!group.empty() &&
        (parts.series_id != group_parts.series_id || parts.window_start_us != group_parts.window_start_us)) {
      TALLY_RETURN_IF_ERROR(merge_group());
      group.clear();
    }
    group_parts = parts;
    group.push_back(StoredBlock{it->key().ToString(), it->value().ToString()});
  }
  TALLY_RETURN_IF_ERROR(store::FromRocks(it->status(), "read blocks for compaction"));
  TALLY_RETURN_IF_ERROR(merge_group());
  TALLY_RETURN_IF_ERROR(write_batch(true));
  it.reset();
  report(Phase::kMergeBlocks, blocks_read, std::max(blocks_total, blocks_read));
  return store_->CompactAll(
      [&report](size_t done, size_t total) { report(Phase::kCompactStorage, done, total); });
}

}  // namespace tally::db
