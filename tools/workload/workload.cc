#include "tools/workload/workload.h"

#include <algorithm>

namespace tally::workload {
namespace {

// Random streams (see Random): one per purpose.
constexpr uint64_t kEventStream = 301;
constexpr uint64_t kLatenessStream = 302;
constexpr uint64_t kEventIdKey = 0x7a11e7e1d5eedULL;

// Token distributions (docs/workload.md, "Tokens").
// Chat: prompts of a few hundred tokens with long-tailed context, answers a few hundred tokens.
const LogNormal kChatInput = LogNormal::WithMedian(600, 1.1);
const LogNormal kChatOutput = LogNormal::WithMedian(200, 1.0);
// Code: fitted to the Azure LLM inference trace 2023 (code) by its median and 90th percentile
// (ContextTokens 1469 and 5194, GeneratedTokens 13 and 55), which keeps the trace's median exactly
// and its mean closer than a fit of the log-moments would; see docs/workload.md.
const LogNormal kCodeInput = LogNormal::WithMedian(1469, 0.985);
const LogNormal kCodeOutput = LogNormal::WithMedian(13, 1.125);

// Latency (docs/workload.md, "Latency").
const LogNormal kTimeToFirstTokenUs = LogNormal::WithMedian(300'000, 0.6);
constexpr LogNormal kDecodeNoise{0, 0.1};
const LogNormal kRetryableLatencyUs = LogNormal::WithMedian(25'000, 0.7);  // rejected at the gateway
const LogNormal kFatalLatencyUs = LogNormal::WithMedian(250'000, 1.0);     // fails during prefill or later
const LogNormal kLatenessUs = LogNormal::WithMedian(30'000'000, 1.2);      // seconds to minutes
constexpr int64_t kMinLatenessUs = kMicrosPerSecond;
constexpr int64_t kMaxLatenessUs = kMicrosPerHour;

int64_t ClampRound(double x, int64_t lo, int64_t hi) {
  if (!(x < static_cast<double>(hi))) return hi;  // also catches +inf
  const int64_t rounded = static_cast<int64_t>(x + 0.5);
  return std::max(rounded, lo);
}

}  // namespace

WorkloadGenerator::WorkloadGenerator(const WorkloadConfig& config)
    : config_(config),
      status_(config.Validate()),
      random_(config.seed, kEventStream),
      lateness_(config.seed, kLatenessStream) {
  if (!status_.ok()) {
    // Build a minimal valid generator that yields nothing, so every accessor stays safe.
    config_ = WorkloadConfig{};
    config_.events = 0;
  }
  catalog_ = std::make_unique<const Catalog>(config_);
  arrivals_ = std::make_unique<Arrivals>(config_);
  event_id_base_ = Mix64(config_.seed ^ kEventIdKey);

  std::vector<double> shares;
  for (const SeriesSpec& series : catalog_->series()) {
    shares.push_back(series.share);
    UsageEvent event;
    event.workspace = series.workspace;
    event.model = series.model;
    event.endpoint = series.endpoint;
    event.environment = series.environment;
    event.api_key = series.api_key;
    event.user = series.user;
    event.version = series.version;
    series_template_.push_back(event);
    series_model_.push_back(series.model_index);
  }
  series_choice_ = AliasTable(shares);
  series_seen_.assign(shares.size(), 0);
  for (const ModelSpec& model : catalog_->models()) {
    const bool code = model.profile == TokenProfile::kCode;
    models_.push_back({code ? kCodeInput : kChatInput, code ? kCodeOutput : kChatOutput, model.price,
                       static_cast<double>(model.decode_us_per_token)});
  }
}

uint64_t WorkloadGenerator::EventId(uint64_t seed, uint64_t index) {
  const uint64_t base = Mix64(seed ^ kEventIdKey);
  const uint64_t id = Mix64(base + index);
  return id != 0 ? id : Mix64(base - 1);
}

const ModelPrice* WorkloadGenerator::PriceOf(std::string_view model) const {
  const ModelSpec* spec = catalog_->FindModel(model);
  return spec ? &spec->price : nullptr;
}

size_t WorkloadGenerator::NextBatch(size_t max_events, std::vector<UsageEvent>* out) {
  const size_t count = static_cast<size_t>(std::min<uint64_t>(max_events, remaining()));
  out->resize(count);
  for (UsageEvent& event : *out) Generate(event);
  return count;
}

void WorkloadGenerator::Generate(UsageEvent& event) {
  const uint32_t series = series_choice_.Sample(random_);
  event = series_template_[series];
  if (!series_seen_[series]) {
    series_seen_[series] = 1;
    ++series_seen_count_;
  }

  event.timestamp_us = arrivals_->Next();
  if (config_.late_events && lateness_.Bernoulli(config_.late_fraction)) {
    const int64_t late = ClampRound(kLatenessUs.Sample(normal_, lateness_), kMinLatenessUs, kMaxLatenessUs);
    event.timestamp_us = std::max(event.timestamp_us - late, config_.start_us);
  }

  const ModelTraits& model = models_[series_model_[series]];
  const double outcome_draw = random_.Uniform();
  event.input_tokens = ClampRound(model.input.Sample(normal_, random_), 1, kMaxInputTokens);
  if (outcome_draw < config_.fatal_error_rate) {
    event.outcome = Outcome::kFatalError;
    event.latency_us = ClampRound(kFatalLatencyUs.Sample(normal_, random_), 1, kMaxLatencyUs);
  } else if (outcome_draw < config_.fatal_error_rate + config_.retryable_error_rate) {
    event.outcome = Outcome::kRetryableError;
    event.latency_us = ClampRound(kRetryableLatencyUs.Sample(normal_, random_), 1, kMaxLatencyUs);
  } else {
    event.outcome = Outcome::kSuccess;
    event.output_tokens = ClampRound(model.output.Sample(normal_, random_), 1, kMaxOutputTokens);
    const double first_token_us = kTimeToFirstTokenUs.Sample(normal_, random_);
    const double decode_us = static_cast<double>(event.output_tokens) * model.decode_us_per_token *
                             kDecodeNoise.Sample(normal_, random_);
    event.latency_us = ClampRound(first_token_us + decode_us, 1, kMaxLatencyUs);
    event.cost_micros = RequestCostMicros(model.price, event.input_tokens, event.output_tokens);
  }
  if (config_.with_event_ids) {
    const uint64_t id = Mix64(event_id_base_ + next_index_);
    event.event_id = id != 0 ? id : Mix64(event_id_base_ - 1);
  }
  ++next_index_;
}

}  // namespace tally::workload
