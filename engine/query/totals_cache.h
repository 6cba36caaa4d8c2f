// TotalsCache: the counters of the coarse rollup cells (every resolution but the finest), decoded
// once per series and kept in memory, so that dashboard questions over many series — top models of
// all workspaces, error rates of every endpoint — add up a few in-memory cells per series instead
// of iterating and decoding RocksDB rows.
//
// It holds counters only (requests, errors, tokens, money, latency sum/min/max), never latency
// distributions: queries that ask for quantiles read the cells themselves. An entry holds every
// cell of one series at one resolution, so it answers any range.
//
// Consistency: every flush that writes rollup cells advances the database's flush epoch and marks
// the series it wrote as modified at that epoch (under the exclusive snapshot lock). An entry read
// from a snapshot at epoch e serves a query whose snapshot is at epoch q only while the series has
// not been modified after min(e, q) — so a query never mixes a cache entry with a snapshot that
// disagrees with it. Entries are built by queries that miss, from their own snapshot.
//
// Memory: entries are kept while their total stays under the budget given at construction; past
// it, a miss is answered from RocksDB and not kept (entries invalidated by flushes free their room).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "tally/query.h"

namespace tally::query {

struct CachedCells {
  uint64_t read_epoch = 0;
  std::vector<int64_t> starts;  // bucket starts, ascending
  std::vector<Totals> totals;   // the counters of the cell at starts[i]

  size_t bytes() const { return sizeof(*this) + starts.capacity() * sizeof(int64_t) + totals.capacity() * sizeof(Totals); }
};

class TotalsCache {
 public:
  TotalsCache(size_t levels, size_t budget_bytes);

  // The entry of (level, series) valid for a query at `epoch`, or nullptr.
  std::shared_ptr<const CachedCells> Find(size_t level, uint32_t series, uint64_t epoch) const;
  // Keeps `cells` (read at cells->read_epoch) when it is still current and fits the budget.
  void Store(size_t level, uint32_t series, std::shared_ptr<const CachedCells> cells);
  // A flush at `epoch` changed the cells of `series` (at every level).
  void Touch(uint32_t series, uint64_t epoch);
  // Forgets everything (a read-only database moved to a newer view).
  void Clear();

  size_t bytes() const;

 private:
  const size_t budget_;
  mutable std::mutex mu_;
  size_t bytes_ = 0;
  std::vector<std::vector<std::shared_ptr<const CachedCells>>> entries_;  // [level][series]
  std::vector<uint64_t> modified_;                                         // [series]: last flush epoch
};

}  // namespace tally::query
