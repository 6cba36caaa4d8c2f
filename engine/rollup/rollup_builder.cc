#include "engine/rollup/rollup_builder.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "engine/rollup/resolutions.h"

namespace tally::rollup {
namespace {

constexpr size_t kChunkBytes = 4u << 20;

// One bucket's partial cell while its row is being built. The exact latencies are kept unsorted
// and sorted once, when the row is encoded.
struct Accumulator {
  uint64_t count;
  uint64_t retryable;
  uint64_t fatal;
  uint64_t successes;
  uint64_t input_tokens;
  uint64_t output_tokens;
  uint64_t cost_micros;
  int64_t latency_sum;
  int64_t latency_min;
  int64_t latency_max;
  int32_t sketch;  // index into the level's sketches once past kExactLatencies successes, else -1
  uint32_t exact_count;
  std::array<int64_t, kExactLatencies> exact;

  void Reset() {
    count = retryable = fatal = successes = 0;
    input_tokens = output_tokens = cost_micros = 0;
    latency_sum = 0;
    sketch = -1;
    exact_count = 0;
  }
};

void SortSmall(int64_t* values, size_t n) {
  for (size_t i = 1; i < n; ++i) {
    const int64_t v = values[i];
    size_t j = i;
    for (; j > 0 && values[j - 1] > v; --j) values[j] = values[j - 1];
    values[j] = v;
  }
}

}  // namespace

struct RollupBuilder::Level {
  int64_t width = 0;
  int64_t row_width = 0;
  // The row and the cell being filled; events come in time order, so a cell once left is done.
  int64_t row_start = 0;
  int64_t row_end = INT64_MIN;
  int64_t cell_end = INT64_MIN;
  uint64_t presence = 0;
  Accumulator* current = nullptr;
  std::array<Accumulator, kCellsPerRow> cells;
  // Sketches of the current row's busy cells, cleared and reused by the next row.
  std::vector<Sketch> sketches;
  size_t sketches_used = 0;
  std::vector<RowBytes> rows;  // rows of the series being added

  void Add(const EventRow& e) {
    Accumulator& c = *current;
    ++c.count;
    c.input_tokens += static_cast<uint64_t>(e.input_tokens);
    c.output_tokens += static_cast<uint64_t>(e.output_tokens);
    c.cost_micros += static_cast<uint64_t>(e.cost_micros);
    switch (e.outcome) {
      case Outcome::kRetryableError: ++c.retryable; return;
      case Outcome::kFatalError: ++c.fatal; return;
      case Outcome::kSuccess: break;
    }
    const int64_t v = e.latency_us;
    if (c.successes++ == 0) {
      c.latency_min = c.latency_max = v;
    } else {
      c.latency_min = std::min(c.latency_min, v);
      c.latency_max = std::max(c.latency_max, v);
    }
    c.latency_sum += v;
    // Latencies are validated (0 <= latency < 2^40), so Sketch::Add cannot fail.
    if (c.sketch >= 0) {
      (void)sketches[static_cast<size_t>(c.sketch)].Add(static_cast<double>(v));
    } else if (c.exact_count < static_cast<uint32_t>(kExactLatencies)) {
      c.exact[c.exact_count++] = v;
    } else {
      if (sketches_used == sketches.size()) sketches.emplace_back();
      c.sketch = static_cast<int32_t>(sketches_used++);
      Sketch& s = sketches[static_cast<size_t>(c.sketch)];
      for (int64_t x : c.exact) (void)s.Add(static_cast<double>(x));
      (void)s.Add(static_cast<double>(v));
    }
  }
};

RollupBuilder::RollupBuilder(std::vector<int64_t> resolutions_us) : resolutions_(std::move(resolutions_us)) {
  for (int64_t width : resolutions_) {
    auto level = std::make_unique<Level>();
    level->width = width;
    level->row_width = width * kCellsPerRow;
    levels_.push_back(std::move(level));
  }
}

RollupBuilder::~RollupBuilder() = default;

void RollupBuilder::Clear() {
  chunk_index_ = 0;
  cursor_ = chunks_.empty() ? nullptr : chunks_[0].get();
  chunk_end_ = chunks_.empty() ? nullptr : cursor_ + chunk_sizes_[0];
  arena_bytes_ = 0;
}

char* RollupBuilder::Reserve(size_t bytes) {
  if (static_cast<size_t>(chunk_end_ - cursor_) >= bytes) return cursor_;
  // Move on to the next chunk, making it (or making it bigger) when needed.
  if (cursor_ != nullptr) ++chunk_index_;
  if (chunk_index_ == chunks_.size() || chunk_sizes_[chunk_index_] < bytes) {
    const size_t size = std::max(kChunkBytes, bytes);
    auto chunk = std::make_unique_for_overwrite<char[]>(size);
    if (chunk_index_ == chunks_.size()) {
      chunks_.push_back(std::move(chunk));
      chunk_sizes_.push_back(size);
    } else {
      chunks_[chunk_index_] = std::move(chunk);
      chunk_sizes_[chunk_index_] = size;
    }
  }
  cursor_ = chunks_[chunk_index_].get();
  chunk_end_ = cursor_ + chunk_sizes_[chunk_index_];
  return cursor_;
}

void RollupBuilder::FinishRow(int level_index) {
  Level& level = *levels_[static_cast<size_t>(level_index)];
  // Sketches first: their sizes bound the row's.
  std::array<uint32_t, kCellsPerRow> sketch_offset;
  std::array<uint32_t, kCellsPerRow> sketch_length;
  sketch_scratch_.clear();
  size_t sketch_cells = 0;
  for (uint64_t bits = level.presence; bits != 0; bits &= bits - 1) {
    const int i = std::countr_zero(bits);
    const Accumulator& c = level.cells[static_cast<size_t>(i)];
    if (c.sketch < 0) continue;
    sketch_offset[static_cast<size_t>(i)] = static_cast<uint32_t>(sketch_scratch_.size());
    level.sketches[static_cast<size_t>(c.sketch)].SerializeTo(&sketch_scratch_);
    sketch_length[static_cast<size_t>(i)] = static_cast<uint32_t>(sketch_scratch_.size()) - sketch_offset[static_cast<size_t>(i)];
    ++sketch_cells;
  }
  const size_t cells = static_cast<size_t>(std::popcount(level.presence));
  const size_t bound = kMaxRowPrefixBytes + cells * (kMaxCellCountersBytes + kMaxExactLatenciesBytes) +
                       sketch_cells * kMaxSketchPrefixBytes + sketch_scratch_.size() + kRowChecksumBytes;
  char* const begin = Reserve(bound);
  char* p = EncodeRowPrefix(begin, level.presence);
  for (uint64_t bits = level.presence; bits != 0; bits &= bits - 1) {
    const size_t i = static_cast<size_t>(std::countr_zero(bits));
    Accumulator& c = level.cells[i];
    const CellCounters counters{c.count, c.retryable, c.fatal, c.input_tokens, c.output_tokens, c.cost_micros};
    p = EncodeCellCounters(p, counters, c.sketch >= 0);
    if (c.successes == 0) continue;
    if (c.sketch >= 0) {
      const uint32_t offset = sketch_offset[i];
      const size_t length = sketch_length[i];
      p = EncodeSketchPrefix(p, c.latency_sum, c.latency_min, c.latency_max, length);
      std::memcpy(p, sketch_scratch_.data() + offset, length);
      p += length;
    } else {
      SortSmall(c.exact.data(), c.exact_count);
      p = EncodeExactLatencies(p, c.exact.data(), c.exact_count);
    }
  }
  EncodeRowChecksum(begin, p);
  p += kRowChecksumBytes;
  cursor_ = p;
  arena_bytes_ += static_cast<size_t>(p - begin);
  level.rows.push_back(RowBytes{level_index, level.row_start, std::string_view(begin, static_cast<size_t>(p - begin))});
  for (size_t i = 0; i < level.sketches_used; ++i) level.sketches[i].Clear();
  level.sketches_used = 0;
  level.presence = 0;
}

void RollupBuilder::AddSeries(std::span<const EventRow> rows, std::vector<RowBytes>* out) {
  for (auto& level : levels_) {
    level->row_end = INT64_MIN;
    level->cell_end = INT64_MIN;
    level->presence = 0;
    level->rows.clear();
  }
  for (const EventRow& e : rows) {
    const int64_t t = e.timestamp_us;
    for (size_t l = 0; l < levels_.size(); ++l) {
      Level& level = *levels_[l];
      if (t >= level.cell_end) {
        if (t >= level.row_end) {
          if (level.presence != 0) FinishRow(static_cast<int>(l));
          level.row_start = RowStart(t, level.width);
          level.row_end = level.row_start + level.row_width;
        }
        const int64_t index = (t - level.row_start) / level.width;
        level.cell_end = level.row_start + (index + 1) * level.width;
        level.presence |= uint64_t{1} << index;
        level.current = &level.cells[static_cast<size_t>(index)];
        level.current->Reset();
      }
      level.Add(e);
    }
  }
  for (size_t l = 0; l < levels_.size(); ++l) {
    if (levels_[l]->presence != 0) FinishRow(static_cast<int>(l));
    out->insert(out->end(), levels_[l]->rows.begin(), levels_[l]->rows.end());
  }
}

void RollupBuilder::AddSeries(std::span<const EventRow> rows, std::vector<EncodedRow>* out) {
  series_rows_.clear();
  AddSeries(rows, &series_rows_);
  for (const RowBytes& r : series_rows_) out->push_back(EncodedRow{r.resolution, r.row_start_us, std::string(r.bytes)});
}

}  // namespace tally::rollup
