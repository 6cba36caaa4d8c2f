#include "engine/sketch/bin_store.h"

namespace tally::sketch {

namespace {

// Adding a minute sketch into a day sketch is this loop; it is worth the widest vectors the CPU has
// (the build targets baseline x86-64, so select at load time). Narrow counts are the common case.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TALLY_WIDEST_VECTORS __attribute__((target_clones("avx2", "default")))
#else
#define TALLY_WIDEST_VECTORS
#endif

TALLY_WIDEST_VECTORS
void AddCounts(uint32_t* __restrict dst, const uint32_t* __restrict src, size_t n) {
  for (size_t k = 0; k < n; ++k) dst[k] += src[k];
}

TALLY_WIDEST_VECTORS
void AddCounts(uint64_t* __restrict dst, const uint64_t* __restrict src, size_t n) {
  for (size_t k = 0; k < n; ++k) dst[k] += src[k];
}

void AddCounts(uint64_t* __restrict dst, const uint32_t* __restrict src, size_t n) {
  for (size_t k = 0; k < n; ++k) dst[k] += src[k];
}

// Into a narrow store: the caller guarantees every sum fits (the total stays within kNarrowLimit).
void AddCounts(uint32_t* __restrict dst, const uint64_t* __restrict src, size_t n) {
  for (size_t k = 0; k < n; ++k) dst[k] += static_cast<uint32_t>(src[k]);
}

#undef TALLY_WIDEST_VECTORS

}  // namespace

void BinStore::UpdateInner() {
  if (wide_ || empty() || highest_ - lowest_ < 2) {
    inner_low_ = 0;
    inner_span_ = 0;
    inner_offset_ = 0;
    return;
  }
  inner_low_ = lowest_ + 1;
  inner_span_ = static_cast<uint32_t>(highest_ - lowest_ - 1);
  inner_offset_ = static_cast<size_t>(inner_low_ - window_low_);
}

void BinStore::Widen() {
  if (wide_) return;
  wide_bins_.Allocate(narrow_bins_.size());
  std::copy_n(narrow_bins_.data(), narrow_bins_.size(), wide_bins_.data());
  narrow_bins_.Release();
  wide_ = true;
  UpdateInner();
}

void BinStore::AddAtEdgeOrOutside(int32_t index, uint64_t count) {
  if (wide_) {
    AddAtEdgeOrOutsideTo<uint64_t>(index, count);
  } else {
    AddAtEdgeOrOutsideTo<uint32_t>(index, count);
  }
}

template <typename T>
void BinStore::AddAtEdgeOrOutsideTo(int32_t index, uint64_t count) {
  // Inside the window no collapse can be needed: the window is at most bin_limit wide and holds
  // every non-empty bin, so the floor stays at or below window_low_.
  if (index < window_low_ || index > window_high_) {
    const int32_t floor = Reshape(index, index);
    if (index < floor) {
      index = floor;
      collapsed_ = true;
    }
  }
  Bins<T>()[static_cast<size_t>(index - window_low_)] += static_cast<T>(count);
  lowest_ = std::min(lowest_, index);
  highest_ = std::max(highest_, index);
  UpdateInner();
}

template <typename T>
T* BinStore::WindowFor(int32_t first, int32_t last) {
  if (first < window_low_ || last > window_high_) {
    const int64_t high = empty() ? last : std::max(last, highest_);
    const int64_t low = empty() ? first : std::min(first, lowest_);
    if (high - low + 1 > static_cast<int64_t>(bin_limit_)) return nullptr;  // would fold
    Reshape(first, last);  // folds nothing: the floor is at or below `low`
  }
  return Bins<T>().data() + (first - window_low_);
}

template uint32_t* BinStore::WindowFor<uint32_t>(int32_t, int32_t);
template uint64_t* BinStore::WindowFor<uint64_t>(int32_t, int32_t);

void BinStore::NoteAdded(int32_t first, int32_t last, bool source_collapsed) {
  collapsed_ = collapsed_ || source_collapsed;
  lowest_ = std::min(lowest_, first);
  highest_ = std::max(highest_, last);
  UpdateInner();
}

void BinStore::AddRange(int32_t first, std::span<const uint32_t> counts, bool source_collapsed) {
  collapsed_ = collapsed_ || source_collapsed;
  if (wide_) {
    AddRangeTo<uint64_t>(first, counts);
  } else {
    AddRangeTo<uint32_t>(first, counts);
  }
}

void BinStore::AddRange(int32_t first, std::span<const uint64_t> counts, bool source_collapsed) {
  collapsed_ = collapsed_ || source_collapsed;
  if (wide_) {
    AddRangeTo<uint64_t>(first, counts);
  } else {
    AddRangeTo<uint32_t>(first, counts);
  }
}

template <typename T, typename S>
void BinStore::AddRangeTo(int32_t first, std::span<const S> counts) {
  const int32_t last = first + static_cast<int32_t>(counts.size()) - 1;
  if (first < window_low_ || last > window_high_) {
    int32_t floor = Reshape(first, last);
    if (first < floor) {
      // Fold the incoming counts below the floor into it, then add the rest.
      uint64_t folded = 0;
      // The floor may even lie above the whole incoming range (the store already holds much
      // higher bins); then everything folds.
      size_t skip = std::min(static_cast<size_t>(floor - first), counts.size());
      for (size_t k = 0; k < skip; ++k) folded += counts[k];
      if (folded != 0) collapsed_ = true;
      Bins<T>()[static_cast<size_t>(floor - window_low_)] += static_cast<T>(folded);
      counts = counts.subspan(skip);
      first = floor;
      // The folded counts may have made the floor non-empty while the remaining ones are zero.
      if (folded != 0) lowest_ = std::min(lowest_, floor);
    }
  }
  if (!counts.empty()) {
    AddCounts(Bins<T>().data() + (first - window_low_), counts.data(), counts.size());
    // The last count is non-zero (precondition); the first one may be zero after folding.
    size_t k = 0;
    while (k < counts.size() && counts[k] == 0) ++k;
    lowest_ = std::min(lowest_, first + static_cast<int32_t>(k));
    highest_ = std::max(highest_, last);
  }
  UpdateInner();
}

int32_t BinStore::Reshape(int32_t need_low, int32_t need_high) {
  return wide_ ? ReshapeTo<uint64_t>(need_low, need_high) : ReshapeTo<uint32_t>(need_low, need_high);
}

template <typename T>
int32_t BinStore::ReshapeTo(int32_t need_low, int32_t need_high) {
  const int64_t limit = bin_limit_;
  int64_t new_highest = need_high;
  int64_t new_lowest = need_low;
  if (!empty()) {
    new_highest = std::max<int64_t>(new_highest, highest_);
    new_lowest = std::min<int64_t>(new_lowest, lowest_);
  }
  const int64_t floor = new_highest - limit + 1;
  new_lowest = std::max(new_lowest, floor);

  // Leave room on both sides so that a stream of values needs few reshapes, within the limit.
  const int64_t span = new_highest - new_lowest + 1;
  const int64_t room = limit - span;
  const int64_t pad = std::min<int64_t>(room, 32 + span / 2);
  const int64_t pad_low = pad / 2;
  const int64_t pad_high = pad - pad_low;
  const int64_t low = new_lowest - pad_low;
  const int64_t high = new_highest + pad_high;

  CountBuffer<T> bins;
  bins.Allocate(static_cast<size_t>(high - low + 1));
  std::fill_n(bins.data(), bins.size(), T{0});
  if (!empty()) {
    const CountBuffer<T>& old = Bins<T>();
    for (int64_t i = lowest_; i <= highest_; ++i) {
      const T c = old[static_cast<size_t>(i - window_low_)];
      if (c == 0) continue;
      int64_t target = i;
      if (i < floor) {
        target = floor;
        collapsed_ = true;
      }
      bins[static_cast<size_t>(target - low)] += c;
    }
    lowest_ = static_cast<int32_t>(std::max<int64_t>(lowest_, floor));
  }
  Bins<T>() = std::move(bins);
  window_low_ = static_cast<int32_t>(low);
  window_high_ = static_cast<int32_t>(high);
  UpdateInner();
  return static_cast<int32_t>(floor);
}

template <typename T>
T* BinStore::Replace(int32_t first, size_t n, bool collapsed) {
  wide_ = std::is_same_v<T, uint64_t>;
  if (wide_) {
    narrow_bins_.Release();
  } else {
    wide_bins_.Release();
  }
  Bins<T>().Allocate(n);
  window_low_ = first;
  window_high_ = first + static_cast<int32_t>(n) - 1;
  lowest_ = window_low_;
  highest_ = window_high_;
  collapsed_ = collapsed;
  UpdateInner();
  return Bins<T>().data();
}

template uint32_t* BinStore::Replace<uint32_t>(int32_t, size_t, bool);
template uint64_t* BinStore::Replace<uint64_t>(int32_t, size_t, bool);

void BinStore::Clear() {
  narrow_bins_.Release();
  wide_bins_.Release();
  wide_ = false;
  window_low_ = 1;
  window_high_ = 0;
  lowest_ = std::numeric_limits<int32_t>::max();
  highest_ = std::numeric_limits<int32_t>::min();
  collapsed_ = false;
  UpdateInner();
}

}  // namespace tally::sketch
