// SeriesCatalog: every series of a database, in memory, with its id and label postings.
//
// A series id is XXH3-64 of the canonical key (series_key.h). Two keys with the same hash are a
// collision: the later series takes the hash of its key under seed 1, 2, ... until it finds an unused
// id. The choice is persisted ('K' record), so an id never changes once assigned.
//
// Each series also gets a dense index (0, 1, 2, ... in order of addition) that the head uses to find
// its columns without hashing.
//
// Thread-safety: one mutating thread at a time (the DB's writer lock); that thread may read without
// locking. Other threads read through the const methods, which take a shared lock.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tally/result.h"
#include "tally/series.h"
#include "tally/usage_event.h"

namespace tally::series {

struct CatalogEntry {
  uint64_t id = 0;
  std::string canonical_key;
  SeriesLabels labels;
};

class SeriesCatalog {
 public:
  // `hash(key, seed)`; replaceable so that tests can force collisions.
  using HashFunction = uint64_t (*)(std::string_view key, uint64_t seed);
  static uint64_t DefaultHash(std::string_view key, uint64_t seed);

  explicit SeriesCatalog(HashFunction hash = &DefaultHash);

  // The dense index of the series with `canonical_key`, if known. Writer thread only.
  std::optional<uint32_t> Find(std::string_view canonical_key) const;

  // Adds a new series (REQUIRES: not known), choosing its id. Writer thread only.
  Result<uint32_t> Add(std::string_view canonical_key);

  // Adds a series read back from disk with the id it was given. Corruption when the id or key is
  // already taken or the key does not parse.
  Status Load(uint64_t id, std::string_view canonical_key);

  // Forgets series added after the first `count` (an append that failed to write).
  void TruncateTo(size_t count);

  // True when `event`'s labels are those of the series at `dense`. Writer thread only.
  bool LabelsEqual(uint32_t dense, const UsageEvent& event) const;

  size_t size() const;
  // The entry at a dense index; stable address for the catalog's lifetime.
  const CatalogEntry& at(uint32_t dense) const;
  std::optional<uint32_t> FindById(uint64_t id) const;

  // Dense indexes of the series matching `filter`, in id order.
  std::vector<uint32_t> Match(const SeriesFilter& filter) const;

 private:
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const;
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };

  // The dense indexes in id order, and each one's position in it: built when a query first needs
  // them after the catalog changed, shared by the queries that follow.
  struct IdOrder {
    uint64_t generation = 0;
    std::vector<uint32_t> by_id;
    std::vector<uint32_t> rank;  // rank[dense] = position of dense in by_id
  };

  void IndexEntry(uint32_t dense);
  void UnindexEntry(uint32_t dense);
  // REQUIRES: mu_ held (shared is enough).
  std::shared_ptr<const IdOrder> CurrentIdOrder() const;

  HashFunction hash_;
  mutable std::shared_mutex mu_;
  std::deque<CatalogEntry> entries_;
  std::unordered_map<std::string, uint32_t, KeyHash, KeyEqual> by_key_;
  std::unordered_map<uint64_t, uint32_t> by_id_;
  // (label, value) -> dense indexes; ordered so that a label's values sit together.
  std::map<std::pair<uint8_t, std::string>, std::vector<uint32_t>, std::less<>> postings_;
  uint64_t generation_ = 0;  // counts changes of entries_ (under mu_, exclusively)
  mutable std::mutex order_mu_;
  mutable std::shared_ptr<const IdOrder> order_;  // under order_mu_
};

}  // namespace tally::series
