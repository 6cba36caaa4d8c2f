// Exactly-once: an event whose id was already stored is not stored again — within a batch, across
// batches, across flushes and reopens — until its id falls out of the dedup window.
#include <gtest/gtest.h>

#include "support/event_maker.h"
#include "support/scan_all.h"
#include "support/temp_dir.h"
#include "tally/db.h"

namespace tally {
namespace {

using testing::EventMaker;

constexpr int64_t kT = 1'790'000'000'000'000;

size_t Stored(DB& db) {
  testing::SeriesRows rows;
  EXPECT_TRUE(testing::ScanAll(db, &rows).ok());
  return testing::CountRows(rows);
}

TEST(DedupTest, RepeatedIdsAreCountedOnce) {
  testing::TempDir dir;
  Options options;
  auto db = DB::Open(dir.Sub("db"), options);
  ASSERT_TRUE(db.ok());
  EventMaker maker(5);
  std::vector<UsageEvent> batch;
  for (uint64_t i = 1; i <= 100; ++i) batch.push_back(maker.Make(kT + static_cast<int64_t>(i), i));
  batch.push_back(maker.Make(kT + 500, 7));  // repeats id 7 inside the batch
  batch.push_back(maker.Make(kT + 501, 0));  // no id: never a duplicate
  batch.push_back(maker.Make(kT + 501, 0));
  AppendStats stats;
  ASSERT_TRUE((*db)->Append(batch, &stats).ok());
  EXPECT_EQ(stats.accepted, 102u);
  EXPECT_EQ(stats.duplicates, 1u);

  // A resend after a timeout: all duplicates, nothing stored.
  ASSERT_TRUE((*db)->Append(std::span(batch).first(100), &stats).ok());
  EXPECT_EQ(stats.accepted, 0u);
  EXPECT_EQ(stats.duplicates, 100u);
  EXPECT_EQ(Stored(**db), 102u);

  ASSERT_TRUE((*db)->Flush().ok());
  db->reset();
  db = DB::Open(dir.Sub("db"), options);
  ASSERT_TRUE(db.ok());
  std::vector<UsageEvent> mixed = {maker.Make(kT + 10, 50), maker.Make(kT + 11, 1000)};
  ASSERT_TRUE((*db)->Append(mixed, &stats).ok());
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(Stored(**db), 103u);
}

TEST(DedupTest, IdsAreForgottenOutsideTheWindow) {
  testing::TempDir dir;
  Options options;
  options.dedup_window_us = kMicrosPerHour;
  auto db = DB::Open(dir.Sub("db"), options);
  ASSERT_TRUE(db.ok());
  EventMaker maker(6);
  std::vector<UsageEvent> first = {maker.Make(kT, 42)};
  ASSERT_TRUE((*db)->Append(first).ok());
  // Event time moves two hours on; the id seen at kT is outside the one-hour window.
  std::vector<UsageEvent> later = {maker.Make(kT + 2 * kMicrosPerHour, 43)};
  ASSERT_TRUE((*db)->Append(later).ok());
  AppendStats stats;
  std::vector<UsageEvent> again = {maker.Make(kT + 2 * kMicrosPerHour, 42)};
  ASSERT_TRUE((*db)->Append(again, &stats).ok());
  EXPECT_EQ(stats.accepted, 1u);
  // ... but an id seen within the window still is a duplicate.
  std::vector<UsageEvent> recent = {maker.Make(kT + 2 * kMicrosPerHour + 5, 43)};
  ASSERT_TRUE((*db)->Append(recent, &stats).ok());
  EXPECT_EQ(stats.duplicates, 1u);
  EXPECT_EQ(Stored(**db), 3u);
}

}  // namespace
}  // namespace tally
