// `tally verify`, `inspect` and `compact` end to end: verify passes on a good store and names a
// flipped block byte; inspect and verify run beside an ingest in another process; compact keeps
// every answer and does not grow the directory.
#include <filesystem>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "engine/inspect/inspect.h"
#include "engine/inspect/verify.h"
#include "engine/rollup/cell_row.h"
#include "engine/rollup/rollup_cell.h"
#include "engine/store/layout.h"
#include "support/raw_rocks.h"
#include "support/scan_all.h"
#include "support/temp_dir.h"
#include "tally/db.h"
#include "tool/tool_runner.h"
#include "tools/tally/format.h"

namespace tally::testing {
namespace {

const std::string kAzureTrace = std::string(TALLY_SOURCE_DIR) + "/../shared/data/azure-llm-inference-code-2023.csv";

void IngestTrace(const std::string& db, const std::string& workspace, const std::string& scratch,
                 const std::string& batch = "4096") {
  ToolResult r = RunTool({"ingest", "--db", db, "--format", "azure-trace", "--workspace", workspace, "--model", "m",
                          "--endpoint", "e", "--batch", batch, kAzureTrace},
                         scratch);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// The first number after "key": in a JSON text; -1 when absent.
int64_t JsonNumber(const std::string& json, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + key + "\":(-?[0-9]+)"))) return -1;
  return std::stoll(m[1]);
}

// Calls `change` with the raw RocksDB under a tally directory and the handle of its family
// `family` (every family open, the rollup ones with their merge operator).
template <typename Change>
void ChangeRaw(const std::string& path, std::string_view family, Change change) {
  RawRocks raw(path);
  change(raw.db.get(), raw.family(family));
}

// Flips one byte in the middle of the first stored block of series `series_id`.
void FlipBlockByte(const std::string& path, uint64_t series_id) {
  RawRocks raw(path);
  auto [key, value] = raw.FirstOf(raw.blocks(), series_id);
  ASSERT_FALSE(value.empty());
  value[value.size() / 2] ^= 0x10;
  ASSERT_TRUE(raw.db->Put(rocksdb::WriteOptions(), raw.blocks(), key, value).ok());
}

TEST(VerifyCommandTest, PassesOnAGoodStoreAndNamesAFlippedBlockByte) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  IngestTrace(db, "alpha", dir.path());
  IngestTrace(db, "beta", dir.path());
  ToolResult good = RunTool({"verify", "--db", db}, dir.path());
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("blocks          2 (17,638 events)"), std::string::npos) << good.out;
  EXPECT_NE(good.out.find("verify: OK"), std::string::npos) << good.out;

  uint64_t alpha = 0;
  {
    auto opened = DB::Open(db, Options());
    ASSERT_TRUE(opened.ok());
    auto series = (*opened)->ListSeries({{LabelMatcher::Equal(Label::kWorkspace, "alpha")}});
    ASSERT_TRUE(series.ok() && series->size() == 1);
    alpha = (*series)[0].id;
    // The library routine agrees.
    Result<inspect::VerifyReport> report = inspect::Verify(**opened);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok());
    EXPECT_EQ(report->block_events, 17638u);
  }
  FlipBlockByte(db, alpha);

  ToolResult bad = RunTool({"verify", "--db", db}, dir.path());
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("DAMAGE block: workspace=alpha,model=m,endpoint=e [2023-11-16T00:00:00Z .. 2023-11-23T00:00:00Z)"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("Corruption"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("verify: 1 problems"), std::string::npos) << bad.out;
  EXPECT_TRUE(bad.err.starts_with("tally: ")) << bad.err;
  ToolResult json = RunTool({"verify", "--db", db, "--json"}, dir.path());
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_NE(json.out.find("\"ok\":false"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"kind\":\"block\",\"series\":\"workspace=alpha,model=m,endpoint=e\""), std::string::npos)
      << json.out;

  // inspect still reports, counting the block it cannot read.
  ToolResult inspected = RunTool({"inspect", "--db", db, "--json"}, dir.path());
  EXPECT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_EQ(JsonNumber(inspected.out, "unreadable_blocks"), 1);
}

// The first stored row of `family`: its key and bytes.
std::pair<std::string, std::string> FirstRow(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), family));
  it->SeekToFirst();
  EXPECT_TRUE(it->Valid()) << it->status().ToString();
  if (!it->Valid()) return {};
  return {it->key().ToString(), it->value().ToString()};
}

TEST(VerifyCommandTest, NamesRollupCellsThatDisagreeWithRawEvents) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  IngestTrace(db, "alpha", dir.path());
  ToolResult good = RunTool({"verify", "--db", db, "--json"}, dir.path());
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_NE(good.out.find("\"rollups_checked\":true"), std::string::npos) << good.out;
  EXPECT_GT(JsonNumber(good.out, "rollup_cells"), 0) << good.out;

  // Damage no checksum can catch: a well-formed 1h cell with one input token too many.
  int64_t changed_hour = 0;
  ChangeRaw(db, "rollup.1h", [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* family) {
    auto [key, value] = FirstRow(raw, family);
    rollup::CellRowView view;
    ASSERT_TRUE(rollup::ParseCellRow(value, &view).ok());
    const int index = std::countr_zero(view.presence);
    rollup::RollupCell cell;
    ASSERT_TRUE(rollup::RollupCell::Decode(view.cells[index], &cell).ok());
    cell.input_tokens += 1;
    std::string encoded;
    cell.Encode(&encoded);
    view.cells[index] = encoded;
    std::string row;
    rollup::EncodeCellRow(view, &row);
    changed_hour = static_cast<int64_t>(store::DecodeFixed64BE(key.data() + 8)) + index * kMicrosPerHour;
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), family, key, row).ok());
  });
  // A day row gone, and a minute row with a flipped byte.
  ChangeRaw(db, "rollup.1d", [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* family) {
    ASSERT_TRUE(raw->Delete(rocksdb::WriteOptions(), family, FirstRow(raw, family).first).ok());
  });
  ChangeRaw(db, "rollup.1m", [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* family) {
    auto [key, value] = FirstRow(raw, family);
    value[value.size() / 2] ^= 0x04;
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), family, key, value).ok());
  });

  ToolResult bad = RunTool({"verify", "--db", db}, dir.path());
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  std::string hour_damage = "DAMAGE rollup mismatch: workspace=alpha,model=m,endpoint=e [";
  hour_damage.append(cli::FormatIsoTime(changed_hour)).append(" .. ");
  hour_damage.append(cli::FormatIsoTime(changed_hour + kMicrosPerHour)).append("): 1h cell: holds ");
  EXPECT_NE(bad.out.find(hour_damage), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("DAMAGE rollup mismatch: workspace=alpha,model=m,endpoint=e [2023-11-16T00:00:00Z .. "
                         "2023-11-17T00:00:00Z): 1d cell: missing; the raw events give 8819 requests"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("DAMAGE rollup: workspace=alpha,model=m,endpoint=e ["), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("1m row: Corruption: rollup row: checksum mismatch"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("verify: 3 problems"), std::string::npos) << bad.out;
}

TEST(VerifyCommandTest, NamesDamageThatKeepsTheDatabaseFromOpening) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  IngestTrace(db, "alpha", dir.path());
  uint64_t id = 0;
  {
    Options options;
    options.read_only = true;
    auto opened = DB::Open(db, options);
    ASSERT_TRUE(opened.ok());
    id = (*(*opened)->ListSeries({}))[0].id;
  }
  // A series record whose key no longer decodes: DB::Open refuses the directory.
  ChangeRaw(db, store::kSeriesFamily, [&](rocksdb::DB* raw, rocksdb::ColumnFamilyHandle* series) {
    ASSERT_TRUE(raw->Put(rocksdb::WriteOptions(), series, store::SeriesByIdKey(id), "\x7f garbage").ok());
  });
  EXPECT_FALSE(DB::Open(db, Options()).ok());
  ToolResult r = RunTool({"verify", "--db", db}, dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("DAMAGE series record: id " + std::to_string(id) + ": series key does not decode"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(r.err.starts_with("tally: ")) << r.err;
  Result<inspect::VerifyReport> report = inspect::VerifyDirectory(db);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->ok());
  // inspect cannot open it and says so in one line.
  ToolResult inspected = RunTool({"inspect", "--db", db}, dir.path());
  EXPECT_EQ(inspected.exit_code, 1);
  EXPECT_TRUE(inspected.err.starts_with("tally: cannot open " + db + ": Corruption")) << inspected.err;
}

TEST(InspectCommandTest, ReportsWhatIsStored) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  IngestTrace(db, "alpha", dir.path());
  ToolResult r = RunTool({"inspect", "--db", db, "--json"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonNumber(r.out, "series"), 1);
  EXPECT_EQ(JsonNumber(r.out, "events"), 8819);
  EXPECT_EQ(JsonNumber(r.out, "min_timestamp_us"), 1700158623979960);  // 2023-11-16 18:17:03.9799600
  // The tool creates stores with the 1m/1h/1d rollups, and the default retention.
  EXPECT_NE(r.out.find("{\"resolution\":\"1m\",\"maintained\":true,\"resolution_us\":60000000,"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"retention\":[{\"what\":\"raw\",\"keep_us\":0,\"expired_before\":null}"), std::string::npos)
      << r.out;
  ToolResult text = RunTool({"inspect", "--db", db}, dir.path());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("events         8,819  (blocks 8,819, head 0)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("input_tokens"), std::string::npos) << text.out;

  Options options;
  options.read_only = true;
  auto opened = DB::Open(db, options);
  ASSERT_TRUE(opened.ok());
  Result<inspect::Report> report = inspect::Inspect(**opened);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->events, 8819u);
  EXPECT_EQ(report->blocks.columns.size(), 7u);
  EXPECT_GT(report->BlockBytesPerEvent(), 0);
  // Every resolution's cells count every event once.
  ASSERT_EQ(report->rollups.size(), 3u);
  for (const inspect::RollupReport& rollup : report->rollups) {
    EXPECT_EQ(rollup.requests, 8819u) << rollup.resolution;
    EXPECT_EQ(rollup.unreadable_rows, 0u) << rollup.resolution;
    EXPECT_GT(rollup.rows, 0u) << rollup.resolution;
  }
  EXPECT_LT(report->rollups[2].cells, report->rollups[1].cells);
  EXPECT_LT(report->rollups[1].cells, report->rollups[0].cells);
  EXPECT_EQ(JsonNumber(r.out, "requests"), 8819);
}

// A CSV file of `rows` valid rows over `series` series, for a long-running ingest.
std::string BigCsv(const std::string& path, int rows, int series) {
  std::string text = "timestamp,workspace,model,endpoint,input_tokens,output_tokens,latency_us,outcome\n";
  text.reserve(static_cast<size_t>(rows) * 70);
  const int64_t start = 1'793'534'400'000'000;
  for (int i = 0; i < rows; ++i) {
    text += std::to_string(start + int64_t{i} * 1000);
    text += ",ws-" + std::to_string(i % series) + ",model,chat,";
    text += std::to_string(i % 5000) + "," + std::to_string(i % 700) + "," + std::to_string(i % 100000) + ",success\n";
  }
  WriteFile(path, text);
  return path;
}

TEST(InspectCommandTest, RunsBesideARunningIngest) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  constexpr int kRows = 2'500'000;
  const std::string csv = BigCsv(dir.Sub("big.csv"), kRows, 50);
  ToolProcess ingest({"ingest", "--db", db, "--batch", "2000", csv}, dir.path());
  ASSERT_TRUE(ingest.started());
  // Until the writer has finished creating the database, a reader is told there is none (or not
  // a complete one); wait for the first successful read.
  while (ingest.Running() && RunTool({"inspect", "--db", db}, dir.path()).exit_code != 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int beside = 0;
  int64_t last_events = 0;
  int64_t last_requests = 0;
  // Each reader is started while the writer runs (so it overlaps it), the writer's answers
  // checked whenever it finishes.
  while (ingest.Running()) {
    ToolResult inspected = RunTool({"inspect", "--db", db, "--json"}, dir.path());
    if (!ingest.Running()) break;
    ToolResult verified = RunTool({"verify", "--db", db, "--json"}, dir.path());
    if (!ingest.Running()) break;
    ToolResult queried = RunTool({"query", "summary", "--db", db, "--format", "json"}, dir.path());
    ++beside;
    ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
    ASSERT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    ASSERT_EQ(queried.exit_code, 0) << queried.err;
    const int64_t events = JsonNumber(inspected.out, "events");
    EXPECT_GE(events, last_events);  // a later reader sees at least what an earlier one saw
    EXPECT_LE(events, kRows);
    EXPECT_LE(JsonNumber(inspected.out, "series"), 50);
    last_events = events;
    const int64_t requests = JsonNumber(queried.out, "requests");
    EXPECT_GE(requests, last_requests);
    EXPECT_LE(requests, kRows);
    last_requests = requests;
  }
  ToolResult done = ingest.Wait();
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_GT(beside, 0) << "the ingest finished before a reader could run beside it";
  ToolResult final_report = RunTool({"inspect", "--db", db, "--json"}, dir.path());
  EXPECT_EQ(JsonNumber(final_report.out, "events"), kRows);
  ToolResult final_query = RunTool({"query", "summary", "--db", db, "--format", "json"}, dir.path());
  EXPECT_EQ(JsonNumber(final_query.out, "requests"), kRows);
}

TEST(CompactCommandTest, KeepsEveryAnswerAndDoesNotGrowTheDirectory) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  // Small batches in three runs: many small blocks and a populated log history to reclaim.
  IngestTrace(db, "alpha", dir.path(), "100");
  IngestTrace(db, "beta", dir.path(), "100");
  IngestTrace(db, "alpha", dir.path(), "100");
  SeriesRows before;
  {
    Options options;
    options.read_only = true;
    auto opened = DB::Open(db, options);
    ASSERT_TRUE(opened.ok());
    ASSERT_TRUE(ScanAll(**opened, &before).ok());
  }
  ASSERT_EQ(CountRows(before), 3u * 8819);
  // Answers of `tally query` (CSV: no statistics of how they were found, which may change).
  const std::vector<std::vector<std::string>> questions = {
      {"query", "summary", "--db", db, "--format", "csv"},
      {"query", "series", "--db", db, "--step", "minute", "--group-by", "workspace", "--format", "csv"},
      {"query", "top", "--db", db, "--by", "workspace", "--measure", "tokens", "--format", "csv"},
      {"query", "latency", "--db", db, "--step", "hour", "--quantiles", "0.5,0.99", "--format", "csv"},
  };
  std::vector<std::string> answers_before;
  for (const auto& question : questions) {
    ToolResult answer = RunTool(question, dir.path());
    ASSERT_EQ(answer.exit_code, 0) << answer.err;
    answers_before.push_back(answer.out);
  }
  ToolResult r = RunTool({"compact", "--db", db, "--json"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const int64_t bytes_before = JsonNumber(r.out, "bytes_before");
  const int64_t bytes_after = JsonNumber(r.out, "bytes_after");
  EXPECT_GT(bytes_before, 0) << r.out;
  EXPECT_LE(bytes_after, bytes_before) << r.out;
  SeriesRows after;
  {
    Options options;
    options.read_only = true;
    auto opened = DB::Open(db, options);
    ASSERT_TRUE(opened.ok());
    ASSERT_TRUE(ScanAll(**opened, &after).ok());
  }
  EXPECT_EQ(after, before);
  for (size_t i = 0; i < questions.size(); ++i) {
    ToolResult answer = RunTool(questions[i], dir.path());
    ASSERT_EQ(answer.exit_code, 0) << answer.err;
    EXPECT_EQ(answer.out, answers_before[i]) << questions[i][1];
  }
  ToolResult text = RunTool({"compact", "--db", db}, dir.path());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(std::regex_search(text.out, std::regex("^compacted .* in [0-9.]+ s: [0-9]+ -> [0-9]+ bytes \\(")))
      << text.out;
  EXPECT_EQ(RunTool({"verify", "--db", db}, dir.path()).exit_code, 0);
}

}  // namespace
}  // namespace tally::testing
