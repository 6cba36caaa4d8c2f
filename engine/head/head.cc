#include "engine/head/head.h"

#include <algorithm>
#include <numeric>

#include "engine/store/layout.h"

namespace tally::head {
void Head::StartSeries(uint32_t series_dense) {
  if (series_dense >= rows_.size()) rows_.resize(series_dense + 1);
  if (!rows_[series_dense]) rows_[series_dense] = std::make_unique<std::vector<EventRow>>();
  touched_.push_back(series_dense);
}

void Head::Reset() {
  for (std::unique_ptr<std::vector<EventRow>>& rows : rows_) {
    if (rows == nullptr) continue;
    if (rows->empty()) {
      rows.reset();  // not held by this head
    } else {
      rows->clear();
    }
  }
  touched_.clear();
  events_ = 0;
  log_records_ = 0;
  first_log_seq_ = last_log_seq_ = 0;
}

void Head::NoteLogRecord(uint64_t log_seq) {
  if (log_records_ == 0) {
    first_log_seq_ = last_log_seq_ = log_seq;
    log_records_ = 1;
    return;
  }
  if (log_seq != last_log_seq_) ++log_records_;
  first_log_seq_ = std::min(first_log_seq_, log_seq);
  last_log_seq_ = std::max(last_log_seq_, log_seq);
}

void Head::CollectRows(uint32_t series_dense, const TimeRange& range, std::vector<EventRow>* out) const {
  if (series_dense >= rows_.size() || !rows_[series_dense]) return;
  for (const EventRow& row : *rows_[series_dense]) {
    if (range.Contains(row.timestamp_us)) out->push_back(row);
  }
}

Status Head::EncodeFlush(int64_t window_us, rollup::RollupBuilder* rollups, std::vector<EncodedBlock>* out,
                         std::vector<EncodedRollup>* rollup_rows) const {
  std::vector<uint32_t> order;
  std::vector<EventRow> sorted;
  std::vector<rollup::RowBytes> series_rollups;
  codec::BlockColumns chunk;
  for (uint32_t dense : touched_) {
    const std::vector<EventRow>& rows = *rows_[dense];
    order.resize(rows.size());
    std::iota(order.begin(), order.end(), 0u);
    auto earlier = [&rows](uint32_t a, uint32_t b) { return rows[a].timestamp_us < rows[b].timestamp_us; };
    const bool in_order = std::is_sorted(order.begin(), order.end(), earlier);
    if (!in_order) {
      std::stable_sort(order.begin(), order.end(), earlier);
      sorted.clear();
      for (uint32_t i : order) sorted.push_back(rows[i]);
    }
    series_rollups.clear();
    rollups->AddSeries(in_order ? std::span<const EventRow>(rows) : std::span<const EventRow>(sorted), &series_rollups);
    for (const rollup::RowBytes& r : series_rollups) rollup_rows->push_back(EncodedRollup{dense, r});
    size_t i = 0;
    while (i < order.size()) {
      const int64_t window = store::WindowStart(rows[order[i]].timestamp_us, window_us);
      chunk.clear();
      for (; i < order.size() && rows[order[i]].timestamp_us < window + window_us; ++i) {
        const EventRow& r = rows[order[i]];
        chunk.push_back(codec::BlockRow{r.timestamp_us, r.input_tokens, r.output_tokens, r.latency_us,
                                        r.cost_micros, static_cast<uint8_t>(r.outcome), r.event_id});
      }
      EncodedBlock block;
      block.series_dense = dense;
      block.window_start_us = window;
      block.rows = static_cast<uint32_t>(chunk.size());
      // Flushes favour speed; compaction re-encodes these blocks for size.
      Status s = codec::EncodeBlock(chunk, &block.bytes, codec::EncodeEffort::kFast);
      if (!s.ok()) return s;
      out->push_back(std::move(block));
    }
  }
  return Status::OK();
}

}  // namespace tally::head
