// DedupIndex: the event ids inside the dedup window, in memory, with the event time each was seen at.
//
// The durable record of an id is its row in the `dedup` column family, written in the same
// WriteBatch as the event; this index is loaded from those rows when a writer opens and then kept
// in step by the writer, so checking an id costs a hash probe instead of a RocksDB read.
//
// An open-addressing table of (id, timestamp) pairs, 16 bytes a slot, at most half full: about
// 32–64 bytes of memory per remembered id. Ids older than the window are dropped when the table
// would otherwise grow, so memory follows the ids in the window, not all ids ever seen.
//
// Thread-safety: none (the DB's writer lock guards it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tally::ingest {

class DedupIndex {
 public:
  DedupIndex() { Reset(kMinCapacity); }

  // True when `id` was seen on an event at or after `remembered_from` (event time).
  bool Contains(uint64_t id, int64_t remembered_from) const;

  // Remembers `id` as seen at `timestamp_us` (keeping the later time if it is known already).
  // `remembered_from` is the current window start, used to drop expired ids when growing.
  void Insert(uint64_t id, int64_t timestamp_us, int64_t remembered_from);

  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }

 private:
  static constexpr size_t kMinCapacity = 1024;
  struct Slot {
    uint64_t id = 0;  // 0: empty (0 is never an event id)
    int64_t timestamp_us = 0;
  };

  static uint64_t Mix(uint64_t id) {
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return id;
  }
  void Reset(size_t capacity);
  void Rehash(size_t capacity, int64_t remembered_from);
  void Place(uint64_t id, int64_t timestamp_us);

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace tally::ingest
