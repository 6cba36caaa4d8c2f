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
// Count width. A store starts "narrow": 32-bit counts, which halves the memory every merge reads and
// writes. Its owner calls Widen() before an addition could take the total of all counts past
// kNarrowLimit; from then on counts are 64-bit. The width is not visible in the counts themselves
// (nor in the serialized bytes); Clear() makes the store narrow again.
//
// Not thread-safe for mutation; const methods may run concurrently.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <type_traits>

namespace tally::sketch {

// A heap array of counts that is not zero-filled when allocated (a decoder writes every entry).
template <typename T>
class CountBuffer {
 public:
  CountBuffer() = default;
  CountBuffer(const CountBuffer& other) { *this = other; }
  CountBuffer& operator=(const CountBuffer& other) {
    if (this != &other) {
      Allocate(other.size_);
      std::copy_n(other.data_.get(), size_, data_.get());
    }
    return *this;
  }
  CountBuffer(CountBuffer&&) noexcept = default;
  CountBuffer& operator=(CountBuffer&&) noexcept = default;

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

  // n entries with unspecified values.
  void Allocate(size_t n) {
    data_ = n == 0 ? nullptr : std::make_unique_for_overwrite<T[]>(n);
    size_ = n;
  }
  void Release() {
    data_.reset();
    size_ = 0;
  }

 private:
  std::unique_ptr<T[]> data_;
  size_t size_ = 0;
};

class BinStore {
 public:
  // The largest total of all counts a narrow store may hold.
  static constexpr uint64_t kNarrowLimit = std::numeric_limits<uint32_t>::max();

  explicit BinStore(uint32_t bin_limit) : bin_limit_(bin_limit) {}

  uint32_t bin_limit() const { return bin_limit_; }
  bool empty() const { return lowest_ > highest_; }
  bool collapsed() const { return collapsed_; }
  bool wide() const { return wide_; }
  // The lowest / highest non-empty bin; REQUIRES !empty().
  int32_t lowest() const { return lowest_; }
  int32_t highest() const { return highest_; }

  // Switches to 64-bit counts (no effect when already wide).
  void Widen();

  // f(std::span<const uint32_t>) or f(std::span<const uint64_t>): the counts from lowest() to
  // highest() (both ends non-zero), an empty span when empty().
  template <typename F>
  decltype(auto) VisitNonEmpty(F&& f) const {
    if (wide_) return f(NonEmpty(wide_bins_));
    return f(NonEmpty(narrow_bins_));
  }

  uint64_t CountAt(int32_t index) const {
    if (empty() || index < lowest_ || index > highest_) return 0;
    const auto k = static_cast<size_t>(index - window_low_);
    return wide_ ? wide_bins_[k] : narrow_bins_[k];
  }

  // Adds `count` (>= 1) to bin `index`, folding it into the floor when below the kept range.
  // REQUIRES, when narrow, that the total of all counts stays at most kNarrowLimit.
  void Add(int32_t index, uint64_t count) {
    const size_t slot = InnerSlot(index);
    if (slot != kNoSlot) [[likely]] {
      narrow_bins_[slot] += static_cast<uint32_t>(count);
      return;
    }
    AddAtEdgeOrOutside(index, count);
  }

  // Sketch::Add's fast path. The slot of bin `index` when the store is narrow and the bin lies
  // strictly between lowest() and highest(): adding there changes neither the range nor the window,
  // and the value is neither a new minimum nor a new maximum. kNoSlot otherwise (also when empty).
  static constexpr size_t kNoSlot = ~size_t{0};
  size_t InnerSlot(int32_t index) const {
    // One unsigned comparison tests both ends (wrapping arithmetic: no signed overflow).
    const uint32_t k = static_cast<uint32_t>(index) - static_cast<uint32_t>(inner_low_);
    return k < inner_span_ ? k + inner_offset_ : kNoSlot;
  }
  // REQUIRES slot == InnerSlot(i) != kNoSlot for some i, and room below kNarrowLimit.
  void IncrementSlot(size_t slot) { ++narrow_bins_[slot]; }
  // The same range for the sketch's inline Add: the count of bin inner_low() + k is at
  // inner_bins()[k] for k < inner_span(). inner_span() is 0 when there is no such bin or the store
  // is wide. Valid until the next change of the store.
  uint32_t* inner_bins() { return inner_span_ == 0 ? nullptr : narrow_bins_.data() + inner_offset_; }
  int32_t inner_low() const { return inner_low_; }
  uint32_t inner_span() const { return inner_span_; }

  // For adding counts straight into the store (Sketch::MergeFrom decodes into it): makes the
  // window cover [first, last] and returns the address of bin `first`, or nullptr when the
  // counts could not be added without folding (then use AddRange). Changes no count; the window
  // may be reallocated. REQUIRES first <= last; T is uint64_t when wide(), else uint32_t.
  template <typename T>
  T* WindowFor(int32_t first, int32_t last);
  // Records counts added at WindowFor(first, last): the counts at `first` and `last` are
  // non-zero. `source_collapsed` as for AddRange.
  void NoteAdded(int32_t first, int32_t last, bool source_collapsed);

  // Adds counts[k] to bin first + k for every k. REQUIRES counts non-empty with non-zero first and
  // last entries, and, when narrow, a total that stays at most kNarrowLimit. `source_collapsed`
  // says the counts come from a collapsed store (same bin limit).
  void AddRange(int32_t first, std::span<const uint32_t> counts, bool source_collapsed);
  void AddRange(int32_t first, std::span<const uint64_t> counts, bool source_collapsed);

  // Replaces the contents with n counts of bins first, first + 1, ..., to be written at the
  // returned address (for deserialization: decoded in place, without a copy). The store is wide
  // exactly when T is uint64_t. REQUIRES 1 <= n <= bin_limit; the caller then writes all n
  // counts, the first and last non-zero, or calls Clear().
  template <typename T>
  T* Replace(int32_t first, size_t n, bool collapsed);

  void Clear();

 private:
  template <typename T>
  std::span<const T> NonEmpty(const CountBuffer<T>& bins) const {
    if (empty()) return {};
    return {bins.data() + (lowest_ - window_low_), static_cast<size_t>(highest_ - lowest_) + 1};
  }
  template <typename T>
  CountBuffer<T>& Bins() {
    if constexpr (std::is_same_v<T, uint64_t>) {
      return wide_bins_;
    } else {
      return narrow_bins_;
    }
  }
  template <typename T, typename S>
  void AddRangeTo(int32_t first, std::span<const S> counts);
  void AddAtEdgeOrOutside(int32_t index, uint64_t count);
  template <typename T>
  void AddAtEdgeOrOutsideTo(int32_t index, uint64_t count);
  // Recomputes the inner_* fields from lowest_, highest_, window_low_ and wide_; called by every
  // method that changes one of those.
  void UpdateInner();
  // Reallocates the window to cover the non-empty range widened by [need_low, need_high], folding
  // existing counts below the new floor. Returns the new floor.
  int32_t Reshape(int32_t need_low, int32_t need_high);
  template <typename T>
  int32_t ReshapeTo(int32_t need_low, int32_t need_high);

  uint32_t bin_limit_;
  bool wide_ = false;
  bool collapsed_ = false;
  // The counts of the window [window_low_, window_high_] (empty when low > high): entry k is the
  // count of index window_low_ + k, in narrow_bins_ or (when wide) wide_bins_. Entries outside
  // [lowest_, highest_] are zero.
  CountBuffer<uint32_t> narrow_bins_;
  CountBuffer<uint64_t> wide_bins_;
  int32_t window_low_ = 1;
  int32_t window_high_ = 0;
  int32_t lowest_ = std::numeric_limits<int32_t>::max();
  int32_t highest_ = std::numeric_limits<int32_t>::min();
  // The bins strictly inside (lowest_, highest_) of a narrow store: [inner_low_, inner_low_ +
  // inner_span_), at narrow_bins_[inner_offset_] onwards. inner_span_ is 0 when there are none.
  int32_t inner_low_ = 0;
  uint32_t inner_span_ = 0;
  size_t inner_offset_ = 0;
};

}  // namespace tally::sketch
