// BinStore: the sketch's counts per bin index, held densely over a window of at most `bin_limit`
// consecutive indexes, collapsing the lowest bins when the data spans more than that.
//
// Collapse rule (the reason merges stay exact): the kept range is always the top `bin_limit` bins,
// [highest - bin_limit + 1, highest], where `highest` is the highest non-empty bin. Counts of any
// lower bin are added to the lowest kept bin (the "floor"). The floor depends only on the highest
// index seen, which only grows, so folding early (per Add or per partial sketch) puts every count in
// the same bin as folding once at the end: any bin below an earlier floor is also below every later
// floor. Hence the final bins are a function of the multiset of indexes, whatever the order of adds
// and merges. collapsed() is true when some count was folded; that too is order-independent (it
// equals "the indexes seen span more than bin_limit bins").
//
// Not thread-safe for mutation; const methods may run concurrently.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace tally::sketch {

class BinStore {
 public:
  explicit BinStore(uint32_t bin_limit) : bin_limit_(bin_limit) {}

  uint32_t bin_limit() const { return bin_limit_; }
  bool empty() const { return lowest_ > highest_; }
  bool collapsed() const { return collapsed_; }
  // The lowest / highest non-empty bin; REQUIRES !empty().
  int32_t lowest() const { return lowest_; }
  int32_t highest() const { return highest_; }

  // Counts from lowest() to highest() (both ends non-zero); empty span when empty().
  std::span<const uint64_t> NonEmptyRange() const {
    if (empty()) return {};
    return {bins_.data() + (lowest_ - window_low_), static_cast<size_t>(highest_ - lowest_) + 1};
  }

  uint64_t CountAt(int32_t index) const {
    if (empty() || index < lowest_ || index > highest_) return 0;
    return bins_[static_cast<size_t>(index - window_low_)];
  }

  // Adds `count` (>= 1) to bin `index`, folding it into the floor when below the kept range.
  void Add(int32_t index, uint64_t count) {
    const size_t slot = InnerSlot(index);
    if (slot != kNoSlot) [[likely]] {
      bins_[slot] += count;
      return;
    }
    AddAtEdgeOrOutside(index, count);
  }

  // Sketch::Add's fast path. The slot of bin `index` when the bin lies strictly between lowest()
  // and highest(): adding there changes neither the range nor the window, and the value is
  // neither a new minimum nor a new maximum. kNoSlot otherwise (also when empty).
  static constexpr size_t kNoSlot = ~size_t{0};
  size_t InnerSlot(int32_t index) const {
    // One unsigned comparison tests both ends (wrapping arithmetic: no signed overflow).
    const uint32_t k = static_cast<uint32_t>(index) - static_cast<uint32_t>(inner_low_);
    return k < inner_span_ ? k + inner_offset_ : kNoSlot;
  }
  // REQUIRES slot == InnerSlot(i) != kNoSlot for some i.
  void IncrementSlot(size_t slot) { ++bins_[slot]; }

  // For adding counts straight into the store (Sketch::MergeFrom decodes into it): makes the
  // window cover [first, last] and returns the address of bin `first`, or nullptr when the
  // counts could not be added without folding (then use AddRange). Changes no count; the window
  // may be reallocated. REQUIRES first <= last.
  uint64_t* WindowFor(int32_t first, int32_t last);
  // Records counts added at WindowFor(first, last): the counts at `first` and `last` are
  // non-zero. `source_collapsed` as for AddRange.
  void NoteAdded(int32_t first, int32_t last, bool source_collapsed);

  // Adds counts[k] to bin first + k for every k. REQUIRES counts non-empty with non-zero first and
  // last entries. `source_collapsed` says the counts come from a collapsed store (same bin limit).
  void AddRange(int32_t first, std::span<const uint64_t> counts, bool source_collapsed);

  // Replaces the contents (for deserialization, avoiding a copy). REQUIRES counts non-empty,
  // front() and back() non-zero, counts.size() <= bin_limit.
  void Adopt(int32_t first, std::vector<uint64_t>&& counts, bool collapsed);

  void Clear();

 private:
  void AddAtEdgeOrOutside(int32_t index, uint64_t count);
  // Recomputes the inner_* fields from lowest_, highest_ and window_low_; called by every
  // method that changes one of those.
  void UpdateInner();
  // Reallocates the window to cover the non-empty range widened by [need_low, need_high], folding
  // existing counts below the new floor. Returns the new floor.
  int32_t Reshape(int32_t need_low, int32_t need_high);

  uint32_t bin_limit_;
  std::vector<uint64_t> bins_;  // bins_[k] is the count of index window_low_ + k
  int32_t window_low_ = 1;      // the window is [window_low_, window_high_]; empty when low > high
  int32_t window_high_ = 0;
  int32_t lowest_ = std::numeric_limits<int32_t>::max();
  int32_t highest_ = std::numeric_limits<int32_t>::min();
  bool collapsed_ = false;
  // The bins strictly inside (lowest_, highest_): [inner_low_, inner_low_ + inner_span_), at
  // bins_[inner_offset_] onwards. inner_span_ is 0 when there are none.
  int32_t inner_low_ = 0;
  uint32_t inner_span_ = 0;
  size_t inner_offset_ = 0;
};

}  // namespace tally::sketch
