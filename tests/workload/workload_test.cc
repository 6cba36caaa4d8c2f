// Tests of the synthetic workload generator: the promises of tools/workload/workload.h and the
// figures of docs/workload.md.
#include "tools/workload/workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "tools/workload/workload_summary.h"

namespace tally::workload {
namespace {

WorkloadConfig SmallConfig(uint64_t events, uint64_t seed = 7) {
  WorkloadConfig config;
  config.seed = seed;
  config.events = events;
  return config;
}

std::vector<UsageEvent> GenerateAll(WorkloadGenerator& generator, size_t batch = 1000) {
  std::vector<UsageEvent> all, chunk;
  while (generator.NextBatch(batch, &chunk) > 0) all.insert(all.end(), chunk.begin(), chunk.end());
  return all;
}

// Field-by-field equality, comparing label contents (the views of two generators differ).
auto Fields(const UsageEvent& e) {
  return std::make_tuple(e.timestamp_us, e.workspace, e.model, e.endpoint, e.environment, e.api_key, e.user,
                         e.version, e.input_tokens, e.output_tokens, e.latency_us, e.outcome, e.cost_micros,
                         e.event_id);
}

void ExpectSameEvents(const std::vector<UsageEvent>& a, const std::vector<UsageEvent>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(Fields(a[i]) == Fields(b[i])) << "event " << i;
}

TEST(WorkloadTest, SameSeedGivesSameEvents) {
  WorkloadGenerator first(SmallConfig(50'000));
  WorkloadGenerator second(SmallConfig(50'000));
  ExpectSameEvents(GenerateAll(first), GenerateAll(second));
}

TEST(WorkloadTest, BatchSizeDoesNotChangeTheStream) {
  WorkloadConfig config = SmallConfig(20'000);
  config.with_event_ids = true;
  WorkloadGenerator by_thousand(config);
  WorkloadGenerator by_odd_size(config);
  WorkloadGenerator by_run_plus_one(config);
  const std::vector<UsageEvent> expected = GenerateAll(by_thousand, 1000);
  ExpectSameEvents(expected, GenerateAll(by_odd_size, 7));
  ExpectSameEvents(expected, GenerateAll(by_run_plus_one, Arrivals::kRunLength + 1));
}

TEST(WorkloadTest, DifferentSeedsGiveDifferentEvents) {
  WorkloadGenerator first(SmallConfig(1000, 1));
  WorkloadGenerator second(SmallConfig(1000, 2));
  const std::vector<UsageEvent> a = GenerateAll(first), b = GenerateAll(second);
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += Fields(a[i]) == Fields(b[i]);
  EXPECT_EQ(same, 0u);
}

// A fingerprint of the default stream, so that an accidental change of the generator (which would
// silently change every benchmark and test that relies on it) is noticed. Update it, and say so in
// docs/workload.md, only when the workload is changed on purpose. (The value is for x86-64 Linux with
// glibc: the samplers' tables and lognormals use the C library's exp and log.)
TEST(WorkloadTest, StreamFingerprintIsStable) {
  WorkloadConfig config = SmallConfig(10'000, 1);
  config.with_event_ids = true;
  WorkloadGenerator generator(config);
  uint64_t hash = 0;
  for (const UsageEvent& e : GenerateAll(generator)) {
    for (std::string_view label : {e.workspace, e.model, e.endpoint, e.environment, e.api_key, e.user, e.version}) {
      for (char c : label) hash = Mix64(hash ^ static_cast<uint8_t>(c));
    }
    for (int64_t v : {e.timestamp_us, e.input_tokens, e.output_tokens, e.latency_us,
                      static_cast<int64_t>(e.outcome), e.cost_micros, static_cast<int64_t>(e.event_id)}) {
      hash = Mix64(hash ^ static_cast<uint64_t>(v));
    }
  }
  EXPECT_EQ(hash, 0x31f832d21170b88bULL) << "fingerprint changed: 0x" << std::hex << hash;
}

TEST(WorkloadTest, GivesExactlyTheRequestedEventsInTimeOrderWithinTheSpan) {
  const WorkloadConfig config = SmallConfig(123'457);
  WorkloadGenerator generator(config);
  ASSERT_TRUE(generator.status().ok());
  const std::vector<UsageEvent> events = GenerateAll(generator, 1000);
  ASSERT_EQ(events.size(), config.events);
  EXPECT_EQ(generator.remaining(), 0u);
  std::vector<UsageEvent> more;
  EXPECT_EQ(generator.NextBatch(10, &more), 0u);
  EXPECT_TRUE(more.empty());
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_GE(events[i].timestamp_us, config.start_us);
    ASSERT_LT(events[i].timestamp_us, config.start_us + config.span_us);
    if (i > 0) {
      ASSERT_GE(events[i].timestamp_us, events[i - 1].timestamp_us) << "event " << i;
    }
  }
  // The stream covers the span: first and last events near its ends.
  EXPECT_LT(events.front().timestamp_us - config.start_us, kMicrosPerMinute);
  EXPECT_LT(config.start_us + config.span_us - events.back().timestamp_us, kMicrosPerMinute);
}

TEST(WorkloadTest, TimestampsHaveSubMillisecondDigits) {
  WorkloadGenerator generator(SmallConfig(10'000));
  size_t whole_ms = 0;
  for (const UsageEvent& e : GenerateAll(generator)) whole_ms += e.timestamp_us % 1000 == 0;
  EXPECT_LT(whole_ms, 100u);  // 1 in 1000 by chance
}

TEST(WorkloadTest, ArrivalRateFollowsTheDayAndTheWeek) {
  WorkloadConfig config = SmallConfig(400'000);
  config.span_us = 14 * kMicrosPerDay;
  WorkloadGenerator generator(config);
  std::vector<double> per_hour(24, 0);
  double weekday = 0, weekend = 0;
  for (const UsageEvent& e : GenerateAll(generator)) {
    const int64_t day = e.timestamp_us / kMicrosPerDay;
    // Hour buckets centred on the hour (15 covers 14:30-15:30), so that the peak is one bucket.
    per_hour[((e.timestamp_us + kMicrosPerHour / 2) % kMicrosPerDay) / kMicrosPerHour] += 1;
    (((day + 3) % 7) >= 5 ? weekend : weekday) += 1;
  }
  // Hour 15 is the peak, hour 3 the trough at 35% of it.
  EXPECT_EQ(std::max_element(per_hour.begin(), per_hour.end()) - per_hour.begin(), 15);
  EXPECT_NEAR(per_hour[3] / per_hour[15], 0.35, 0.03);
  // Two weekend days per five weekdays, at 60% of the rate.
  EXPECT_NEAR((weekend / 4) / (weekday / 10), 0.6, 0.02);
}

TEST(WorkloadTest, OutcomeSharesMatchTheConfig) {
  WorkloadGenerator generator(SmallConfig(400'000));
  WorkloadSummary summary;
  summary.Add(GenerateAll(generator));
  const double n = static_cast<double>(summary.events());
  // Binomial standard deviations: 0.016% and 0.011%; allow about 5 of them.
  EXPECT_NEAR(summary.outcome_count(Outcome::kRetryableError) / n, 0.01, 0.0008);
  EXPECT_NEAR(summary.outcome_count(Outcome::kFatalError) / n, 0.005, 0.0006);
  EXPECT_NEAR(summary.outcome_count(Outcome::kSuccess) / n, 0.985, 0.001);
  EXPECT_NEAR(summary.production_events() / n, 0.8, 0.05);
}

TEST(WorkloadTest, CostIsExactlyRecomputedFromThePriceTable) {
  WorkloadGenerator generator(SmallConfig(200'000));
  for (const UsageEvent& e : GenerateAll(generator)) {
    const ModelPrice* price = generator.PriceOf(e.model);
    ASSERT_NE(price, nullptr) << e.model;
    if (e.outcome != Outcome::kSuccess) {
      ASSERT_EQ(e.output_tokens, 0);
      ASSERT_EQ(e.cost_micros, 0);  // failed requests are not billed
      continue;
    }
    // Written out rather than calling RequestCostMicros, so that the test checks the formula too.
    const int64_t expected = (e.input_tokens * price->input_per_million +
                              e.output_tokens * price->output_per_million + 500000) / 1000000 +
                             price->per_request;
    ASSERT_EQ(e.cost_micros, expected);
  }
}

TEST(WorkloadTest, PriceTableHasTheDocumentedBands) {
  WorkloadGenerator generator(SmallConfig(0));
  const ModelPrice* cheap = generator.PriceOf("lark-mini");
  const ModelPrice* expensive = generator.PriceOf("lark-ultra");
  ASSERT_NE(cheap, nullptr);
  ASSERT_NE(expensive, nullptr);
  EXPECT_EQ(cheap->input_per_million, 150'000);      // $0.15
  EXPECT_EQ(cheap->output_per_million, 600'000);     // $0.60
  EXPECT_EQ(expensive->input_per_million, 15'000'000);
  EXPECT_EQ(expensive->output_per_million, 75'000'000);
  EXPECT_EQ(generator.PriceOf("no-such-model"), nullptr);
  EXPECT_EQ(generator.catalog().models().size(), kBuiltInModelCount);
  for (const ModelSpec& model : generator.catalog().models()) {
    EXPECT_GE(model.decode_us_per_token, 10'000) << model.name;
    EXPECT_LE(model.decode_us_per_token, 40'000) << model.name;
  }
}

TEST(WorkloadTest, CatalogHasARealisticShape) {
  WorkloadGenerator generator(SmallConfig(0));
  const Catalog& catalog = generator.catalog();
  EXPECT_EQ(catalog.workspaces().size(), 200u);
  EXPECT_EQ(catalog.endpoints().size(), 60u);
  EXPECT_GE(catalog.series().size(), 2000u);
  EXPECT_LE(catalog.series().size(), 6000u);
  double share = 0;
  std::set<std::string_view> models_with_endpoint;
  for (const SeriesSpec& series : catalog.series()) share += series.share;
  EXPECT_NEAR(share, 1.0, 1e-9);
  for (const EndpointSpec& endpoint : catalog.endpoints()) {
    models_with_endpoint.insert(catalog.models()[endpoint.model].name);
    uint32_t percent = 0;
    for (const DeploymentVersion& version : endpoint.versions) percent += version.weight_percent;
    EXPECT_EQ(percent, 100u) << endpoint.name;
    EXPECT_GE(endpoint.versions.size(), 1u);
    EXPECT_LE(endpoint.versions.size(), 3u);
  }
  EXPECT_EQ(models_with_endpoint.size(), catalog.models().size());
  for (const WorkspaceSpec& workspace : catalog.workspaces()) {
    EXPECT_GE(workspace.endpoints.size(), 1u);
    EXPECT_LE(workspace.endpoints.size(), 6u);
    EXPECT_GE(workspace.users.size(), 1u);
    EXPECT_LE(workspace.users.size(), 10u);
    EXPECT_GE(workspace.keys.size(), 1u);
    EXPECT_LE(workspace.keys.size(), 8u);
  }
  // Zipf-like activity: the busiest workspace has a big share, the quietest a tiny one.
  EXPECT_GT(catalog.workspaces().front().activity, 0.1);
  EXPECT_LT(catalog.workspaces().back().activity, 0.001);
}

TEST(WorkloadTest, EventsUseOnlyCatalogSeries) {
  WorkloadGenerator generator(SmallConfig(100'000));
  std::set<std::tuple<std::string_view, std::string_view, std::string_view, std::string_view, std::string_view,
                      std::string_view, std::string_view>>
      known, seen;
  for (const SeriesSpec& s : generator.catalog().series()) {
    known.emplace(s.workspace, s.model, s.endpoint, s.environment, s.api_key, s.user, s.version);
  }
  EXPECT_EQ(known.size(), generator.catalog().series().size()) << "series must be distinct";
  for (const UsageEvent& e : GenerateAll(generator)) {
    auto key = std::make_tuple(e.workspace, e.model, e.endpoint, e.environment, e.api_key, e.user, e.version);
    ASSERT_TRUE(known.count(key)) << e.workspace << " " << e.endpoint << " " << e.api_key;
    seen.insert(key);
  }
  EXPECT_EQ(seen.size(), generator.series_seen());
  EXPECT_GT(seen.size(), 1000u);
}

TEST(WorkloadTest, TokenAndLatencyDistributionsMatchTheSpec) {
  WorkloadGenerator generator(SmallConfig(400'000));
  std::vector<double> chat_in, chat_out, code_in, code_out, latency, retry_latency;
  for (const UsageEvent& e : GenerateAll(generator)) {
    const bool code = generator.catalog().FindModel(e.model)->profile == TokenProfile::kCode;
    ASSERT_GE(e.input_tokens, 1);
    ASSERT_LE(e.input_tokens, kMaxInputTokens);
    ASSERT_LE(e.output_tokens, kMaxOutputTokens);
    (code ? code_in : chat_in).push_back(static_cast<double>(e.input_tokens));
    if (e.outcome == Outcome::kSuccess) {
      ASSERT_GE(e.output_tokens, 1);
      (code ? code_out : chat_out).push_back(static_cast<double>(e.output_tokens));
      latency.push_back(static_cast<double>(e.latency_us));
    } else if (e.outcome == Outcome::kRetryableError) {
      retry_latency.push_back(static_cast<double>(e.latency_us));
    }
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  };
  ASSERT_GT(code_in.size(), 10'000u);
  EXPECT_NEAR(median(chat_in), 600, 600 * 0.03);
  EXPECT_NEAR(median(chat_out), 200, 200 * 0.03);
  EXPECT_NEAR(median(code_in), 1469, 1469 * 0.04);  // Azure code trace median
  EXPECT_NEAR(median(code_out), 13, 1);              // Azure code trace median
  // Successful requests take seconds (prefill plus hundreds of tokens at 10-40 ms each);
  // retryable errors are fast rejections.
  EXPECT_GT(median(latency), 1e6);
  EXPECT_LT(median(latency), 10e6);
  EXPECT_NEAR(median(retry_latency), 25'000, 2'500);
}

TEST(WorkloadTest, EventIdsAreUniqueNonZeroAndOffByDefault) {
  WorkloadGenerator without(SmallConfig(1000));
  for (const UsageEvent& e : GenerateAll(without)) ASSERT_EQ(e.event_id, 0u);

  WorkloadConfig config = SmallConfig(200'000);
  config.with_event_ids = true;
  WorkloadGenerator with(config);
  std::unordered_set<uint64_t> ids;
  uint64_t index = 0;
  for (const UsageEvent& e : GenerateAll(with)) {
    ASSERT_NE(e.event_id, 0u);
    ASSERT_EQ(e.event_id, WorkloadGenerator::EventId(config.seed, index++));
    ids.insert(e.event_id);
  }
  EXPECT_EQ(ids.size(), config.events);
}

TEST(WorkloadTest, LateEventsAreRareAndOnlyWhenAsked) {
  WorkloadConfig config = SmallConfig(200'000);
  WorkloadGenerator on_time(config);
  const std::vector<UsageEvent> baseline = GenerateAll(on_time);

  config.late_events = true;
  WorkloadGenerator late(config);
  const std::vector<UsageEvent> with_late = GenerateAll(late);
  ASSERT_EQ(with_late.size(), baseline.size());
  size_t moved = 0;
  for (size_t i = 0; i < baseline.size(); ++i) {
    const int64_t delay = baseline[i].timestamp_us - with_late[i].timestamp_us;
    ASSERT_GE(delay, 0);
    ASSERT_LE(delay, kMicrosPerHour);
    // Only the timestamp may differ: enabling late events draws from a stream of its own.
    UsageEvent same = with_late[i];
    same.timestamp_us = baseline[i].timestamp_us;
    ASSERT_TRUE(Fields(same) == Fields(baseline[i])) << "event " << i;
    moved += delay > 0;
  }
  EXPECT_NEAR(static_cast<double>(moved) / baseline.size(), 0.001, 0.0004);
}

TEST(WorkloadTest, InvalidConfigIsReportedAndGivesNoEvents) {
  WorkloadConfig config = SmallConfig(1000);
  config.models = 21;
  WorkloadGenerator generator(config);
  EXPECT_TRUE(generator.status().IsInvalidArgument());
  EXPECT_NE(generator.status().message().find("models"), std::string::npos);
  std::vector<UsageEvent> events;
  EXPECT_EQ(generator.NextBatch(100, &events), 0u);

  config = SmallConfig(1000);
  config.retryable_error_rate = 0.7;
  config.fatal_error_rate = 0.7;
  EXPECT_TRUE(config.Validate().IsInvalidArgument());
  config = SmallConfig(1000);
  config.span_us = 0;
  EXPECT_TRUE(config.Validate().IsInvalidArgument());
  EXPECT_TRUE(SmallConfig(1000).Validate().ok());
}

TEST(WorkloadTest, SmallCatalogsWork) {
  WorkloadConfig config = SmallConfig(5000);
  config.workspaces = 1;
  config.models = 1;
  config.endpoints = 1;
  WorkloadGenerator generator(config);
  ASSERT_TRUE(generator.status().ok());
  const std::vector<UsageEvent> events = GenerateAll(generator);
  ASSERT_EQ(events.size(), 5000u);
  for (const UsageEvent& e : events) ASSERT_EQ(e.model, "lark-mini");
}

}  // namespace
}  // namespace tally::workload
