// Exactness: every count, token sum and money sum a query returns equals a brute-force recomputation
// from the raw events, and every latency quantile is within 1% of the exact lower quantile — over
// 10,000 random (filter, range, step, group-by) queries on random data with late, out-of-order and
// duplicate-id events, while the data sits in the head, in blocks and rollups, after compaction and
// after reopening.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "engine/inspect/verify.h"

#include "support/event_maker.h"
#include "support/temp_dir.h"
#include "tally/db.h"
#include "tally/query.h"

namespace tally {
namespace {

using testing::EventMaker;

constexpr int64_t kStart = 1'790'812'800'000'000;  // 2026-10-01T00:00:00Z, a Thursday
constexpr int64_t kSpan = 40 * kMicrosPerDay;      // crosses a month and several ISO weeks

struct Stored {
  UsageEvent event;
  SeriesLabels labels;
};

// The bucket start of `t`, computed independently of the engine with calendar arithmetic.
int64_t ExpectedBucket(int64_t t, Step step, int64_t range_from) {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds{t}};
  switch (step) {
    case Step::kNone: return range_from;
    case Step::kMinute: return floor<minutes>(tp).time_since_epoch().count() * kMicrosPerMinute;
    case Step::kHour: return floor<hours>(tp).time_since_epoch().count() * kMicrosPerHour;
    case Step::kDay: return floor<days>(tp).time_since_epoch().count() * kMicrosPerDay;
    case Step::kWeek: {
      const sys_days d = floor<days>(tp);
      const weekday wd{d};
      const sys_days monday = d - days{(wd.c_encoding() + 6) % 7};
      return monday.time_since_epoch().count() * kMicrosPerDay;
    }
    case Step::kMonth: {
      const year_month_day ymd{floor<days>(tp)};
      return sys_days{ymd.year() / ymd.month() / 1}.time_since_epoch().count() * kMicrosPerDay;
    }
  }
  return 0;
}

struct ExpectedRow {
  Totals totals;
  std::vector<int64_t> latencies;
};

class QueryExactnessTest : public ::testing::Test {
 protected:
  void Open(const Options& options) {
    db_.reset();
    auto db = DB::Open(dir_.Sub("db"), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  // Appends `n` events at random times in [from, from + span), in batches, with ids; about 3% of
  // them resend an earlier event (same id and content), which must count once.
  void Append(EventMaker& maker, int n, int64_t from, int64_t span) {
    std::vector<UsageEvent> batch;
    std::vector<bool> fresh;
    for (int i = 0; i < n; ++i) {
      if (!stored_.empty() && maker.Pick(33) == 0) {
        batch.push_back(stored_[maker.rng()() % stored_.size()].event);  // a resend
        fresh.push_back(false);
      } else {
        int64_t t = from + static_cast<int64_t>(maker.rng()() % static_cast<uint64_t>(span));
        if (maker.Pick(5) == 0) t = t / kMicrosPerMinute * kMicrosPerMinute;  // on a bucket edge
        batch.push_back(maker.Make(t, ++next_id_));
        fresh.push_back(true);
      }
      if (batch.size() == 250 || i == n - 1) {
        AppendStats stats;
        ASSERT_TRUE(db_->Append(batch, &stats).ok());
        uint64_t fresh_count = 0;
        for (size_t k = 0; k < batch.size(); ++k) {
          if (!fresh[k]) continue;
          ++fresh_count;
          Stored s{batch[k], {}};
          s.labels.Get(Label::kWorkspace) = batch[k].workspace;
          s.labels.Get(Label::kModel) = batch[k].model;
          s.labels.Get(Label::kEndpoint) = batch[k].endpoint;
          s.labels.Get(Label::kEnvironment) = batch[k].environment;
          s.labels.Get(Label::kApiKey) = batch[k].api_key;
          stored_.push_back(s);
        }
        ASSERT_EQ(stats.accepted, fresh_count);
        ASSERT_EQ(stats.duplicates, batch.size() - fresh_count);
        batch.clear();
        fresh.clear();
      }
    }
  }

  Query RandomQuery(EventMaker& maker) {
    Query q;
    if (maker.Pick(3) == 0) q.filter.matchers.push_back(LabelMatcher::Equal(Label::kWorkspace, "ws-" + std::to_string(maker.Pick(5))));
    if (maker.Pick(4) == 0) q.filter.matchers.push_back(LabelMatcher::In(Label::kModel, {"model-0", "model-2"}));
    if (maker.Pick(5) == 0) q.filter.matchers.push_back(LabelMatcher::NotEqual(Label::kEnvironment, "staging"));
    if (maker.Pick(6) == 0) q.filter.matchers.push_back(LabelMatcher::NotIn(Label::kApiKey, {"", "key-1"}));
    // Ranges: arbitrary µs, or aligned to minutes, hours or days, of any length.
    auto instant = [&]() {
      int64_t t = kStart - kMicrosPerDay + static_cast<int64_t>(maker.rng()() % (kSpan + 2 * kMicrosPerDay));
      switch (maker.Pick(4)) {
        case 0: return t / kMicrosPerMinute * kMicrosPerMinute;
        case 1: return t / kMicrosPerHour * kMicrosPerHour;
        case 2: return t / kMicrosPerDay * kMicrosPerDay;
        default: return t;
      }
    };
    int64_t a = instant(), b = instant();
    if (a == b) b += 1 + maker.Pick(1000);
    q.range = {std::min(a, b), std::max(a, b)};
    if (maker.Pick(4) == 0) q.range.to_us = std::min(q.range.to_us, q.range.from_us + static_cast<int64_t>(maker.rng()() % (3 * kMicrosPerHour)) + 1);
    const int64_t length = q.range.to_us - q.range.from_us;
    std::vector<Step> steps = {Step::kNone, Step::kDay, Step::kWeek, Step::kMonth};
    if (length <= 3 * kMicrosPerDay) steps.push_back(Step::kHour);
    if (length <= 6 * kMicrosPerHour) steps.push_back(Step::kMinute);
    q.step = steps[maker.Pick(static_cast<int>(steps.size()))];
    for (Label l : {Label::kWorkspace, Label::kModel, Label::kEndpoint, Label::kEnvironment, Label::kApiKey}) {
      if (maker.Pick(4) == 0) q.group_by.push_back(l);
    }
    if (maker.Pick(3) == 0) q.quantiles = {0.5, 0.99};
    if (maker.Pick(4) == 0) q.quantiles = {0, 0.25, 0.95, 1};
    return q;
  }

  void CheckQueries(EventMaker& maker, int count, const char* phase) {
    for (int n = 0; n < count; ++n) {
      Query q = RandomQuery(maker);
      Result<QueryResult> got = db_->Query(q);
      ASSERT_TRUE(got.ok()) << phase << " query " << n << ": " << got.status().ToString();

      std::map<std::pair<int64_t, std::vector<std::string>>, ExpectedRow> expected;
      for (const Stored& s : stored_) {
        const UsageEvent& e = s.event;
        if (!q.range.Contains(e.timestamp_us) || !q.filter.Matches(s.labels)) continue;
        std::vector<std::string> group;
        for (Label l : q.group_by) group.push_back(s.labels.Get(l));
        ExpectedRow& row = expected[{ExpectedBucket(e.timestamp_us, q.step, q.range.from_us), group}];
        Totals& t = row.totals;
        ++t.requests;
        t.input_tokens += e.input_tokens;
        t.output_tokens += e.output_tokens;
        t.spend_micros += e.cost_micros;
        t.retryable_errors += e.outcome == Outcome::kRetryableError;
        t.fatal_errors += e.outcome == Outcome::kFatalError;
        if (e.outcome == Outcome::kSuccess) {
          t.latency_min_us = row.latencies.empty() ? e.latency_us : std::min(t.latency_min_us, e.latency_us);
          t.latency_max_us = row.latencies.empty() ? e.latency_us : std::max(t.latency_max_us, e.latency_us);
          t.latency_sum_us += e.latency_us;
          row.latencies.push_back(e.latency_us);
        }
      }
      ASSERT_EQ(got->rows.size(), expected.size()) << phase << " query " << n;
      size_t i = 0;
      for (auto& [key, want] : expected) {
        const ResultRow& row = got->rows[i++];
        ASSERT_EQ(row.time_us, key.first) << phase << " query " << n;
        ASSERT_EQ(row.group, key.second) << phase << " query " << n;
        ASSERT_EQ(row.totals, want.totals) << phase << " query " << n << " row " << i;
        ASSERT_EQ(row.quantiles.size(), q.quantiles.size());
        std::sort(want.latencies.begin(), want.latencies.end());
        for (size_t k = 0; k < q.quantiles.size(); ++k) {
          if (want.latencies.empty()) {
            EXPECT_TRUE(std::isnan(row.quantiles[k]));
            continue;
          }
          const double x = static_cast<double>(
              want.latencies[static_cast<size_t>(q.quantiles[k] * static_cast<double>(want.latencies.size() - 1))]);
          ASSERT_LE(std::abs(row.quantiles[k] - x), 0.01 * x + 1e-9)
              << phase << " query " << n << " q=" << q.quantiles[k] << " n=" << want.latencies.size();
        }
      }
      ++queries_checked_;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::vector<Stored> stored_;
  uint64_t next_id_ = 0;
  int queries_checked_ = 0;
};

TEST_F(QueryExactnessTest, RandomQueriesMatchBruteForceEverywhere) {
  Options options;
  options.rollup_resolutions_us = kStandardRollupResolutions;
  options.head_flush_bytes = 1u << 30;  // flushes only when the test says so
  options.dedup_window_us = 2 * kSpan;  // every resend is inside the window
  Open(options);
  EventMaker maker(2026, 3, 3, 3);

  Append(maker, 4000, kStart, kSpan);
  CheckQueries(maker, 2500, "head only");
  ASSERT_TRUE(db_->Flush().ok());
  // Late and out-of-order events into periods already flushed, plus resends.
  Append(maker, 2000, kStart, kSpan / 2);
  CheckQueries(maker, 2500, "blocks, rollups and head");
  ASSERT_TRUE(db_->Compact().ok());
  Append(maker, 500, kStart, kSpan);
  CheckQueries(maker, 2500, "after compaction");
  Options reopen;  // the head is replayed from the log; resolutions come from the database
  reopen.dedup_window_us = 2 * kSpan;
  Open(reopen);
  CheckQueries(maker, 2500, "after reopening");
  EXPECT_EQ(queries_checked_, 10000);
  // The same answers from RocksDB alone (no rollup cache), and with a cache too small to hold
  // every series (some answered from memory, some not).
  Options uncached = reopen;
  uncached.rollup_cache_bytes = 0;
  Open(uncached);
  CheckQueries(maker, 1000, "without the rollup cache");
  Options small = reopen;
  small.rollup_cache_bytes = 64u << 10;
  Open(small);
  CheckQueries(maker, 1000, "with a small rollup cache");

  // The plan did use every source: rollup cells at each resolution, raw edges and the head.
  Query q;
  q.range = {kStart + 17, kStart + kSpan - 17};
  auto r = db_->Query(q);
  ASSERT_TRUE(r.ok());
  for (uint64_t cells : r->stats.cells) EXPECT_GT(cells, 0u);
  EXPECT_GT(r->stats.raw_events + r->stats.head_events, 0u);

  // verify recomputes every stored cell from the raw events (late events and resends included) and
  // finds them all equal; the head's events are in neither.
  ASSERT_TRUE(db_->Flush().ok());
  Result<inspect::VerifyReport> report = inspect::Verify(*db_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems[0].detail);
  EXPECT_TRUE(report->rollups_checked);
  EXPECT_GT(report->rollup_cells, 0u);
}

TEST_F(QueryExactnessTest, WithoutRollupsQueriesReadRawEvents) {
  Options options;
  options.create_rollups = false;
  options.dedup_window_us = 2 * kSpan;
  Open(options);
  EventMaker maker(7, 4, 2, 3);
  Append(maker, 1500, kStart, kSpan);
  ASSERT_TRUE(db_->Flush().ok());
  Append(maker, 300, kStart, kSpan);
  CheckQueries(maker, 500, "raw only");
  Query q;
  q.range = {kStart, kStart + kSpan};
  auto r = db_->Query(q);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stats.cells.empty());
  EXPECT_GT(r->stats.raw_events, 0u);
}

TEST(QueryValidationTest, BadQueriesAreRefused) {
  testing::TempDir dir;
  auto db = DB::Open(dir.Sub("db"), Options());
  ASSERT_TRUE(db.ok());
  Query q;
  q.range = {kStart, kStart};
  EXPECT_TRUE((*db)->Query(q).status().IsInvalidArgument());
  q.range = {};
  EXPECT_TRUE((*db)->Query(q).status().IsInvalidArgument());
  q.range = {kStart, kStart + kMicrosPerDay};
  q.quantiles = {1.5};
  Status s = (*db)->Query(q).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("quantile"), std::string::npos);
}

}  // namespace
}  // namespace tally
