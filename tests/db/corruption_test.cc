// Damage is reported, never a crash or a silent wrong answer: a flipped byte in a stored block is a
// Corruption naming the block while other series still read; damaged SST files give Corruption or
// the unchanged answer.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "engine/store/layout.h"
#include "support/event_maker.h"
#include "support/raw_rocks.h"
#include "support/scan_all.h"
#include "support/temp_dir.h"
#include "tally/db.h"
#include "tally/query.h"

namespace tally {
namespace {

constexpr int64_t kT = 1'790'000'000'000'000;

// Writes two series, A and B, into blocks and returns the directory's tally DB closed.
void MakeTwoSeries(const std::string& path) {
  auto db = DB::Open(path, Options());
  ASSERT_TRUE(db.ok());
  testing::EventMaker maker(4);
  std::vector<UsageEvent> batch;
  for (int i = 0; i < 400; ++i) {
    UsageEvent e = maker.Make(kT + i * 1000);
    e.workspace = i % 2 == 0 ? "A" : "B";
    e.model = "m";
    e.endpoint = "e";
    e.environment = "";
    e.api_key = "";
    batch.push_back(e);
  }
  ASSERT_TRUE((*db)->Append(batch).ok());
  ASSERT_TRUE((*db)->Compact().ok());
}

using testing::RawRocks;

TEST(CorruptionTest, FlippedBlockByteIsNamedAndOtherSeriesStillRead) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  MakeTwoSeries(path);
  uint64_t id_a = 0;
  {
    auto db = DB::Open(path, Options());
    ASSERT_TRUE(db.ok());
    auto series = (*db)->ListSeries({{LabelMatcher::Equal(Label::kWorkspace, "A")}});
    ASSERT_TRUE(series.ok());
    ASSERT_EQ(series->size(), 1u);
    id_a = (*series)[0].id;
  }
  {
    RawRocks raw(path);
    auto [key, value] = raw.FirstOf(raw.blocks(), id_a);
    ASSERT_FALSE(value.empty());
    value[value.size() / 2] ^= 0x20;
    ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.blocks(), key, value).ok());
  }
  auto db = DB::Open(path, Options());
  ASSERT_TRUE(db.ok());
  testing::SeriesRows rows;
  Status s = testing::ScanAll(**db, &rows, {{LabelMatcher::Equal(Label::kWorkspace, "A")}});
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("series workspace=A,model=m,endpoint=e"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("block of window"), std::string::npos) << s.ToString();
  Status b = testing::ScanAll(**db, &rows, {{LabelMatcher::Equal(Label::kWorkspace, "B")}});
  EXPECT_TRUE(b.ok()) << b.ToString();
  EXPECT_EQ(testing::CountRows(rows), 200u);
  EXPECT_TRUE((*db)->GetStats().status().IsCorruption());
}

// A damaged rollup operand (merged on top of a good row, as a flush would) fails the query that
// reads it with Corruption naming the series; it is never counted as zero, and other series still
// answer.
TEST(CorruptionTest, DamagedRollupOperandIsCorruptionNotZero) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  MakeTwoSeries(path);  // with the default 1m/1h/1d rollups
  uint64_t id_a = 0;
  {
    auto db = DB::Open(path, Options());
    ASSERT_TRUE(db.ok());
    auto series = (*db)->ListSeries({{LabelMatcher::Equal(Label::kWorkspace, "A")}});
    ASSERT_TRUE(series.ok() && series->size() == 1);
    id_a = (*series)[0].id;
  }
  {
    RawRocks raw(path);
    rocksdb::ColumnFamilyHandle* hours = raw.family("rollup.1h");
    auto [key, operand] = raw.FirstOf(hours, id_a);
    ASSERT_FALSE(operand.empty());
    operand[operand.size() / 2] ^= 0x08;
    ASSERT_TRUE(raw.db->Merge(rocksdb::WriteOptions(), hours, key, operand).ok());
  }
  auto db = DB::Open(path, Options());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Query a;
  a.filter.matchers = {LabelMatcher::Equal(Label::kWorkspace, "A")};
  a.range = {kT - kMicrosPerDay, kT + kMicrosPerDay};
  a.step = Step::kHour;  // reads the hour cells
  Result<QueryResult> got = (*db)->Query(a);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsCorruption()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("workspace=A,model=m,endpoint=e"), std::string::npos) << got.status().ToString();
  Query b = a;
  b.filter.matchers = {LabelMatcher::Equal(Label::kWorkspace, "B")};
  b.step = Step::kNone;
  got = (*db)->Query(b);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->rows.size(), 1u);
  EXPECT_EQ(got->rows[0].totals.requests, 200u);
}

TEST(CorruptionTest, DamagedSstFilesNeverGiveWrongAnswers) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  MakeTwoSeries(path);
  testing::SeriesRows good;
  {
    auto db = DB::Open(path, Options());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(testing::ScanAll(**db, &good).ok());
  }
  std::vector<std::filesystem::path> ssts;
  for (auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".sst") ssts.push_back(entry.path());
  }
  ASSERT_FALSE(ssts.empty());
  const std::string copy = dir.Sub("copy");
  int corruptions = 0;
  for (const auto& sst : ssts) {
    const auto size = std::filesystem::file_size(sst);
    for (int k = 1; k <= 6; ++k) {
      std::filesystem::remove_all(copy);
      std::filesystem::copy(path, copy);
      std::filesystem::path target = std::filesystem::path(copy) / sst.filename();
      std::fstream f(target, std::ios::in | std::ios::out | std::ios::binary);
      const std::streamoff at = static_cast<std::streamoff>(size * k / 7);
      f.seekg(at);
      char c = 0;
      f.read(&c, 1);
      c ^= 0x5a;
      f.seekp(at);
      f.write(&c, 1);
      f.close();
      auto db = DB::Open(copy, Options());
      if (!db.ok()) {
        EXPECT_TRUE(db.status().IsCorruption()) << db.status().ToString();
        ++corruptions;
        continue;
      }
      testing::SeriesRows rows;
      Status s = testing::ScanAll(**db, &rows);
      if (s.ok()) {
        EXPECT_EQ(rows, good) << sst.filename() << " at " << at;
      } else {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        ++corruptions;
      }
    }
  }
  EXPECT_GT(corruptions, 0);
}

}  // namespace
}  // namespace tally
