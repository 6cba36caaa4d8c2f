// RollupCache: the coarse rollup cells (every resolution but the finest) of a series, decoded once
// and kept in memory, so that dashboard questions over many series — top models of all workspaces,
// error rates or latency percentiles of every endpoint — add up a few in-memory cells per series
// instead of reading and parsing RocksDB rows.
//
// An entry holds every cell of one series at one resolution, so it answers any range: per cell its
// counters (requests, errors, tokens, money, latency sum/min/max) decoded, and its encoded bytes,
// from which a query that asks for quantiles merges the latencies (exact list or sketch).
//
// Consistency: every flush that writes rollup cells advances the database's flush epoch and marks
// the series it wrote as modified at that epoch (under the exclusive snapshot lock). An entry read
// from a snapshot at epoch e serves a query whose snapshot is at epoch q only while the series has
// not been modified after min(e, q) — so a query never mixes a cache entry with a snapshot that
// disagrees with it. Entries are built by queries that miss, from their own snapshot.
//
// Memory: each resolution has an equal share of the budget given at construction (so that the
// many cells of a fine resolution cannot crowd out the few of a coarse one); entries are kept while
// their resolution's total stays within its share. Past it, a miss is answered from RocksDB and not
// kept (entries invalidated by flushes free their room).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tally/query.h"

namespace tally::query {

struct CachedCells {
  uint64_t read_epoch = 0;
  std::vector<int64_t> starts;  // bucket starts, ascending
  std::vector<Totals> totals;   // the counters of the cell at starts[i]
  std::string encoded;          // the cells' bytes, one after another
  std::vector<uint32_t> ends;   // cell i is encoded[ends[i - 1], ends[i]) (ends[-1] = 0)

  void Add(int64_t start, const Totals& cell_totals, std::string_view cell_bytes) {
    starts.push_back(start);
    totals.push_back(cell_totals);
    encoded.append(cell_bytes);
    ends.push_back(static_cast<uint32_t>(encoded.size()));
  }
  // Frees the room the vectors grew beyond what they hold (an entry is never added to again).
  void ShrinkToFit() {
    starts.shrink_to_fit();
    totals.shrink_to_fit();
    encoded.shrink_to_fit();
    ends.shrink_to_fit();
  }
  std::string_view Encoded(size_t i) const {
    const uint32_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(encoded.data() + begin, ends[i] - begin);
  }
  size_t bytes() const {
    return sizeof(*this) + starts.capacity() * sizeof(int64_t) + totals.capacity() * sizeof(Totals) +
           encoded.capacity() + ends.capacity() * sizeof(uint32_t);
  }
};

class RollupCache {
 public:
  RollupCache(size_t levels, size_t budget_bytes);

  // The entry of (level, series) valid for a query at `epoch`, or nullptr.
  std::shared_ptr<const CachedCells> Find(size_t level, uint32_t series, uint64_t epoch) const;
  // Whether a new entry at `level` could still be kept (its share of the budget is not used up).
  bool HasRoom(size_t level) const;
  // Keeps `cells` (read at cells->read_epoch) when it is still current and fits the budget.
  void Store(size_t level, uint32_t series, std::shared_ptr<const CachedCells> cells);
  // A flush at `epoch` changed the cells of `series` (at every level).
  void Touch(uint32_t series, uint64_t epoch);
  // Forgets everything (a read-only database moved to a newer view).
  void Clear();

  size_t bytes() const;

 private:
  const size_t level_budget_;
  mutable std::mutex mu_;
  std::vector<size_t> bytes_;  // [level]
  std::vector<std::vector<std::shared_ptr<const CachedCells>>> entries_;  // [level][series]
  std::vector<uint64_t> modified_;                                         // [series]: last flush epoch
};

}  // namespace tally::query
