// Appended events come back from scans — from the head, after a flush, after compaction and after
// reopening — in time order per series, and filters and ranges select exactly what they say.
#include <algorithm>
#include <map>

#include <gtest/gtest.h>

#include "support/event_maker.h"
#include "support/scan_all.h"
#include "support/temp_dir.h"
#include "tally/db.h"

namespace tally {
namespace {

using testing::EventMaker;
using testing::ScanAll;
using testing::SeriesRows;

constexpr int64_t kStart = 1'790'000'000'000'000;  // 2026-09-22

SeriesLabels LabelsOf(const UsageEvent& e) {
  SeriesLabels l;
  l.Get(Label::kWorkspace) = e.workspace;
  l.Get(Label::kModel) = e.model;
  l.Get(Label::kEndpoint) = e.endpoint;
  l.Get(Label::kEnvironment) = e.environment;
  l.Get(Label::kApiKey) = e.api_key;
  l.Get(Label::kUser) = e.user;
  l.Get(Label::kVersion) = e.version;
  return l;
}

// What a scan must return: per series, events in the range in time order, ties in append order.
SeriesRows Expected(const std::vector<UsageEvent>& appended, const SeriesFilter& filter, const TimeRange& range) {
  SeriesRows out;
  for (const UsageEvent& e : appended) {
    SeriesLabels labels = LabelsOf(e);
    if (!filter.Matches(labels) || !range.Contains(e.timestamp_us)) continue;
    out[labels.ToString()].push_back(testing::RowOf(e));
  }
  for (auto& [k, rows] : out) {
    std::stable_sort(rows.begin(), rows.end(),
                     [](const EventRow& a, const EventRow& b) { return a.timestamp_us < b.timestamp_us; });
  }
  return out;
}

class AppendScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.head_flush_bytes = 1u << 30;  // flushes only when the test says so
    auto db = DB::Open(dir_.Sub("db"), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  // Appends `n` events spread over three days, out of time order, in batches of 97.
  void AppendRandom(EventMaker& maker, int n) {
    std::vector<UsageEvent> batch;
    for (int i = 0; i < n; ++i) {
      int64_t t = kStart + static_cast<int64_t>(maker.rng()() % (3 * kMicrosPerDay));
      if (i % 10 == 0 && !appended_.empty()) t = appended_.back().timestamp_us;  // equal timestamps
      batch.push_back(maker.Make(t));
      if (batch.size() == 97 || i == n - 1) {
        ASSERT_TRUE(db_->Append(batch).ok());
        appended_.insert(appended_.end(), batch.begin(), batch.end());
        batch.clear();
      }
    }
  }

  void ExpectScansMatch(EventMaker& maker) {
    SeriesRows got;
    ASSERT_TRUE(ScanAll(*db_, &got).ok());
    EXPECT_EQ(got, Expected(appended_, {}, {}));
    for (int round = 0; round < 20; ++round) {
      SeriesFilter filter;
      if (maker.Pick(2) == 0) filter.matchers.push_back(LabelMatcher::Equal(Label::kWorkspace, "ws-" + std::to_string(maker.Pick(5))));
      if (maker.Pick(2) == 0) filter.matchers.push_back(LabelMatcher::NotEqual(Label::kEnvironment, "staging"));
      if (maker.Pick(3) == 0) filter.matchers.push_back(LabelMatcher::In(Label::kModel, {"model-0", "model-2"}));
      int64_t a = kStart + static_cast<int64_t>(maker.rng()() % (3 * kMicrosPerDay));
      int64_t b = kStart + static_cast<int64_t>(maker.rng()() % (3 * kMicrosPerDay));
      TimeRange range{std::min(a, b), std::max(a, b)};
      ASSERT_TRUE(ScanAll(*db_, &got, filter, range).ok());
      EXPECT_EQ(got, Expected(appended_, filter, range)) << "round " << round;
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::vector<UsageEvent> appended_;
};

TEST_F(AppendScanTest, HeadFlushCompactReopenAllAnswerTheSame) {
  EventMaker maker(7);
  AppendRandom(maker, 3000);
  ExpectScansMatch(maker);  // from the head only

  ASSERT_TRUE(db_->Flush().ok());
  AppendRandom(maker, 2000);  // blocks and head together
  ExpectScansMatch(maker);

  ASSERT_TRUE(db_->Flush().ok());
  auto before = db_->GetStats();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(db_->Compact().ok());
  auto after = db_->GetStats();
  ASSERT_TRUE(after.ok());
  EXPECT_LT(after->blocks, before->blocks);
  EXPECT_EQ(after->block_events, appended_.size());
  ExpectScansMatch(maker);

  AppendRandom(maker, 500);  // left in the log: the reopen must replay it
  db_.reset();
  auto reopened = DB::Open(dir_.Sub("db"), Options());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  db_ = std::move(reopened).value();
  ExpectScansMatch(maker);
  auto stats = db_->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->head_events + stats->block_events, appended_.size());
}

TEST_F(AppendScanTest, CompactReportsItsStepsInOrder) {
  EventMaker maker(8);
  AppendRandom(maker, 3000);
  ASSERT_TRUE(db_->Flush().ok());
  AppendRandom(maker, 500);  // in the head: the compaction's flush writes it
  std::vector<CompactProgress> seen;
  CompactOptions options;
  options.progress = [&seen](const CompactProgress& p) { seen.push_back(p); };
  ASSERT_TRUE(db_->Compact(options).ok());
  ASSERT_GE(seen.size(), 4u);
  using Phase = CompactProgress::Phase;
  EXPECT_EQ(seen.front().phase, Phase::kFlush);
  EXPECT_EQ(seen.front().done, 0u);
  for (size_t i = 1; i < seen.size(); ++i) {
    ASSERT_GE(static_cast<int>(seen[i].phase), static_cast<int>(seen[i - 1].phase)) << i;
    if (seen[i].phase == seen[i - 1].phase) {
      EXPECT_GE(seen[i].done, seen[i - 1].done) << i;
    }
  }
  // Each phase ends complete; the last report is the end of the storage compaction.
  for (Phase phase : {Phase::kFlush, Phase::kMergeBlocks, Phase::kCompactStorage}) {
    auto last = std::find_if(seen.rbegin(), seen.rend(), [phase](const CompactProgress& p) { return p.phase == phase; });
    ASSERT_NE(last, seen.rend()) << static_cast<int>(phase);
    EXPECT_EQ(last->done, last->total) << static_cast<int>(phase);
  }
  auto merged = std::find_if(seen.rbegin(), seen.rend(), [](const CompactProgress& p) { return p.phase == Phase::kMergeBlocks; });
  EXPECT_GT(merged->done, 0u);
  EXPECT_EQ(seen.back().phase, Phase::kCompactStorage);
  ExpectScansMatch(maker);
}

TEST_F(AppendScanTest, ListSeriesFollowsFilters) {
  EventMaker maker(11);
  AppendRandom(maker, 500);
  std::map<std::string, int> distinct;
  for (const UsageEvent& e : appended_) distinct[LabelsOf(e).ToString()]++;
  auto all = db_->ListSeries({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), distinct.size());
  SeriesFilter ws1{{LabelMatcher::Equal(Label::kWorkspace, "ws-1")}};
  auto some = db_->ListSeries(ws1);
  ASSERT_TRUE(some.ok());
  size_t expected = 0;
  for (const auto& s : *all) expected += ws1.Matches(s.labels);
  EXPECT_EQ(some->size(), expected);
  for (const auto& s : *some) EXPECT_EQ(s.labels.Get(Label::kWorkspace), "ws-1");
}

TEST_F(AppendScanTest, VisitorErrorStopsTheScan) {
  EventMaker maker(3);
  AppendRandom(maker, 200);
  int calls = 0;
  Status s = db_->ScanEvents({}, {}, [&](const SeriesInfo&, std::span<const EventRow>) {
    ++calls;
    return Status::Aborted("enough");
  });
  EXPECT_TRUE(s.IsAborted());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace tally
