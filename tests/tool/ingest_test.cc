// `tally ingest` end to end: the real Azure trace's totals and per-minute counts, rejected rows
// with their line numbers and reasons, --strict, exactly-once re-ingest, JSON lines.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tally/db.h"
#include "tool/tool_runner.h"

namespace tally::testing {
namespace {

const std::string kAzureTrace = std::string(TALLY_SOURCE_DIR) + "/../shared/data/azure-llm-inference-code-2023.csv";

// The trace recomputed from its text, independently of the tool: totals and requests per minute.
struct TraceTotals {
  int64_t requests = 0, input = 0, output = 0;
  std::map<int64_t, int64_t> per_minute;  // minute start (µs) -> requests
};

// "2023-11-16 18:17:03.9799600" -> µs since the epoch, the digits below 1 µs dropped.
int64_t TraceTimeUs(const std::string& text) {
  int y, mo, d, h, mi, s;
  char fraction[16] = {0};
  if (std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d.%15[0-9]", &y, &mo, &d, &h, &mi, &s, fraction) != 7) return -1;
  std::string micros(fraction);
  micros = (micros + "000000").substr(0, 6);
  using namespace std::chrono;
  const sys_days day = year_month_day{year(y), month(static_cast<unsigned>(mo)), std::chrono::day(static_cast<unsigned>(d))};
  const int64_t seconds = day.time_since_epoch().count() * 86400LL + h * 3600 + mi * 60 + s;
  return seconds * 1'000'000 + std::stoll(micros);
}

TraceTotals ReadTrace(const std::string& path) {
  TraceTotals t;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t c1 = line.find(','), c2 = line.find(',', c1 + 1);
    const int64_t us = TraceTimeUs(line.substr(0, c1));
    EXPECT_GT(us, 0) << line;
    ++t.requests;
    t.input += std::stoll(line.substr(c1 + 1, c2 - c1 - 1));
    t.output += std::stoll(line.substr(c2 + 1));
    ++t.per_minute[us / 60'000'000 * 60'000'000];
  }
  return t;
}

TraceTotals ReadDb(const std::string& dir, const SeriesFilter& filter = {}) {
  TraceTotals t;
  Options options;
  options.read_only = true;
  auto db = DB::Open(dir, options);
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return t;
  Status s = (*db)->ScanEvents(filter, {}, [&](const SeriesInfo&, std::span<const EventRow> rows) {
    for (const EventRow& r : rows) {
      ++t.requests;
      t.input += r.input_tokens;
      t.output += r.output_tokens;
      ++t.per_minute[r.timestamp_us / 60'000'000 * 60'000'000];
    }
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return t;
}

TEST(IngestTest, AzureTraceTotalsAndMinutesMatchTheFile) {
  ASSERT_TRUE(std::filesystem::exists(kAzureTrace)) << "the Azure trace is missing: " << kAzureTrace;
  TempDir dir;
  const std::string db = dir.Sub("db");
  ToolResult r = RunTool({"ingest", "--db", db, "--format", "azure-trace", "--workspace", "acme", "--model",
                          "gpt-4", "--endpoint", "code", "--environment", "production", kAzureTrace},
                         dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const TraceTotals file = ReadTrace(kAzureTrace);
  EXPECT_EQ(file.requests, 8819);
  EXPECT_EQ(r.out, "ingested " + kAzureTrace + ": 8819 accepted, 0 duplicates, 0 rejected\n");
  const TraceTotals stored =
      ReadDb(db, {{LabelMatcher::Equal(Label::kWorkspace, "acme"), LabelMatcher::Equal(Label::kModel, "gpt-4"),
                   LabelMatcher::Equal(Label::kEndpoint, "code"),
                   LabelMatcher::Equal(Label::kEnvironment, "production")}});
  EXPECT_EQ(stored.requests, file.requests);
  EXPECT_EQ(stored.input, file.input);
  EXPECT_EQ(stored.output, file.output);
  EXPECT_EQ(stored.per_minute, file.per_minute);

  // The same answers from `tally query`: totals as JSON, and requests per minute as CSV.
  ToolResult summary = RunTool({"query", "summary", "--db", db, "--workspace", "acme", "--format", "json"}, dir.path());
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("{\"requests\":" + std::to_string(file.requests) + ",\"input_tokens\":" +
                             std::to_string(file.input) + ",\"output_tokens\":" + std::to_string(file.output) + ","),
            std::string::npos)
      << summary.out;
  EXPECT_NE(summary.out.find("\"success_rate\":1,\"retryable_error_rate\":0,\"fatal_error_rate\":0"),
            std::string::npos)
      << summary.out;
  ToolResult minutes = RunTool({"query", "series", "--db", db, "--step", "minute", "--format", "csv"}, dir.path());
  ASSERT_EQ(minutes.exit_code, 0) << minutes.err;
  std::istringstream lines(minutes.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_TRUE(line.starts_with("time,requests,input_tokens,output_tokens,")) << line;
  std::map<int64_t, int64_t> per_minute;
  while (std::getline(lines, line)) {
    const size_t comma = line.find(',');
    const int64_t minute = TraceTimeUs(line.substr(0, 10) + " " + line.substr(11, 8) + ".0");
    per_minute[minute] = std::stoll(line.substr(comma + 1, line.find(',', comma + 1) - comma - 1));
  }
  EXPECT_EQ(per_minute, file.per_minute);
}

TEST(IngestTest, AzureTraceNeedsLabelFlags) {
  TempDir dir;
  ToolResult r = RunTool({"ingest", "--db", dir.Sub("db"), "--format", "azure-trace", kAzureTrace}, dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--workspace"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db")));
}

constexpr const char* kHeader = "timestamp,workspace,model,endpoint,input_tokens,output_tokens,latency_ms,outcome,event_id\n";

TEST(IngestTest, BadRowsAreNamedAndGoodRowsStored) {
  TempDir dir;
  const std::string csv = dir.Sub("usage.csv");
  WriteFile(csv, std::string(kHeader) +
                     "2026-11-01T12:00:00Z,acme,gpt,chat,100,20,12.5,success,1\n"        // line 2: good
                     "2026-11-01T12:00:01Z,acme,gpt,chat,-5,20,12.5,success,2\n"         // 3: negative
                     "2026-11-01T12:00:02Z,acme,gpt,chat,100,2x,12.5,success,3\n"        // 4: not an integer
                     "2026-11-01T12:00:03Z,acme,gpt,chat,100,20,12.5,exploded,4\n"       // 5: outcome
                     "\"2026-11-01T12:00:04Z\",\"ac,me\",gpt,chat,100,20,1,success,5\n"  // 6: good, quoted
                     "2026-11-01T12:00:05Z,acme,gpt,chat,100,20\n"                       // 7: too few fields
                     "2026-02-30T12:00:00Z,acme,gpt,chat,100,20,12.5,success,6\n"        // 8: no such date
                     "1999-12-31T23:59:59Z,acme,gpt,chat,100,20,12.5,success,7\n"        // 9: before 2000
                     "2026-11-01T12:00:06Z,,gpt,chat,100,20,12.5,success,8\n"            // 10: no workspace
                     "2026-11-01T12:00:07.5+01:00,acme,gpt,chat,1,2,0.0425,fatal_error,9\n");  // 11: good
  const std::string rejects = dir.Sub("rejects.csv");
  ToolResult r = RunTool({"ingest", "--db", dir.Sub("db"), "--rejects", rejects, csv}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ingested " + csv + ": 3 accepted, 0 duplicates, 7 rejected\n");
  const std::vector<std::string> expected = {
      csv + ":3: input_tokens: negative value -5",
      csv + ":4: output_tokens: not an integer ('2x')",
      csv + ":5: outcome: not success, retryable_error or fatal_error ('exploded')",
      csv + ":7: expected 9 fields, found 6",
      csv + ":8: timestamp: no such date ('2026-02-30T12:00:00Z')",
      csv + ":9: timestamp: 946684799000000 µs is outside [2000-01-01, 2200-01-01)",
      csv + ":10: workspace: missing",
  };
  for (const std::string& line : expected) EXPECT_NE(r.err.find(line + "\n"), std::string::npos) << line << "\n" << r.err;
  const std::string listed = ReadFile(rejects);
  EXPECT_TRUE(listed.starts_with("file,line,field,reason,row\n")) << listed;
  EXPECT_NE(listed.find(csv + ",3,input_tokens,negative value -5,\"2026-11-01T12:00:01Z,acme,gpt,chat,-5,20,12.5,success,2\"\n"),
            std::string::npos)
      << listed;
  EXPECT_NE(listed.find(csv + ",7,,\"expected 9 fields, found 6\","), std::string::npos) << listed;
  EXPECT_NE(listed.find(csv + ",10,workspace,missing,"), std::string::npos) << listed;

  Options options;
  options.read_only = true;
  auto db = DB::Open(dir.Sub("db"), options);
  ASSERT_TRUE(db.ok());
  std::map<std::string, std::vector<EventRow>> rows;
  ASSERT_TRUE((*db)->ScanEvents({}, {}, [&](const SeriesInfo& s, std::span<const EventRow> events) {
                  rows[s.labels.Get(Label::kWorkspace)].assign(events.begin(), events.end());
                  return Status::OK();
                }).ok());
  ASSERT_EQ(rows["acme"].size(), 2u);
  ASSERT_EQ(rows["ac,me"].size(), 1u);
  // Scans come in time order: 12:00:07.5 at +01:00 is 11:00:07.5 UTC, before 12:00:00Z.
  const EventRow& early = rows["acme"][0];
  const EventRow& noon = rows["acme"][1];
  EXPECT_EQ(noon.timestamp_us, 1'793'534'400'000'000);  // 2026-11-01T12:00:00Z
  EXPECT_EQ(noon.latency_us, 12'500);
  EXPECT_EQ(noon.event_id, 1u);
  EXPECT_EQ(early.timestamp_us, noon.timestamp_us - 3600'000'000 + 7'500'000);
  EXPECT_EQ(early.latency_us, 43);  // 0.0425 ms rounds half up to 43 µs
  EXPECT_EQ(early.outcome, Outcome::kFatalError);
}

TEST(IngestTest, StderrListsTwentyRejectsPerFileAndTheRejectsFileAll) {
  TempDir dir;
  const std::string csv = dir.Sub("many.csv");
  std::string text = kHeader;
  for (int i = 0; i < 25; ++i) text += "2026-11-01T12:00:00Z,acme,gpt,chat,x" + std::to_string(i) + ",1,1,success,\n";
  WriteFile(csv, text);
  const std::string rejects = dir.Sub("rejects.csv");
  ToolResult r = RunTool({"ingest", "--db", dir.Sub("db"), "--rejects", rejects, csv}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 21) << r.err;
  EXPECT_NE(r.err.find(csv + ":21: input_tokens: not an integer ('x19')\n"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(csv + ":22:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(csv + ": ... 5 more rejected rows (all in " + rejects + ")"), std::string::npos) << r.err;
  const std::string listed = ReadFile(rejects);
  EXPECT_EQ(std::count(listed.begin(), listed.end(), '\n'), 26) << listed;
  EXPECT_NE(listed.find(csv + ",26,input_tokens,not an integer ('x24'),"), std::string::npos) << listed;
}

TEST(IngestTest, StrictStoresNothingOfABadFile) {
  TempDir dir;
  const std::string good = dir.Sub("good.csv"), bad = dir.Sub("bad.csv");
  WriteFile(good, std::string(kHeader) + "2026-11-01T12:00:00Z,acme,gpt,chat,100,20,12.5,success,1\n");
  WriteFile(bad, std::string(kHeader) + "2026-11-01T12:00:01Z,acme,gpt,chat,100,20,12.5,success,2\n" +
                     "2026-11-01T12:00:02Z,acme,gpt,chat,100,20,12.5,maybe,3\n");
  ToolResult r = RunTool({"ingest", "--db", dir.Sub("db"), "--strict", good, bad}, dir.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad + ":3: outcome:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tally: " + bad + ": 1 bad rows; nothing of this file was stored (--strict)"), std::string::npos)
      << r.err;
  EXPECT_EQ(ReadDb(dir.Sub("db")).requests, 1);  // the good file only
}

TEST(IngestTest, ReingestingEventIdsCountsNothingTwice) {
  TempDir dir;
  const std::string csv = dir.Sub("ids.csv");
  std::string text = kHeader;
  for (int i = 0; i < 5000; ++i) {
    text += "2026-11-01T12:" + std::string(i / 600 < 10 ? "0" : "") + std::to_string(i / 600) + ":00Z,acme,gpt,chat," +
            std::to_string(i) + ",1,1,success,evt-" + std::to_string(i) + "\n";
  }
  WriteFile(csv, text);
  ToolResult first = RunTool({"ingest", "--db", dir.Sub("db"), "--batch", "1000", csv}, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "ingested " + csv + ": 5000 accepted, 0 duplicates, 0 rejected\n");
  ToolResult second = RunTool({"ingest", "--db", dir.Sub("db"), "--json", csv}, dir.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("\"rows\":5000,\"accepted\":0,\"duplicates\":5000,\"rejected\":0"), std::string::npos)
      << second.out;
  const TraceTotals stored = ReadDb(dir.Sub("db"));
  EXPECT_EQ(stored.requests, 5000);
  EXPECT_EQ(stored.input, 4999LL * 5000 / 2);
}

TEST(IngestTest, JsonLinesWithEscapesAndNulls) {
  TempDir dir;
  const std::string jsonl = dir.Sub("usage.jsonl");
  WriteFile(jsonl,
            "{\"timestamp\":\"2026-11-01T12:00:00.000001Z\",\"workspace\":\"caf\\u00e9 \\ud83d\\ude00\",\"model\":\"m\","
            "\"endpoint\":\"e\",\"user\":null,\"input_tokens\":10,\"output_tokens\":\"20\",\"latency_us\":300,"
            "\"outcome\":\"retryable_error\",\"cost_micros\":7,\"event_id\":42}\n"
            "\n"
            "{\"timestamp\":1793534400000000,\"workspace\":\"w\",\"model\":\"m\",\"endpoint\":\"e\",\"input_tokens\":1,"
            "\"output_tokens\":1,\"latency_us\":1,\"outcome\":\"success\",\"colour\":\"red\"}\n"
            "{\"timestamp\":1793534400000000,\"workspace\":7}\n"
            "{\"timestamp\":1793534400000000,\"workspace\":\"w\",\"model\":\"m\",\"endpoint\":\"e\",\"input_tokens\":1.5,"
            "\"output_tokens\":1,\"latency_us\":1,\"outcome\":\"success\"}\n"
            "not json\n");
  ToolResult r = RunTool({"ingest", "--db", dir.Sub("db"), jsonl}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ingested " + jsonl + ": 1 accepted, 0 duplicates, 4 rejected\n");
  EXPECT_NE(r.err.find(jsonl + ":3: unknown field 'colour'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(jsonl + ":4: workspace: must be a string, not a number"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(jsonl + ":5: input_tokens: not an integer ('1.5')"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(jsonl + ":6: bad JSON: expected '{'"), std::string::npos) << r.err;
  Options options;
  options.read_only = true;
  auto db = DB::Open(dir.Sub("db"), options);
  ASSERT_TRUE(db.ok());
  auto series = (*db)->ListSeries({});
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].labels.Get(Label::kWorkspace), "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace tally::testing
