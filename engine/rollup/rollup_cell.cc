#include "engine/rollup/rollup_cell.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "engine/codec/coding.h"
#include "engine/util/status_macros.h"

namespace tally::rollup {
namespace {

// A cell's sketch never exceeds this (2,048 bins at a few bytes each, with headroom).
constexpr size_t kMaxSketchBytes = 1u << 20;
constexpr uint64_t kMaxSum = uint64_t{1} << 62;
constexpr uint64_t kMaxLatency = uint64_t{1} << 40;

// The head byte: flags in the low bits, the count (when below kCountEscape) in the high six.
// Do not change: on-disk format.
constexpr uint8_t kHasErrors = 1;  // retryable and fatal counts follow
constexpr uint8_t kHasSketch = 2;  // latencies as sum/min/max + sketch, not an exact list
constexpr int kCountShift = 2;
constexpr uint64_t kCountEscape = 63;  // count >= 63: the head says 63, count − 63 follows

// Version 1 cells (inside version 1 rows): their own version byte, then a flags byte with the
// same two flags.
constexpr uint8_t kVersion1 = 1;

using codec::EncodeVarint64;

static_assert(std::endian::native == std::endian::little, "MeasureCell reads words as little-endian");

// A minimal bounds-checked reader for MeasureCell, which runs for every cell of every row a query
// or a merge parses and must stay cheap.
struct Cursor {
  const char* p;
  const char* end;
  bool ok = true;

  uint64_t Varint() {
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      const uint64_t byte = static_cast<uint8_t>(*p++);
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    ok = false;
    return 0;
  }
  void SkipVarints(uint64_t n) {
    // Eight bytes at a time while they are there: a varint ends at each byte whose high bit is
    // clear, so the n-th such byte ends the n-th varint.
    // (No popcount: the baseline x86-64 has no instruction for it.)
    while (n > 0 && end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      uint64_t ends = ~word & 0x8080808080808080ull;  // little-endian: byte i at bits 8i..8i+7
      for (; ends != 0 && n > 1; --n) ends &= ends - 1;  // varints that end in this word
      if (ends == 0) {
        p += 8;
        continue;
      }
      p += std::countr_zero(ends) / 8 + 1;  // the end of the last one
      return;
    }
    for (; n > 0 && ok; --n) {
      while (p < end && static_cast<uint8_t>(*p) >= 0x80) ++p;
      if (p == end) {
        ok = false;
        return;
      }
      ++p;
    }
  }
};

}  // namespace

// ---- encoders --------------------------------------------------------------------------------

char* EncodeCellCounters(char* p, const CellCounters& c, bool has_sketch) {
  const bool errors = c.retryable + c.fatal > 0;
  const uint64_t small = std::min(c.count, kCountEscape);
  *p++ = static_cast<char>(small << kCountShift | (has_sketch ? kHasSketch : 0) | (errors ? kHasErrors : 0));
  if (small == kCountEscape) p = EncodeVarint64(p, c.count - kCountEscape);
  if (errors) {
    p = EncodeVarint64(p, c.retryable);
    p = EncodeVarint64(p, c.fatal);
  }
  p = EncodeVarint64(p, c.input_tokens);
  p = EncodeVarint64(p, c.output_tokens);
  return EncodeVarint64(p, c.cost_micros);
}

char* EncodeExactLatencies(char* p, const int64_t* sorted, size_t n) {
  int64_t previous = 0;
  for (size_t i = 0; i < n; ++i) {
    p = EncodeVarint64(p, static_cast<uint64_t>(sorted[i] - previous));
    previous = sorted[i];
  }
  return p;
}

char* EncodeSketchPrefix(char* p, int64_t sum, int64_t min, int64_t max, size_t sketch_bytes) {
  p = EncodeVarint64(p, static_cast<uint64_t>(sum));
  p = EncodeVarint64(p, static_cast<uint64_t>(min));
  p = EncodeVarint64(p, static_cast<uint64_t>(max - min));
  return EncodeVarint64(p, sketch_bytes);
}

Status MeasureCell(std::string_view bytes, size_t* length) {
  Cursor in{bytes.data(), bytes.data() + bytes.size()};
  if (bytes.empty()) return Status::Corruption("rollup cell: truncated");
  const uint8_t head = static_cast<uint8_t>(*in.p++);
  uint64_t count = head >> kCountShift;
  if (count == kCountEscape) count += in.Varint();
  uint64_t failed = 0;
  if (head & kHasErrors) {
    failed = in.Varint();
    failed += in.Varint();
  }
  in.SkipVarints(3);
  if (!in.ok || failed > count) return Status::Corruption("rollup cell: truncated or inconsistent counts");
  const uint64_t successes = count - failed;
  if (successes > 0) {
    if (head & kHasSketch) {
      in.SkipVarints(3);
      const uint64_t sketch = in.Varint();
      if (!in.ok || sketch > static_cast<uint64_t>(in.end - in.p)) return Status::Corruption("rollup cell: truncated sketch");
      in.p += sketch;
    } else {
      if (successes > static_cast<uint64_t>(kExactLatencies)) {
        return Status::Corruption("rollup cell: too many latencies for an exact list");
      }
      in.SkipVarints(successes);
    }
  }
  if (!in.ok) return Status::Corruption("rollup cell: truncated latencies");
  *length = static_cast<size_t>(in.p - bytes.data());
  return Status::OK();
}

// ---- RollupCell ------------------------------------------------------------------------------

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

void RollupCell::ResetLatencies() {
  latency_sum_ = latency_min_ = latency_max_ = 0;
  exact_count_ = 0;
  if (sketch_) sketch_.reset();
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
    std::copy(merged.begin(), merged.begin() + exact_count_, exact_.begin());
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
  char buf[kMaxCellCountersBytes + kMaxExactLatenciesBytes + kMaxSketchPrefixBytes];
  const CellCounters counters{count,
                              retryable,
                              fatal,
                              static_cast<uint64_t>(input_tokens),
                              static_cast<uint64_t>(output_tokens),
                              static_cast<uint64_t>(cost_micros)};
  char* p = EncodeCellCounters(buf, counters, sketch_.has_value());
  if (successes() == 0) {
    out->append(buf, p);
    return;
  }
  if (!sketch_) {
    out->append(buf, EncodeExactLatencies(p, exact_.data(), exact_count_));
    return;
  }
  thread_local std::string sketch;
  sketch.clear();
  sketch_->SerializeTo(&sketch);
  out->append(buf, EncodeSketchPrefix(p, latency_sum_, latency_min_, latency_max_, sketch.size()));
  out->append(sketch);
}

namespace {

// Decodes everything of a (version 2) cell but its sketch, whose bytes are returned in *sketch
// (empty when the cell keeps an exact list). `c`'s latency state must be reset by the caller.
Status DecodeParts(std::string_view bytes, RollupCell* c, int64_t* latency_sum, int64_t* latency_min,
                   int64_t* latency_max, std::array<int64_t, kExactLatencies>* exact, size_t* exact_count,
                   std::string_view* sketch) {
  codec::Decoder in(bytes, "rollup cell");
  const uint8_t head = in.ReadByte("head");
  c->count = head >> kCountShift;
  if (c->count == kCountEscape) c->count += in.ReadCount("count", kMaxSum);
  c->retryable = c->fatal = 0;
  if (head & kHasErrors) {
    c->retryable = in.ReadCount("retryable", c->count);
    c->fatal = in.ReadCount("fatal", c->count - c->retryable);
    if (in.ok() && c->retryable + c->fatal == 0) in.Fail("errors", "flag set without errors");
  }
  c->input_tokens = static_cast<int64_t>(in.ReadCount("input_tokens", kMaxSum));
  c->output_tokens = static_cast<int64_t>(in.ReadCount("output_tokens", kMaxSum));
  c->cost_micros = static_cast<int64_t>(in.ReadCount("cost_micros", kMaxSum));
  const uint64_t successes = c->successes();
  if (in.ok() && successes > 0) {
    const bool needs_sketch = successes > static_cast<uint64_t>(kExactLatencies);
    if (needs_sketch != ((head & kHasSketch) != 0)) {
      in.Fail("flags", needs_sketch ? "too many latencies for an exact list" : "sketch for a short latency list");
    } else if (needs_sketch) {
      *latency_sum = static_cast<int64_t>(in.ReadCount("latency_sum", kMaxSum));
      *latency_min = static_cast<int64_t>(in.ReadCount("latency_min", kMaxLatency));
      *latency_max = *latency_min + static_cast<int64_t>(in.ReadCount("latency_span", kMaxLatency));
      *sketch = in.ReadLengthPrefixed("sketch", kMaxSketchBytes);
      if (in.ok() && sketch->empty()) in.Fail("sketch", "empty");
    } else {
      int64_t value = 0;
      int64_t sum = 0;
      for (uint64_t i = 0; i < successes && in.ok(); ++i) {
        value += static_cast<int64_t>(in.ReadCount("latency", kMaxLatency));
        (*exact)[i] = value;
        sum += value;
      }
      if (in.ok() && value >= static_cast<int64_t>(kMaxLatency)) in.Fail("latency", "out of range");
      if (in.ok()) {
        *exact_count = successes;
        *latency_sum = sum;
        *latency_min = (*exact)[0];
        *latency_max = (*exact)[successes - 1];
      }
    }
  } else if (in.ok() && (head & kHasSketch)) {
    in.Fail("flags", "sketch without successful requests");
  }
  if (in.ok() && !in.empty()) in.Fail("cell", "trailing bytes");
  return in.status();
}

}  // namespace

Status RollupCell::CheckSketchCount() const {
  if (sketch_->Count() == successes()) return Status::OK();
  return Status::Corruption("rollup cell: sketch holds " + std::to_string(sketch_->Count()) + " values for " +
                            std::to_string(successes()) + " successful requests");
}

Status RollupCell::Decode(std::string_view bytes, RollupCell* out, bool with_latencies) {
  RollupCell& c = *out;
  // Reset field by field: assigning a fresh cell would copy the whole latency array every time.
  c.ResetLatencies();
  std::string_view sketch;
  Status s = DecodeParts(bytes, &c, &c.latency_sum_, &c.latency_min_, &c.latency_max_, &c.exact_, &c.exact_count_,
                         &sketch);
  if (!s.ok() || sketch.empty() || !with_latencies) return s;
  Result<Sketch> decoded = Sketch::Deserialize(sketch);
  if (!decoded.ok()) return decoded.status().WithContext("rollup cell");
  c.sketch_ = std::move(decoded).value();
  return c.CheckSketchCount();
}

Status RollupCell::MergeEncoded(std::string_view bytes) {
  RollupCell o;
  std::string_view sketch;
  TALLY_RETURN_IF_ERROR(
      DecodeParts(bytes, &o, &o.latency_sum_, &o.latency_min_, &o.latency_max_, &o.exact_, &o.exact_count_, &sketch));
  if (sketch.empty()) return Merge(o);
  MergeCounters(o);
  if (!sketch_) SpillToSketch();
  Status s = sketch_->MergeFrom(sketch);
  if (!s.ok()) return s.WithContext("rollup cell");
  return CheckSketchCount();
}

Status RollupCell::DecodeAddingLatencies(std::string_view bytes, RollupCell* out, Sketch* latencies) {
  RollupCell& c = *out;
  c.ResetLatencies();
  std::string_view sketch;
  TALLY_RETURN_IF_ERROR(DecodeParts(bytes, &c, &c.latency_sum_, &c.latency_min_, &c.latency_max_, &c.exact_,
                                    &c.exact_count_, &sketch));
  if (latencies == nullptr || c.successes() == 0) return Status::OK();
  if (sketch.empty()) return c.AddLatenciesTo(latencies);
  const uint64_t before = latencies->Count();
  Status s = latencies->MergeFrom(sketch);
  if (!s.ok()) return s.WithContext("rollup cell");
  if (latencies->Count() - before != c.successes()) {
    return Status::Corruption("rollup cell: sketch holds " + std::to_string(latencies->Count() - before) +
                              " values for " + std::to_string(c.successes()) + " successful requests");
  }
  return Status::OK();
}

Status RollupCell::DecodeVersion1(std::string_view bytes, RollupCell* out) {
  codec::Decoder in(bytes, "rollup cell");
  const uint8_t version = in.ReadByte("version");
  if (in.ok() && version != kVersion1) {
    return Status::Corruption("rollup cell: version " + std::to_string(version) + " inside a version 1 row");
  }
  const uint8_t flags = in.ReadByte("flags");
  if (in.ok() && (flags & ~(kHasErrors | kHasSketch)) != 0) in.Fail("flags", "unknown bits");
  RollupCell& c = *out;
  c.retryable = c.fatal = 0;
  c.ResetLatencies();
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
      c.latency_min_ = static_cast<int64_t>(in.ReadCount("latency_min", kMaxLatency));
      c.latency_max_ = c.latency_min_ + static_cast<int64_t>(in.ReadCount("latency_span", kMaxLatency));
      std::string_view sketch = in.ReadLengthPrefixed("sketch", kMaxSketchBytes);
      if (in.ok()) {
        Result<Sketch> s = Sketch::Deserialize(sketch);
        if (!s.ok()) return s.status().WithContext("rollup cell");
        c.sketch_ = std::move(s).value();
        TALLY_RETURN_IF_ERROR(c.CheckSketchCount());
      }
    } else if (successes > static_cast<uint64_t>(kExactLatencies)) {
      in.Fail("latencies", "too many for an exact list");
    } else {
      int64_t value = 0;
      for (uint64_t i = 0; i < successes && in.ok(); ++i) {
        value += static_cast<int64_t>(in.ReadCount("latency", kMaxLatency));
        c.exact_[i] = value;
        c.latency_sum_ += value;
      }
      if (value >= static_cast<int64_t>(kMaxLatency)) in.Fail("latency", "out of range");
      c.exact_count_ = successes;
      c.latency_min_ = c.exact_[0];
      c.latency_max_ = c.exact_[successes - 1];
    }
  } else if (in.ok() && (flags & kHasSketch)) {
    in.Fail("flags", "sketch without successful requests");
  }
  if (in.ok() && !in.empty()) in.Fail("cell", "trailing bytes");
  return in.status();
}

}  // namespace tally::rollup
