#include "engine/head/head.h"

#include <algorithm>
#include <numeric>

#include "engine/store/layout.h"

namespace tally::head {
namespace {

void AppendRow(const codec::BlockColumns& from, size_t i, codec::BlockColumns* to) {
  to->timestamp_us.push_back(from.timestamp_us[i]);
  to->input_tokens.push_back(from.input_tokens[i]);
  to->output_tokens.push_back(from.output_tokens[i]);
  to->latency_us.push_back(from.latency_us[i]);
  to->cost_micros.push_back(from.cost_micros[i]);
  to->outcome.push_back(from.outcome[i]);
  to->event_id.push_back(from.event_id[i]);
}

}  // namespace

void Head::Add(uint32_t series_dense, const EventRow& row, uint64_t log_seq) {
  if (series_dense >= columns_.size()) columns_.resize(series_dense + 1);
  std::unique_ptr<codec::BlockColumns>& cols = columns_[series_dense];
  if (!cols) {
    cols = std::make_unique<codec::BlockColumns>();
    touched_.push_back(series_dense);
  }
  cols->timestamp_us.push_back(row.timestamp_us);
  cols->input_tokens.push_back(row.input_tokens);
  cols->output_tokens.push_back(row.output_tokens);
  cols->latency_us.push_back(row.latency_us);
  cols->cost_micros.push_back(row.cost_micros);
  cols->outcome.push_back(static_cast<uint8_t>(row.outcome));
  cols->event_id.push_back(row.event_id);
  ++events_;
  NoteLogRecord(log_seq);
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
  if (series_dense >= columns_.size() || !columns_[series_dense]) return;
  const codec::BlockColumns& c = *columns_[series_dense];
  for (size_t i = 0; i < c.timestamp_us.size(); ++i) {
    if (!range.Contains(c.timestamp_us[i])) continue;
    out->push_back(EventRow{c.timestamp_us[i], c.input_tokens[i], c.output_tokens[i], c.latency_us[i],
                            static_cast<Outcome>(c.outcome[i]), c.cost_micros[i], c.event_id[i]});
  }
}

Status Head::EncodeBlocks(int64_t window_us, std::vector<EncodedBlock>* out) const {
  std::vector<uint32_t> order;
  codec::BlockColumns chunk;
  for (uint32_t dense : touched_) {
    const codec::BlockColumns& c = *columns_[dense];
    const std::vector<int64_t>& ts = c.timestamp_us;
    order.resize(ts.size());
    std::iota(order.begin(), order.end(), 0u);
    if (!std::is_sorted(ts.begin(), ts.end())) {
      std::stable_sort(order.begin(), order.end(), [&ts](uint32_t a, uint32_t b) { return ts[a] < ts[b]; });
    }
    size_t i = 0;
    while (i < order.size()) {
      int64_t window = store::WindowStart(ts[order[i]], window_us);
      chunk.clear();
      for (; i < order.size() && ts[order[i]] < window + window_us; ++i) AppendRow(c, order[i], &chunk);
      EncodedBlock block;
      block.series_dense = dense;
      block.window_start_us = window;
      block.rows = static_cast<uint32_t>(chunk.size());
      Status s = codec::EncodeBlock(chunk, &block.bytes);
      if (!s.ok()) return s;
      out->push_back(std::move(block));
    }
  }
  return Status::OK();
}

}  // namespace tally::head
