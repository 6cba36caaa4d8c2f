#include "engine/ingest/dedup_index.h"

#include <algorithm>

namespace tally::ingest {

void DedupIndex::Reset(size_t capacity) {
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  size_ = 0;
}

bool DedupIndex::Contains(uint64_t id, int64_t remembered_from) const {
  for (size_t i = Mix(id) & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id == id) return s.timestamp_us >= remembered_from;
    if (s.id == 0) return false;
  }
}

void DedupIndex::Place(uint64_t id, int64_t timestamp_us) {
  for (size_t i = Mix(id) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.id == id) {
      s.timestamp_us = std::max(s.timestamp_us, timestamp_us);
      return;
    }
    if (s.id == 0) {
      s = Slot{id, timestamp_us};
      ++size_;
      return;
    }
  }
}

void DedupIndex::Rehash(size_t capacity, int64_t remembered_from) {
  std::vector<Slot> old;
  old.swap(slots_);
  Reset(capacity);
  for (const Slot& s : old) {
    if (s.id != 0 && s.timestamp_us >= remembered_from) Place(s.id, s.timestamp_us);
  }
}

void DedupIndex::Insert(uint64_t id, int64_t timestamp_us, int64_t remembered_from) {
  if (2 * (size_ + 1) > slots_.size()) {
    // Half full: drop the expired ids, and size the table so the live ones fill at most a quarter
    // of it, which makes rehashing amortised O(1) per insert.
    size_t live = 0;
    for (const Slot& s : slots_) live += s.id != 0 && s.timestamp_us >= remembered_from;
    size_t capacity = slots_.size();
    while (4 * (live + 1) > capacity) capacity *= 2;
    Rehash(capacity, remembered_from);
  }
  Place(id, timestamp_us);
}

}  // namespace tally::ingest
