#include "engine/rollup/rollup_cell.h"

#include <algorithm>

#include "engine/codec/coding.h"

namespace tally::rollup {
namespace {

// A cell's sketch never exceeds this (2,048 bins at a few bytes each, with headroom).
constexpr size_t kMaxSketchBytes = 1u << 20;
constexpr uint64_t kMaxSum = uint64_t{1} << 62;

// Flag bits of the encoded cell. Do not change: on-disk format.
constexpr uint8_t kHasErrors = 1;   // retryable and fatal counts follow
constexpr uint8_t kHasSketch = 2;   // latencies as sum/min/max + sketch, not an exact list

}  // namespace

void RollupCell::AddLatency(int64_t latency_us) {
  const bool first = successes() == 1;  // count and outcome already updated
  latency_min_ = first ? latency_us : std::min(latency_min_, latency_us);
  latency_max_ = first ? latency_us : std::max(latency_max_, latency_us);
  latency_sum_ += latency_us;
  if (sketch_) {
    (void)sketch_->Add(static_cast<double>(latency_us));  // validated: 0 <= latency < 2^40
    return;
  }
  if (exact_count_ < kExactLatencies) {
    // Keep the list sorted: the encoding then depends on the values only, never on their order.
    auto pos = std::upper_bound(exact_.begin(), exact_.begin() + exact_count_, latency_us);
    std::move_backward(pos, exact_.begin() + exact_count_, exact_.begin() + exact_count_ + 1);
    *pos = latency_us;
    ++exact_count_;
    return;
  }
  SpillToSketch();
  (void)sketch_->Add(static_cast<double>(latency_us));
}

void RollupCell::SpillToSketch() {
  sketch_.emplace();
  for (size_t i = 0; i < exact_count_; ++i) (void)sketch_->Add(static_cast<double>(exact_[i]));
  exact_count_ = 0;
}

void RollupCell::Add(const EventRow& row) {
  ++count;
  input_tokens += row.input_tokens;
  output_tokens += row.output_tokens;
  cost_micros += row.cost_micros;
  switch (row.outcome) {
    case Outcome::kRetryableError: ++retryable; return;
    case Outcome::kFatalError: ++fatal; return;
    case Outcome::kSuccess: AddLatency(row.latency_us); return;
  }
}

void RollupCell::MergeCounters(const RollupCell& o) {
  const bool had = successes() > 0;
  count += o.count;
  retryable += o.retryable;
  fatal += o.fatal;
  input_tokens += o.input_tokens;
  output_tokens += o.output_tokens;
  cost_micros += o.cost_micros;
  if (o.successes() > 0) {
    latency_min_ = had ? std::min(latency_min_, o.latency_min_) : o.latency_min_;
    latency_max_ = had ? std::max(latency_max_, o.latency_max_) : o.latency_max_;
  }
  latency_sum_ += o.latency_sum_;
}

Status RollupCell::Merge(const RollupCell& o) {
  const uint64_t mine = successes();
  MergeCounters(o);
  if (o.successes() == 0) return Status::OK();
  if (!sketch_ && !o.sketch_ && mine + o.successes() <= static_cast<uint64_t>(kExactLatencies)) {
    std::array<int64_t, kExactLatencies> merged;
    std::merge(exact_.begin(), exact_.begin() + exact_count_, o.exact_.begin(), o.exact_.begin() + o.exact_count_,
               merged.begin());
    exact_count_ += o.exact_count_;
    exact_ = merged;
    return Status::OK();
  }
  if (!sketch_) SpillToSketch();
  if (o.sketch_) return sketch_->Merge(*o.sketch_);
  for (size_t i = 0; i < o.exact_count_; ++i) (void)sketch_->Add(static_cast<double>(o.exact_[i]));
  return Status::OK();
}

Status RollupCell::AddLatenciesTo(Sketch* sketch) const {
  if (sketch_) return sketch->Merge(*sketch_);
  for (size_t i = 0; i < exact_count_; ++i) (void)sketch->Add(static_cast<double>(exact_[i]));
  return Status::OK();
}

bool operator==(const RollupCell& a, const RollupCell& b) {
  std::string ea, eb;
  a.Encode(&ea);
  b.Encode(&eb);
  return ea == eb;
}

void RollupCell::Encode(std::string* out) const {
  out->push_back(static_cast<char>(kCellVersion));
  const uint8_t flags = static_cast<uint8_t>((retryable + fatal > 0 ? kHasErrors : 0) | (sketch_ ? kHasSketch : 0));
  out->push_back(static_cast<char>(flags));
  codec::PutVarint64(out, count);
  if (flags & kHasErrors) {
    codec::PutVarint64(out, retryable);
    codec::PutVarint64(out, fatal);
  }
  codec::PutVarint64(out, static_cast<uint64_t>(input_tokens));
  codec::PutVarint64(out, static_cast<uint64_t>(output_tokens));
  codec::PutVarint64(out, static_cast<uint64_t>(cost_micros));
  if (successes() == 0) return;
  if (sketch_) {
    codec::PutVarint64(out, static_cast<uint64_t>(latency_sum_));
    codec::PutVarint64(out, static_cast<uint64_t>(latency_min_));
    codec::PutVarint64(out, static_cast<uint64_t>(latency_max_ - latency_min_));
    std::string sketch = sketch_->Serialize();
    codec::PutVarint64(out, sketch.size());
    out->append(sketch);
    return;
  }
  // Sorted ascending: the first value, then the gaps.
  int64_t previous = 0;
  for (size_t i = 0; i < exact_count_; ++i) {
    codec::PutVarint64(out, static_cast<uint64_t>(exact_[i] - previous));
    previous = exact_[i];
  }
}

Status RollupCell::Decode(std::string_view bytes, RollupCell* out, bool with_latencies) {
  codec::Decoder in(bytes, "rollup cell");
  const uint8_t version = in.ReadByte("version");
  if (in.ok() && version != kCellVersion) {
    return Status::NotSupported("rollup cell: version " + std::to_string(version) + " is not known to this build");
  }
  const uint8_t flags = in.ReadByte("flags");
  if (in.ok() && (flags & ~(kHasErrors | kHasSketch)) != 0) in.Fail("flags", "unknown bits");
  RollupCell& c = *out;
  // Reset field by field: assigning a fresh cell would copy the whole latency array every time.
  c.retryable = c.fatal = 0;
  c.latency_sum_ = c.latency_min_ = c.latency_max_ = 0;
  c.exact_count_ = 0;
  if (c.sketch_) c.sketch_.reset();
  c.count = in.ReadCount("count", kMaxSum);
  if (flags & kHasErrors) {
    c.retryable = in.ReadCount("retryable", c.count);
    c.fatal = in.ReadCount("fatal", c.count - c.retryable);
  }
  c.input_tokens = static_cast<int64_t>(in.ReadCount("input_tokens", kMaxSum));
  c.output_tokens = static_cast<int64_t>(in.ReadCount("output_tokens", kMaxSum));
  c.cost_micros = static_cast<int64_t>(in.ReadCount("cost_micros", kMaxSum));
  const uint64_t successes = c.successes();
  if (in.ok() && successes > 0) {
    if (flags & kHasSketch) {
      if (successes <= static_cast<uint64_t>(kExactLatencies)) in.Fail("flags", "sketch for a short latency list");
      c.latency_sum_ = static_cast<int64_t>(in.ReadCount("latency_sum", kMaxSum));
      c.latency_min_ = static_cast<int64_t>(in.ReadCount("latency_min", uint64_t{1} << 40));
      c.latency_max_ = c.latency_min_ + static_cast<int64_t>(in.ReadCount("latency_span", uint64_t{1} << 40));
      std::string_view sketch = in.ReadLengthPrefixed("sketch", kMaxSketchBytes);
      if (in.ok() && with_latencies) {
        Result<Sketch> s = Sketch::Deserialize(sketch);
        if (!s.ok()) return s.status().WithContext("rollup cell");
        if (s->Count() != successes) {
          return Status::Corruption("rollup cell: sketch holds " + std::to_string(s->Count()) + " values for " +
                                    std::to_string(successes) + " successful requests");
        }
        c.sketch_ = std::move(s).value();
      }
    } else {
      if (successes > static_cast<uint64_t>(kExactLatencies)) {
        in.Fail("latencies", "too many for an exact list");
      } else {
        int64_t value = 0;
        for (uint64_t i = 0; i < successes && in.ok(); ++i) {
          value += static_cast<int64_t>(in.ReadCount("latency", uint64_t{1} << 40));
          c.exact_[i] = value;
          c.latency_sum_ += value;
        }
        if (value >= int64_t{1} << 40) in.Fail("latency", "out of range");
        c.exact_count_ = successes;
        c.latency_min_ = c.exact_[0];
        c.latency_max_ = c.exact_[successes - 1];
      }
    }
  } else if (in.ok() && (flags & kHasSketch)) {
    in.Fail("flags", "sketch without successful requests");
  }
  if (in.ok() && !in.empty()) in.Fail("cell", "trailing bytes");
  return in.status();
}

}  // namespace tally::rollup
