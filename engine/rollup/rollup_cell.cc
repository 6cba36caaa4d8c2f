#include "engine/rollup/rollup_cell.h"

#include <algorithm>

#include "engine/codec/coding.h"

namespace tally::rollup {
namespace {

// A cell's sketch never exceeds this (2,048 bins at a few bytes each, with headroom).
constexpr size_t kMaxSketchBytes = 1u << 20;

}  // namespace

void RollupCell::Add(const EventRow& row) {
  ++count;
  input_tokens += row.input_tokens;
  output_tokens += row.output_tokens;
  cost_micros += row.cost_micros;
  switch (row.outcome) {
    case Outcome::kRetryableError: ++retryable; return;
    case Outcome::kFatalError: ++fatal; return;
    case Outcome::kSuccess: break;
  }
  if (successes() == 1) {
    latency_min_us = latency_max_us = row.latency_us;
  } else {
    latency_min_us = std::min(latency_min_us, row.latency_us);
    latency_max_us = std::max(latency_max_us, row.latency_us);
  }
  latency_sum_us += row.latency_us;
  (void)latency.Add(static_cast<double>(row.latency_us));  // validated: 0 <= latency < 2^40
}

void RollupCell::MergeCounters(const RollupCell& o) {
  const uint64_t mine = successes();
  count += o.count;
  retryable += o.retryable;
  fatal += o.fatal;
  input_tokens += o.input_tokens;
  output_tokens += o.output_tokens;
  cost_micros += o.cost_micros;
  if (o.successes() > 0) {
    latency_min_us = mine == 0 ? o.latency_min_us : std::min(latency_min_us, o.latency_min_us);
    latency_max_us = mine == 0 ? o.latency_max_us : std::max(latency_max_us, o.latency_max_us);
  }
  latency_sum_us += o.latency_sum_us;
}

Status RollupCell::Merge(const RollupCell& o) {
  MergeCounters(o);
  return latency.Merge(o.latency);
}

void RollupCell::Encode(std::string* out) const {
  out->push_back(static_cast<char>(kCellVersion));
  codec::PutVarint64(out, count);
  codec::PutVarint64(out, retryable);
  codec::PutVarint64(out, fatal);
  codec::PutVarint64(out, static_cast<uint64_t>(input_tokens));
  codec::PutVarint64(out, static_cast<uint64_t>(output_tokens));
  codec::PutVarint64(out, static_cast<uint64_t>(cost_micros));
  if (successes() > 0) {
    codec::PutVarint64(out, static_cast<uint64_t>(latency_sum_us));
    codec::PutVarint64(out, static_cast<uint64_t>(latency_min_us));
    codec::PutVarint64(out, static_cast<uint64_t>(latency_max_us - latency_min_us));
    std::string sketch = latency.Serialize();
    codec::PutVarint64(out, sketch.size());
    out->append(sketch);
  }
}

Status RollupCell::Decode(std::string_view bytes, RollupCell* out, bool with_sketch) {
  codec::Decoder in(bytes, "rollup cell");
  const uint8_t version = in.ReadByte("version");
  if (in.ok() && version != kCellVersion) {
    return Status::NotSupported("rollup cell: version " + std::to_string(version) + " is not known to this build");
  }
  RollupCell& c = *out;
  c = RollupCell();
  c.count = in.ReadVarint64("count");
  c.retryable = in.ReadCount("retryable", c.count);
  c.fatal = in.ReadCount("fatal", c.count - c.retryable);
  constexpr uint64_t kMaxSum = uint64_t{1} << 62;
  c.input_tokens = static_cast<int64_t>(in.ReadCount("input_tokens", kMaxSum));
  c.output_tokens = static_cast<int64_t>(in.ReadCount("output_tokens", kMaxSum));
  c.cost_micros = static_cast<int64_t>(in.ReadCount("cost_micros", kMaxSum));
  if (in.ok() && c.successes() > 0) {
    c.latency_sum_us = static_cast<int64_t>(in.ReadCount("latency_sum", kMaxSum));
    c.latency_min_us = static_cast<int64_t>(in.ReadCount("latency_min", uint64_t{1} << 40));
    c.latency_max_us = c.latency_min_us + static_cast<int64_t>(in.ReadCount("latency_span", uint64_t{1} << 40));
    std::string_view sketch = in.ReadLengthPrefixed("sketch", kMaxSketchBytes);
    if (in.ok() && with_sketch) {
      Result<Sketch> s = Sketch::Deserialize(sketch);
      if (!s.ok()) return s.status().WithContext("rollup cell");
      c.latency = std::move(s).value();
      if (c.latency.Count() != c.successes()) {
        return Status::Corruption("rollup cell: sketch holds " + std::to_string(c.latency.Count()) + " values for " +
                                  std::to_string(c.successes()) + " successful requests");
      }
    }
  }
  if (in.ok() && !in.empty()) in.Fail("cell", "trailing bytes");
  return in.status();
}

}  // namespace tally::rollup
