// TextArena: stable storage for the few input strings that cannot be views into the input file
// (CSV fields with doubled quotes, JSON strings with escapes).
//
// Views handed out stay valid until Reset(), which keeps the memory for reuse, so a steady ingest
// allocates nothing per row: the arena is reset once per appended batch, after DB::Append has
// copied what it keeps.
//
// Thread-safety: none; one arena per reader.
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace tally::cli {

class TextArena {
 public:
  // Reserves room for `size` bytes and returns where to write them; the bytes become part of the
  // arena (call Shrink when fewer were used).
  char* Allocate(size_t size) {
    if (chunks_.empty() || chunks_[current_].size - used_ < size) NextChunk(size);
    char* out = chunks_[current_].data.get() + used_;
    used_ += size;
    return out;
  }

  // Gives back the last `unused` bytes of the latest Allocate.
  void Shrink(size_t unused) { used_ -= unused; }

  std::string_view Copy(std::string_view text) {
    char* out = Allocate(text.size());
    if (!text.empty()) std::memcpy(out, text.data(), text.size());
    return {out, text.size()};
  }

  // Forgets every string handed out; keeps the memory.
  void Reset() {
    current_ = 0;
    used_ = 0;
  }

 private:
  static constexpr size_t kChunkBytes = 64 << 10;

  struct Chunk {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };

  void NextChunk(size_t at_least) {
    // Move on to the next kept chunk that is big enough, or add one.
    size_t next = chunks_.empty() ? 0 : current_ + 1;
    while (next < chunks_.size() && chunks_[next].size < at_least) ++next;
    if (next >= chunks_.size()) {
      const size_t size = std::max(kChunkBytes, at_least);
      chunks_.push_back(Chunk{std::make_unique<char[]>(size), size});
      next = chunks_.size() - 1;
    }
    current_ = next;
    used_ = 0;
  }

  std::vector<Chunk> chunks_;
  size_t current_ = 0;
  size_t used_ = 0;
};

}  // namespace tally::cli
