// WorkloadGenerator: a deterministic, realistic stream of synthetic LLM usage events — the input of
// the ingest benchmark, the `tally demo` command and many tests. docs/workload.md describes the
// model behind it (workspaces, models, prices, token and latency distributions, the daily rhythm)
// and where each figure comes from.
//
//   tally::workload::WorkloadConfig config;
//   config.events = 1'000'000;
//   tally::workload::WorkloadGenerator generator(config);
//   std::vector<tally::UsageEvent> batch;
//   while (generator.NextBatch(1000, &batch) > 0) {
//     tally::Status s = db->Append(batch);
//   }
//
// Guarantees:
//   - Deterministic: the same config (seed included) gives the same catalog and the same events, in
//     the same order, on the same platform, whatever batch sizes they are drawn in. The generator
//     uses its own random generator and samplers, never <random> distributions.
//   - Exactly config.events events, with timestamps in [start_us, start_us + span_us), in
//     non-decreasing time order (unless late_events is on, see WorkloadConfig).
//   - cost_micros is exact: RequestCostMicros(model price, input, output) for a success, 0 for an
//     error (failed requests are not billed).
//   - event_id (when with_event_ids) is EventId(seed, index): unique within the stream, never 0.
//
// Ownership: the events' string_views point into the generator's catalog; they stay valid as long
// as the generator exists (moving the generator keeps them valid).
// Thread-safety: not safe to share; one generator per thread (give each its own seed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tally/status.h"
#include "tally/usage_event.h"
#include "tools/workload/arrivals.h"
#include "tools/workload/catalog.h"
#include "tools/workload/distributions.h"
#include "tools/workload/random.h"
#include "tools/workload/workload_config.h"

namespace tally::workload {

// Token-count clamps: the longest context and the longest completion a request may have.
inline constexpr int64_t kMaxInputTokens = 128000;
inline constexpr int64_t kMaxOutputTokens = 8192;
// A request never takes longer than the gateway timeout.
inline constexpr int64_t kMaxLatencyUs = 600 * kMicrosPerSecond;

class WorkloadGenerator {
 public:
  // A config that fails Validate() gives a generator with no events whose status() is that error.
  explicit WorkloadGenerator(const WorkloadConfig& config);
  WorkloadGenerator(WorkloadGenerator&&) = default;
  WorkloadGenerator& operator=(WorkloadGenerator&&) = default;

  // Replaces the contents of *out with the next min(max_events, remaining()) events and returns
  // how many that is: 0 once the stream is exhausted. Allocates only when *out must grow.
  size_t NextBatch(size_t max_events, std::vector<UsageEvent>* out);

  // OK, or why the config was rejected.
  const Status& status() const { return status_; }
  const WorkloadConfig& config() const { return config_; }
  const Catalog& catalog() const { return *catalog_; }

  // The price of a model, by name; nullptr for a model not in the catalog.
  const ModelPrice* PriceOf(std::string_view model) const;

  uint64_t generated() const { return next_index_; }
  uint64_t remaining() const { return config_.events - next_index_; }
  // Distinct series among the events generated so far.
  uint64_t series_seen() const { return series_seen_count_; }

  // The id of the event at `index` (0-based) in the stream of `seed`: Mix64 of a per-seed base plus
  // the index. Mix64 is a bijection, so ids are unique within a stream; the one index that would get
  // 0 gets the id of index 2^64 - 1 instead, which no stream reaches.
  static uint64_t EventId(uint64_t seed, uint64_t index);

 private:
  struct ModelTraits {
    LogNormal input;   // input tokens of the model's profile
    LogNormal output;  // output tokens of a success
    ModelPrice price;
    double decode_us_per_token;
  };

  void Generate(UsageEvent& event);

  WorkloadConfig config_;
  Status status_;
  std::unique_ptr<const Catalog> catalog_;
  std::unique_ptr<Arrivals> arrivals_;
  Random random_;    // series, outcome, tokens, latency
  Random lateness_;  // which events are late and by how much: enabling it changes nothing else
  NormalSampler normal_;

  // Hot-path tables built from the catalog.
  AliasTable series_choice_;
  std::vector<UsageEvent> series_template_;  // labels of each series, other fields zero
  std::vector<uint32_t> series_model_;
  std::vector<ModelTraits> models_;
  std::vector<uint8_t> series_seen_;
  uint64_t series_seen_count_ = 0;

  uint64_t next_index_ = 0;
  uint64_t event_id_base_ = 0;
};

}  // namespace tally::workload
