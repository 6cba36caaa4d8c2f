#include "engine/query/rollup_cache.h"

#include <algorithm>

namespace tally::query {

RollupCache::RollupCache(size_t levels, size_t budget_bytes)
    : level_budget_(budget_bytes / std::max<size_t>(1, levels > 1 ? levels - 1 : 1)),
      bytes_(levels, 0),
      entries_(levels) {}

std::shared_ptr<const CachedCells> RollupCache::Find(size_t level, uint32_t series, uint64_t epoch) const {
  std::lock_guard lock(mu_);
  if (level >= entries_.size() || series >= entries_[level].size()) return nullptr;
  const std::shared_ptr<const CachedCells>& cells = entries_[level][series];
  if (cells == nullptr) return nullptr;
  const uint64_t modified = series < modified_.size() ? modified_[series] : 0;
  return modified <= std::min(cells->read_epoch, epoch) ? cells : nullptr;
}

bool RollupCache::HasRoom(size_t level) const {
  std::lock_guard lock(mu_);
  return level < bytes_.size() && bytes_[level] < level_budget_;
}

void RollupCache::Store(size_t level, uint32_t series, std::shared_ptr<const CachedCells> cells) {
  std::lock_guard lock(mu_);
  if (level >= entries_.size()) return;
  if (series < modified_.size() && modified_[series] > cells->read_epoch) return;  // stale already
  std::vector<std::shared_ptr<const CachedCells>>& level_entries = entries_[level];
  if (series >= level_entries.size()) level_entries.resize(series + 1);
  std::shared_ptr<const CachedCells>& slot = level_entries[series];
  const size_t old_bytes = slot ? slot->bytes() : 0;
  if (bytes_[level] - old_bytes + cells->bytes() > level_budget_) return;
  bytes_[level] = bytes_[level] - old_bytes + cells->bytes();
  slot = std::move(cells);
}

void RollupCache::Touch(uint32_t series, uint64_t epoch) {
  std::lock_guard lock(mu_);
  if (series >= modified_.size()) modified_.resize(series + 1, 0);
  modified_[series] = epoch;
  for (size_t level = 0; level < entries_.size(); ++level) {
    std::vector<std::shared_ptr<const CachedCells>>& level_entries = entries_[level];
    if (series < level_entries.size() && level_entries[series]) {
      bytes_[level] -= level_entries[series]->bytes();
      level_entries[series].reset();
    }
  }
}

void RollupCache::Clear() {
  std::lock_guard lock(mu_);
  for (auto& level_entries : entries_) level_entries.clear();
  std::fill(bytes_.begin(), bytes_.end(), 0);
}

size_t RollupCache::bytes() const {
  std::lock_guard lock(mu_);
  size_t total = 0;
  for (size_t b : bytes_) total += b;
  return total;
}

}  // namespace tally::query
