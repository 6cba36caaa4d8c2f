// Opening: what a directory may hold, options that must not change, one writer at a time,
// read-only readers beside a writer.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "support/event_maker.h"
#include "support/scan_all.h"
#include "support/temp_dir.h"
#include "tally/db.h"
#include "tally/query.h"

namespace tally {
namespace {

constexpr int64_t kT = 1'790'000'000'000'000;

TEST(OpenTest, MissingDirectoryWithoutCreateIsNotFound) {
  testing::TempDir dir;
  Options options;
  options.create_if_missing = false;
  auto db = DB::Open(dir.Sub("nothing"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsNotFound()) << db.status().ToString();
}

TEST(OpenTest, ForeignDirectoryIsRefused) {
  testing::TempDir dir;
  std::ofstream(dir.Sub("notes.txt")) << "not a database";
  auto db = DB::Open(dir.path(), Options());
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsInvalidArgument());
  EXPECT_NE(db.status().message().find("holds no tally database"), std::string::npos) << db.status().ToString();

  // A plain RocksDB database is not a tally one either.
  rocksdb::DB* raw = nullptr;
  rocksdb::Options ro;
  ro.create_if_missing = true;
  ASSERT_TRUE(rocksdb::DB::Open(ro, dir.Sub("rocks"), &raw).ok());
  delete raw;
  db = DB::Open(dir.Sub("rocks"), Options());
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsInvalidArgument());
  EXPECT_NE(db.status().message().find("not a tally database"), std::string::npos) << db.status().ToString();
}

// The rollup resolutions of a database, as its queries report them.
std::vector<int64_t> ResolutionsOf(DB& db) {
  Query q;
  q.range = {kT, kT + kMicrosPerHour};
  Result<QueryResult> r = db.Query(q);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->stats.resolutions_us : std::vector<int64_t>{-1};
}

TEST(OpenTest, RollupResolutionsAreChosenAtCreationAndCheckedOnOpen) {
  testing::TempDir dir;
  // Default: 1 minute, 1 hour, 1 day.
  {
    auto db = DB::Open(dir.Sub("default"), Options());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_EQ(ResolutionsOf(**db), kStandardRollupResolutions);
  }
  // None, kept as none: a later open with the default options does not add them.
  Options none;
  none.create_rollups = false;
  {
    auto db = DB::Open(dir.Sub("none"), none);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_TRUE(ResolutionsOf(**db).empty());
  }
  {
    auto db = DB::Open(dir.Sub("none"), Options());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_TRUE(ResolutionsOf(**db).empty());
  }
  // Custom ones are recorded; asking for others later is refused, naming why.
  Options custom;
  custom.rollup_resolutions_us = {5 * kMicrosPerMinute, kMicrosPerHour};
  {
    auto db = DB::Open(dir.Sub("custom"), custom);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }
  {
    auto db = DB::Open(dir.Sub("custom"), Options());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_EQ(ResolutionsOf(**db), custom.rollup_resolutions_us);
  }
  Options other;
  other.rollup_resolutions_us = kStandardRollupResolutions;
  auto refused = DB::Open(dir.Sub("custom"), other);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_NE(refused.status().message().find("other resolutions"), std::string::npos) << refused.status().ToString();
  refused = DB::Open(dir.Sub("none"), other);
  EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();

  // Contradictory or malformed lists are refused before anything is created.
  Options contradictory;
  contradictory.create_rollups = false;
  contradictory.rollup_resolutions_us = kStandardRollupResolutions;
  EXPECT_TRUE(DB::Open(dir.Sub("contradictory"), contradictory).status().IsInvalidArgument());
  Options descending;
  descending.rollup_resolutions_us = {kMicrosPerHour, kMicrosPerMinute};
  EXPECT_TRUE(DB::Open(dir.Sub("descending"), descending).status().IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("contradictory")));
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("descending")));
}

TEST(OpenTest, InterruptedCreationIsCompletedNotRefused) {
  testing::TempDir dir;
  // Killed right after the marker: the directory holds nothing else.
  std::filesystem::create_directories(dir.Sub("marker-only"));
  std::ofstream(dir.Sub("marker-only/TALLY")) << "tally database\n";
  Options ro;
  ro.read_only = true;
  auto reader = DB::Open(dir.Sub("marker-only"), ro);
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(reader.status().IsNotFound()) << reader.status().ToString();
  EXPECT_TRUE(DB::Open(dir.Sub("marker-only"), Options()).ok());

  // Killed after RocksDB made its default family, before tally's families and meta.
  std::filesystem::create_directories(dir.Sub("half"));
  std::ofstream(dir.Sub("half/TALLY")) << "tally database\n";
  rocksdb::DB* raw = nullptr;
  rocksdb::Options options;
  options.create_if_missing = true;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.Sub("half"), &raw).ok());
  delete raw;
  reader = DB::Open(dir.Sub("half"), ro);
  ASSERT_FALSE(reader.ok());
  EXPECT_TRUE(reader.status().IsNotFound()) << reader.status().ToString();
  auto db = DB::Open(dir.Sub("half"), Options());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  testing::EventMaker maker(1);
  std::vector<UsageEvent> batch = {maker.Make(kT)};
  EXPECT_TRUE((*db)->Append(batch).ok());
}

TEST(OpenTest, ShapeOptionsAreCheckedOnReopen) {
  testing::TempDir dir;
  Options options;
  options.block_window_us = kMicrosPerHour;
  ASSERT_TRUE(DB::Open(dir.Sub("db"), options).ok());
  options.block_window_us = kMicrosPerDay;
  auto db = DB::Open(dir.Sub("db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsInvalidArgument());
  EXPECT_NE(db.status().message().find("block_window_us is 3600000000"), std::string::npos);
  options.block_window_us = 0;  // "whatever is stored"
  EXPECT_TRUE(DB::Open(dir.Sub("db"), options).ok());
}

TEST(OpenTest, ErrorIfExists) {
  testing::TempDir dir;
  ASSERT_TRUE(DB::Open(dir.Sub("db"), Options()).ok());
  Options options;
  options.error_if_exists = true;
  auto db = DB::Open(dir.Sub("db"), options);
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(db.status().IsInvalidArgument());
}

TEST(OpenTest, SecondWriterIsBusy) {
  testing::TempDir dir;
  auto first = DB::Open(dir.Sub("db"), Options());
  ASSERT_TRUE(first.ok());
  auto second = DB::Open(dir.Sub("db"), Options());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsBusy()) << second.status().ToString();
}

TEST(OpenTest, ReadOnlyReaderSeesWhatWasAcknowledgedAndCatchesUp) {
  testing::TempDir dir;
  auto writer = DB::Open(dir.Sub("db"), Options());
  ASSERT_TRUE(writer.ok());
  testing::EventMaker maker(9);
  std::vector<UsageEvent> batch;
  for (int i = 0; i < 300; ++i) batch.push_back(maker.Make(kT + i));
  ASSERT_TRUE((*writer)->Append(std::span(batch).first(200)).ok());
  ASSERT_TRUE((*writer)->Flush().ok());
  ASSERT_TRUE((*writer)->Append(std::span(batch).subspan(200, 50)).ok());  // only in the log

  Options ro;
  ro.read_only = true;
  auto reader = DB::Open(dir.Sub("db"), ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  testing::SeriesRows rows;
  Status scanned = testing::ScanAll(**reader, &rows);
  ASSERT_TRUE(scanned.ok()) << scanned.ToString();
  EXPECT_EQ(testing::CountRows(rows), 250u);
  EXPECT_TRUE((*reader)->Append(batch).IsNotSupported());

  ASSERT_TRUE((*writer)->Append(std::span(batch).subspan(250)).ok());
  ASSERT_TRUE((*writer)->Flush().ok());
  ASSERT_TRUE((*reader)->Refresh().ok());
  ASSERT_TRUE(testing::ScanAll(**reader, &rows).ok());
  EXPECT_EQ(testing::CountRows(rows), 300u);
}

}  // namespace
}  // namespace tally
