#include "engine/inspect/rollup_check.h"

#include <algorithm>
#include <bit>
#include <memory>

#include "engine/codec/block.h"
#include "engine/rollup/cell_row.h"
#include "engine/rollup/resolutions.h"
#include "engine/rollup/rollup_builder.h"
#include "engine/rollup/rollup_cell.h"
#include "engine/store/layout.h"
#include "engine/store/rocks_store.h"

namespace tally::inspect {
namespace {

constexpr uint64_t kNoSeries = UINT64_MAX;

// "1m" for the family "rollup.1m".
std::string LevelName(int64_t resolution_us) {
  return rollup::FamilyName(resolution_us).substr(rollup::kFamilyPrefix.size());
}

uint64_t SeriesOfKey(const rocksdb::Iterator& it) {
  return it.Valid() && it.key().size() >= 8 ? store::DecodeFixed64BE(it.key().data()) : kNoSeries;
}

// "12 requests (1 retryable, 0 fatal), 3,400 + 120 tokens, 5,000 µ-units" of an encoded cell.
std::string Describe(std::string_view encoded) {
  rollup::RollupCell cell;
  if (!rollup::RollupCell::Decode(encoded, &cell, false).ok()) return "an undecodable cell";
  return std::to_string(cell.count) + " requests (" + std::to_string(cell.retryable) + " retryable, " +
         std::to_string(cell.fatal) + " fatal), " + std::to_string(cell.input_tokens) + " + " +
         std::to_string(cell.output_tokens) + " tokens, " + std::to_string(cell.cost_micros) + " µ-units of cost";
}

class RollupChecker {
 public:
  RollupChecker(const RollupCheckInput& input, RollupCheckCounts* counts) : in_(input), counts_(counts) {
    for (const RollupFamily& f : in_.families) resolutions_.push_back(f.resolution_us);
    builder_ = std::make_unique<rollup::RollupBuilder>(resolutions_);
    // Raw events are complete from the first block window that no expiry touches.
    const int64_t raw_before = Before(0);
    raw_complete_from_ = raw_before;
    if (raw_before != INT64_MIN && in_.block_window_us > 0) {
      const int64_t start = store::WindowStart(raw_before, in_.block_window_us);
      raw_complete_from_ = start == raw_before ? start : start + in_.block_window_us;
    }
  }

  Status Run() {
    blocks_.reset(in_.db->NewIterator(in_.read, in_.blocks));
    blocks_->SeekToFirst();
    for (const RollupFamily& f : in_.families) {
      levels_.emplace_back(in_.db->NewIterator(in_.read, f.handle));
      levels_.back()->SeekToFirst();
    }
    while (true) {
      uint64_t series = SeriesOfKey(*blocks_);
      for (auto& it : levels_) series = std::min(series, SeriesOfKey(*it));
      if (series == kNoSeries) break;
      const bool complete = ReadSeriesEvents(series);
      if (!blocks_->status().ok()) return store::FromRocks(blocks_->status(), "read blocks");
      expected_.clear();
      builder_->Clear();
      if (complete) builder_->AddSeries(events_, &expected_);
      if (!complete) ++counts_->skipped_series;
      for (size_t level = 0; level < levels_.size(); ++level) {
        CompareLevel(series, level, complete);
        if (!levels_[level]->status().ok()) {
          return store::FromRocks(levels_[level]->status(), "read " + rollup::FamilyName(resolutions_[level]));
        }
      }
    }
    return Status::OK();
  }

 private:
  int64_t Before(size_t level) const {
    return level < in_.expired_before.size() ? in_.expired_before[level] : INT64_MIN;
  }

  // Reads the events of every block of `series` (the blocks iterator stands at its first block, or
  // past it when it has none) in time order into events_. False when a block does not decode.
  bool ReadSeriesEvents(uint64_t series) {
    events_.clear();
    bool complete = true;
    for (; blocks_->Valid() && SeriesOfKey(*blocks_) == series; blocks_->Next()) {
      if (!codec::DecodeBlock(blocks_->value().ToStringView(), &columns_).ok()) {
        complete = false;
        continue;
      }
      for (size_t i = 0; i < columns_.size(); ++i) {
        EventRow e;
        e.timestamp_us = columns_.timestamp_us[i];
        e.input_tokens = columns_.input_tokens[i];
        e.output_tokens = columns_.output_tokens[i];
        e.latency_us = columns_.latency_us[i];
        e.cost_micros = columns_.cost_micros[i];
        e.outcome = static_cast<Outcome>(columns_.outcome[i]);
        e.event_id = columns_.event_id[i];
        events_.push_back(e);
      }
    }
    std::stable_sort(events_.begin(), events_.end(),
                     [](const EventRow& a, const EventRow& b) { return a.timestamp_us < b.timestamp_us; });
    return complete;
  }

  // Compares the stored rows of `series` at `level` with the expected ones, consuming the stored.
  void CompareLevel(uint64_t series, size_t level, bool complete) {
    rocksdb::Iterator& it = *levels_[level];
    const int64_t width = resolutions_[level];
    // Cells before this may be missing from either side because of retention.
    const int64_t level_before = Before(level + 1);
    const int64_t level_from = level_before == INT64_MIN ? INT64_MIN : rollup::RowStart(level_before, width);
    const int64_t from = std::max(raw_complete_from_, level_from);
    auto expected = std::find_if(expected_.begin(), expected_.end(),
                                 [level](const rollup::RowBytes& r) { return r.resolution == static_cast<int>(level); });
    auto next_expected = [&] {
      ++expected;
      while (expected != expected_.end() && expected->resolution != static_cast<int>(level)) ++expected;
    };
    for (; it.Valid() && SeriesOfKey(it) == series; it.Next()) {
      ++counts_->rows;
      if (it.key().size() != 16) {
        Report("rollup", series, false, 0, 0, LevelName(width) + ": a key of " + std::to_string(it.key().size()) +
                                                  " bytes is not a rollup key");
        continue;
      }
      const int64_t row_start = static_cast<int64_t>(store::DecodeFixed64BE(it.key().data() + 8));
      const int64_t row_end = row_start + width * rollup::kCellsPerRow;
      Status s = rollup::ParseCellRow(it.value().ToStringView(), &stored_);
      if (!s.ok()) Report("rollup", series, true, row_start, row_end, LevelName(width) + " row: " + s.ToString());
      if (!complete) continue;
      // Expected rows before this one have no stored counterpart.
      for (; expected != expected_.end() && expected->row_start_us < row_start; next_expected()) {
        CompareRow(series, level, expected->row_start_us, nullptr, &*expected, from);
      }
      if (!s.ok()) {
        // Reported above; its cells cannot be compared.
        if (expected != expected_.end() && expected->row_start_us == row_start) next_expected();
        continue;
      }
      if (expected != expected_.end() && expected->row_start_us == row_start) {
        CompareRow(series, level, row_start, &stored_, &*expected, from);
        next_expected();
      } else {
        CompareRow(series, level, row_start, &stored_, nullptr, from);
      }
    }
    if (!complete) return;
    for (; expected != expected_.end(); next_expected()) {
      CompareRow(series, level, expected->row_start_us, nullptr, &*expected, from);
    }
  }

  // Compares the cells of one row (either side may be missing) that start at or after `from`.
  void CompareRow(uint64_t series, size_t level, int64_t row_start, const rollup::CellRowView* stored,
                  const rollup::RowBytes* expected_row, int64_t from) {
    const int64_t width = resolutions_[level];
    uint64_t want_presence = 0;
    if (expected_row != nullptr) {
      // The builder's own bytes: they parse.
      if (!rollup::ParseCellRow(expected_row->bytes, &want_).ok()) return;
      want_presence = want_.presence;
    }
    const uint64_t have_presence = stored != nullptr ? stored->presence : 0;
    for (uint64_t bits = want_presence | have_presence; bits != 0; bits &= bits - 1) {
      const int i = std::countr_zero(bits);
      const int64_t cell_start = row_start + i * width;
      if (cell_start < from) continue;
      const uint64_t bit = uint64_t{1} << i;
      if (have_presence & bit) ++counts_->cells;
      const std::string_view have = (have_presence & bit) ? stored->cells[i] : std::string_view();
      const std::string_view want = (want_presence & bit) ? want_.cells[i] : std::string_view();
      if (have == want) continue;
      std::string detail = LevelName(width) + " cell: ";
      if (have.empty()) {
        detail += "missing; the raw events give " + Describe(want);
      } else if (want.empty()) {
        detail += "holds " + Describe(have) + " where no raw event is stored";
      } else {
        detail += "holds " + Describe(have) + "; the raw events give " + Describe(want);
        if (Describe(have) == Describe(want)) detail += " (the latencies differ)";
      }
      Report("rollup mismatch", series, true, cell_start, cell_start + width, std::move(detail));
    }
  }

  void Report(std::string kind, uint64_t series, bool has_range, int64_t from, int64_t to, std::string detail) {
    in_.report(VerifyProblem{std::move(kind), in_.series_name(series), has_range, from, to, std::move(detail)});
  }

  const RollupCheckInput& in_;
  RollupCheckCounts* counts_;
  std::vector<int64_t> resolutions_;
  int64_t raw_complete_from_ = INT64_MIN;
  std::unique_ptr<rollup::RollupBuilder> builder_;
  std::unique_ptr<rocksdb::Iterator> blocks_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> levels_;
  codec::BlockColumns columns_;
  std::vector<EventRow> events_;
  std::vector<rollup::RowBytes> expected_;
  rollup::CellRowView stored_;
  rollup::CellRowView want_;
};

}  // namespace

Status CheckRollups(const RollupCheckInput& input, RollupCheckCounts* counts) {
  if (input.families.empty()) return Status::OK();
  return RollupChecker(input, counts).Run();
}

}  // namespace tally::inspect
