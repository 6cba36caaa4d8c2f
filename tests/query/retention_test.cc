// Retention: expired raw events and rollup cells are dropped by compaction, queries stop reading
// them at once, and a range reaching into expired data is answered from the coarser rollups that
// remain — exactly where their cells fit the range, with the edges moved to the finest retained
// cells (and QueryStats::approximate set) where they do not.
#include <algorithm>
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

constexpr int64_t kStart = 1'790'812'800'000'000;  // 2026-10-01T00:00:00Z
constexpr int64_t kSpan = 60 * kMicrosPerDay;
constexpr int64_t kRawRetention = 20 * kMicrosPerDay;
const std::vector<int64_t> kRollupRetention = {10 * kMicrosPerDay, 30 * kMicrosPerDay, 0};  // 1m, 1h, 1d

int64_t FloorTo(int64_t t, int64_t w) { return t / w * w; }  // times here are positive
int64_t CeilTo(int64_t t, int64_t w) { return (t + w - 1) / w * w; }

struct Stored {
  UsageEvent event;
  std::string model;
};

class RetentionTest : public ::testing::Test {
 protected:
  Options RetentionOptions() {
    Options options;
    options.rollup_resolutions_us = kStandardRollupResolutions;
    options.raw_retention_us = kRawRetention;
    options.rollup_retention_us = kRollupRetention;
    return options;
  }

  void Open(const Options& options) {
    db_.reset();
    auto db = DB::Open(dir_.Sub("db"), options);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  // Events at random times over 60 days (plus one at the very end, which fixes "newest").
  void AppendAll(int n) {
    EventMaker& maker = maker_;
    std::vector<UsageEvent> batch;
    for (int i = 0; i < n; ++i) {
      const int64_t t = i + 1 == n ? kStart + kSpan - 1 : kStart + static_cast<int64_t>(maker.rng()() % kSpan);
      batch.push_back(maker.Make(t));
      stored_.push_back({batch.back(), std::string(batch.back().model)});
      if (batch.size() == 500) {
        ASSERT_TRUE(db_->Append(batch).ok());
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ASSERT_TRUE(db_->Append(batch).ok());
    }
  }

  // What the documentation promises, computed from the definitions: records are dropped whole
  // (a block per 7-day window, a cell row per 64 cells), then each level's start is rounded up to
  // the next coarser resolution.
  int64_t ExpectedRawFrom() const {
    return CeilTo(FloorTo(kStart + kSpan - 1 - kRawRetention, kDefaultBlockWindowUs), kMicrosPerMinute);
  }
  int64_t ExpectedMinuteFrom() const {
    return CeilTo(FloorTo(kStart + kSpan - 1 - kRollupRetention[0], 64 * kMicrosPerMinute), kMicrosPerHour);
  }
  int64_t ExpectedHourFrom() const {
    return CeilTo(FloorTo(kStart + kSpan - 1 - kRollupRetention[1], 64 * kMicrosPerHour), kMicrosPerDay);
  }

  // The documented edge rule: where raw events have expired, an edge moves to the boundary of the
  // finest resolution whose cells are retained there.
  int64_t Snap(int64_t t, bool up, const QueryStats& stats) const {
    if (t >= stats.raw_from_us) return t;
    for (size_t level = 0; level < stats.resolutions_us.size(); ++level) {
      if (t < stats.rollups_from_us[level]) continue;
      const int64_t w = stats.resolutions_us[level];
      return up ? CeilTo(t, w) : FloorTo(t, w);
    }
    return t;
  }

  testing::TempDir dir_;
  EventMaker maker_{7};  // owns the label strings of stored_
  std::unique_ptr<DB> db_;
  std::vector<Stored> stored_;
};

TEST_F(RetentionTest, CompactionDropsExpiredDataAndQueriesFallBackToCoarserRollups) {
  Open(RetentionOptions());
  AppendAll(20000);
  ASSERT_TRUE(db_->Compact().ok());

  Query all;
  all.range = {kStart, kStart + kSpan};
  auto r = db_->Query(all);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const QueryStats availability = r->stats;
  EXPECT_EQ(availability.raw_from_us, ExpectedRawFrom());
  ASSERT_EQ(availability.rollups_from_us.size(), 3u);
  EXPECT_EQ(availability.rollups_from_us[0], ExpectedMinuteFrom());
  EXPECT_EQ(availability.rollups_from_us[1], ExpectedHourFrom());
  EXPECT_EQ(availability.rollups_from_us[2], INT64_MIN);  // 1d cells are kept forever
  // A day-aligned range is covered exactly even though most of its raw events are gone.
  EXPECT_FALSE(r->stats.approximate);
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0].totals.requests, stored_.size());

  // The expired raw events are gone from disk (whole windows) and from scans.
  uint64_t kept = 0;
  for (const Stored& s : stored_) kept += s.event.timestamp_us >= availability.raw_from_us;
  auto stats = db_->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->block_events, kept);
  uint64_t scanned = 0;
  ASSERT_TRUE(db_->ScanEvents({}, {kStart, kStart + kSpan}, [&](const SeriesInfo&, std::span<const EventRow> rows) {
                   for (const EventRow& row : rows) EXPECT_GE(row.timestamp_us, availability.raw_from_us);
                   scanned += rows.size();
                   return Status::OK();
                 }).ok());
  EXPECT_EQ(scanned, kept);

  // verify compares only what retention left whole on both sides, and finds it all equal.
  Result<inspect::VerifyReport> verified = inspect::Verify(*db_);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok()) << (verified->problems.empty() ? "" : verified->problems[0].detail);
  EXPECT_GT(verified->rollup_cells, 0u);

  // Random ranges, steps and groupings: every count and sum equals a recomputation from all the
  // events ever appended over the range with its edges moved as documented.
  EventMaker picker(11);
  const Step steps[] = {Step::kNone, Step::kHour, Step::kDay, Step::kWeek};
  int approximate = 0, exact_in_expired = 0;
  for (int i = 0; i < 1000; ++i) {
    Query q;
    int64_t a = kStart + static_cast<int64_t>(picker.rng()() % kSpan);
    int64_t b = kStart + static_cast<int64_t>(picker.rng()() % kSpan);
    if (picker.Pick(3) == 0) a = FloorTo(a, kMicrosPerDay);
    if (a > b) std::swap(a, b);
    if (a == b) continue;
    q.range = {a, b};
    q.step = steps[picker.Pick(4)];
    if (picker.Pick(2) == 0) q.group_by = {Label::kModel};
    auto result = db_->Query(q);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const QueryStats& st = result->stats;

    // The expected buckets (hour, day and week have fixed widths; weeks start on Monday, and
    // 1970-01-01 was a Thursday), then their edges moved as documented.
    std::map<std::pair<int64_t, std::string>, Totals> expected;
    const int64_t width = q.step == Step::kHour  ? kMicrosPerHour
                          : q.step == Step::kDay  ? kMicrosPerDay
                          : q.step == Step::kWeek ? 7 * kMicrosPerDay
                                                  : 0;
    const int64_t offset = q.step == Step::kWeek ? 4 * kMicrosPerDay : 0;
    std::vector<int64_t> starts = {width > 0 ? FloorTo(a - offset, width) + offset : a};  // as rows report them
    std::vector<int64_t> edges = {a};
    for (int64_t s = starts[0] + width; width > 0 && s < b; s += width) {
      starts.push_back(s);
      edges.push_back(s);
    }
    edges.push_back(b);
    bool moved = false;
    for (size_t k = 0; k < edges.size(); ++k) {
      const int64_t e = Snap(edges[k], k + 1 == edges.size(), st);
      moved = moved || e != edges[k];
      edges[k] = e;
    }
    EXPECT_EQ(st.approximate, moved) << "range [" << a << ", " << b << ")";
    approximate += moved;
    exact_in_expired += !moved && a < st.raw_from_us;

    for (const Stored& s : stored_) {
      const int64_t t = s.event.timestamp_us;
      if (t < edges.front() || t >= edges.back()) continue;
      const size_t k = static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), t) - edges.begin()) - 1;
      Totals& e = expected[{starts[k], q.group_by.empty() ? std::string() : s.model}];
      ++e.requests;
      e.input_tokens += s.event.input_tokens;
      e.output_tokens += s.event.output_tokens;
      e.spend_micros += s.event.cost_micros;
      e.retryable_errors += s.event.outcome == Outcome::kRetryableError;
      e.fatal_errors += s.event.outcome == Outcome::kFatalError;
    }
    ASSERT_EQ(result->rows.size(), expected.size()) << "range [" << a << ", " << b << ")";
    for (const ResultRow& row : result->rows) {
      auto it = expected.find({row.time_us, row.group.empty() ? std::string() : row.group[0]});
      ASSERT_NE(it, expected.end());
      EXPECT_EQ(row.totals.requests, it->second.requests);
      EXPECT_EQ(row.totals.input_tokens, it->second.input_tokens);
      EXPECT_EQ(row.totals.output_tokens, it->second.output_tokens);
      EXPECT_EQ(row.totals.spend_micros, it->second.spend_micros);
      EXPECT_EQ(row.totals.retryable_errors, it->second.retryable_errors);
      EXPECT_EQ(row.totals.fatal_errors, it->second.fatal_errors);
    }

    // Which resolution answered: nothing expired was read.
    if (edges.back() <= st.raw_from_us) {
      EXPECT_EQ(st.raw_events, 0u);
    }
    if (edges.back() <= st.rollups_from_us[0]) {
      EXPECT_EQ(st.cells[0], 0u);
    }
    if (edges.back() <= st.rollups_from_us[1]) {
      EXPECT_EQ(st.cells[1], 0u);
    }
  }
  // Both kinds of range occurred.
  EXPECT_GT(approximate, 50);
  EXPECT_GT(exact_in_expired, 50);
}

TEST_F(RetentionTest, ExpiryIsRecordedAndNeverMovesBack) {
  Open(RetentionOptions());
  AppendAll(5000);
  ASSERT_TRUE(db_->Compact().ok());
  Query q;
  q.range = {kStart, kStart + kSpan};
  auto before = db_->Query(q);
  ASSERT_TRUE(before.ok());

  // A read-only open sees the same availability.
  {
    Options ro;
    ro.read_only = true;
    auto reader = DB::Open(dir_.Sub("db"), ro);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto r = (*reader)->Query(q);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->stats.raw_from_us, before->stats.raw_from_us);
    EXPECT_EQ(r->stats.rollups_from_us, before->stats.rollups_from_us);
    EXPECT_EQ(r->rows[0].totals.requests, before->rows[0].totals.requests);
  }

  // Keeping everything from now on does not bring back what was dropped.
  Options forever;
  forever.raw_retention_us = 0;
  forever.rollup_retention_us = {0, 0, 0};
  Open(forever);
  auto after = db_->Query(q);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->stats.raw_from_us, before->stats.raw_from_us);
  EXPECT_EQ(after->stats.rollups_from_us, before->stats.rollups_from_us);
  EXPECT_EQ(after->rows[0].totals.requests, stored_.size());

  // A late event older than the expiry is accepted but never read: it is expired on arrival.
  EventMaker maker(3);
  const UsageEvent late = maker.Make(kStart + kMicrosPerHour + 17);
  ASSERT_TRUE(db_->Append(std::span(&late, 1)).ok());
  uint64_t scanned = 0;
  ASSERT_TRUE(db_->ScanEvents({}, {kStart, kStart + kMicrosPerDay}, [&](const SeriesInfo&, std::span<const EventRow> rows) {
                   scanned += rows.size();
                   return Status::OK();
                 }).ok());
  EXPECT_EQ(scanned, 0u);
}

TEST_F(RetentionTest, BadRetentionOptionsAreRefused) {
  Options options;
  options.rollup_resolutions_us = kStandardRollupResolutions;
  options.raw_retention_us = -1;
  auto db = DB::Open(dir_.Sub("db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsInvalidArgument()) << db.status().ToString();
  EXPECT_NE(db.status().ToString().find("raw_retention_us"), std::string::npos);

  options.raw_retention_us = 0;
  options.rollup_retention_us = {kMicrosPerDay, kMicrosPerDay};  // two entries for three resolutions
  db = DB::Open(dir_.Sub("db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().ToString().find("3 rollup resolutions"), std::string::npos) << db.status().ToString();

  options.rollup_retention_us = {30 * kMicrosPerDay, kMicrosPerDay, 0};  // 1h kept shorter than 1m
  db = DB::Open(dir_.Sub("db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().ToString().find("coarser resolution"), std::string::npos) << db.status().ToString();
}

}  // namespace
}  // namespace tally
