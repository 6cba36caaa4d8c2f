// `tally query` end to end: summary, series, top and latency on a CSV of known events, each answer
// checked against a recomputation from the rows the test wrote; filters, relative ranges, output
// formats and the errors of a bad command line.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tool/tool_runner.h"
#include "tools/tally/format.h"

namespace tally::testing {
namespace {

constexpr int64_t kStartUs = 1'793'491'200'000'000;  // 2026-11-01T00:00:00Z
constexpr int64_t kHourUs = 3'600'000'000;

struct Row {
  int64_t t = 0;
  std::string workspace, model, endpoint, api_key;
  int64_t input = 0, output = 0, latency = 0, cost = 0;
  std::string outcome;
};

// 6,000 requests over three days: three workspaces, four models, three endpoints, two API keys.
std::vector<Row> MakeRows() {
  std::mt19937_64 rng(5);
  std::vector<Row> rows;
  for (int i = 0; i < 6000; ++i) {
    Row r;
    r.t = kStartUs + static_cast<int64_t>(rng() % (72 * kHourUs));
    r.workspace = "ws-" + std::to_string(rng() % 3);
    r.model = "model-" + std::to_string(rng() % 4);
    r.endpoint = "ep-" + std::to_string(rng() % 3);
    r.api_key = "key-" + std::to_string(rng() % 2);
    r.input = static_cast<int64_t>(rng() % 5000);
    r.output = static_cast<int64_t>(rng() % 800);
    r.latency = 1000 + static_cast<int64_t>(rng() % 5'000'000);
    r.cost = r.input * 3 + r.output * 11;
    const int o = static_cast<int>(rng() % 100);
    r.outcome = o < 95 ? "success" : (o < 98 ? "retryable_error" : "fatal_error");
    rows.push_back(r);
  }
  return rows;
}

std::string Csv(const std::vector<Row>& rows) {
  std::string text = "timestamp,workspace,model,endpoint,api_key,input_tokens,output_tokens,latency_us,outcome,cost_micros\n";
  for (const Row& r : rows) {
    text += std::to_string(r.t) + "," + r.workspace + "," + r.model + "," + r.endpoint + "," + r.api_key + "," +
            std::to_string(r.input) + "," + std::to_string(r.output) + "," + std::to_string(r.latency) + "," +
            r.outcome + "," + std::to_string(r.cost) + "\n";
  }
  return text;
}

struct Sums {
  int64_t requests = 0, input = 0, output = 0, spend = 0, retryable = 0, fatal = 0;
  std::vector<int64_t> latencies;  // of successful requests

  void Add(const Row& r) {
    ++requests;
    input += r.input;
    output += r.output;
    spend += r.cost;
    retryable += r.outcome == "retryable_error";
    fatal += r.outcome == "fatal_error";
    if (r.outcome == "success") latencies.push_back(r.latency);
  }
};

// The number after "key": in `json` (the first occurrence at or after `from`).
double JsonValue(const std::string& json, const std::string& key, size_t from = 0) {
  std::smatch m;
  const std::string rest = json.substr(from);
  if (!std::regex_search(rest, m, std::regex("\"" + key + "\":(-?[0-9.eE+-]+)"))) return NAN;
  return std::stod(m[1]);
}

// CSV output as rows of fields (header first).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::stringstream fs(line);
    std::string f;
    while (std::getline(fs, f, ',')) fields.push_back(f);
    out.push_back(fields);
  }
  return out;
}

class QueryCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rows_ = MakeRows();
    csv_ = dir_.Sub("usage.csv");
    WriteFile(csv_, Csv(rows_));
    db_ = dir_.Sub("db");
    ToolResult r = RunTool({"ingest", "--db", db_, csv_}, dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  ToolResult Query(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--db", db_});
    args.insert(args.begin(), "query");
    return RunTool(args, dir_.path());
  }

  TempDir dir_;
  std::vector<Row> rows_;
  std::string csv_, db_;
};

TEST_F(QueryCommandTest, SummaryWithFiltersMatchesTheRows) {
  // OR within a label, AND across labels, over a range that cuts hours and days.
  const int64_t from = kStartUs + 5 * kHourUs + 123'456;
  const int64_t to = kStartUs + 50 * kHourUs + 7;
  ToolResult r = Query({"summary", "--workspace", "ws-0", "--workspace", "ws-2", "--model", "model-1", "--from",
                        std::to_string(from), "--to", std::to_string(to), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Sums want;
  for (const Row& row : rows_) {
    if ((row.workspace == "ws-0" || row.workspace == "ws-2") && row.model == "model-1" && row.t >= from && row.t < to) {
      want.Add(row);
    }
  }
  ASSERT_GT(want.requests, 100);
  EXPECT_EQ(JsonValue(r.out, "requests"), want.requests) << r.out;
  EXPECT_EQ(JsonValue(r.out, "input_tokens"), want.input);
  EXPECT_EQ(JsonValue(r.out, "output_tokens"), want.output);
  EXPECT_EQ(JsonValue(r.out, "total_tokens"), want.input + want.output);
  EXPECT_EQ(JsonValue(r.out, "spend_micros"), want.spend);
  EXPECT_NEAR(JsonValue(r.out, "retryable_error_rate"), static_cast<double>(want.retryable) / want.requests, 1e-9);
  EXPECT_NEAR(JsonValue(r.out, "fatal_error_rate"), static_cast<double>(want.fatal) / want.requests, 1e-9);
  EXPECT_NEAR(JsonValue(r.out, "success_rate"),
              static_cast<double>(want.requests - want.retryable - want.fatal) / want.requests, 1e-9);
  EXPECT_NE(r.out.find("\"stats\":{"), std::string::npos) << r.out;
}

TEST_F(QueryCommandTest, SeriesPerDayAndModelAsCsv) {
  ToolResult r = Query({"series", "--step", "day", "--group-by", "model", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::pair<std::string, std::string>, Sums> want;
  for (const Row& row : rows_) {
    want[{cli::FormatIsoTime(row.t / (24 * kHourUs) * (24 * kHourUs)), row.model}].Add(row);
  }
  const auto csv = ParseCsv(r.out);
  ASSERT_EQ(csv.size(), want.size() + 1) << r.out;
  const std::vector<std::string> header = {"time", "model", "requests", "input_tokens", "output_tokens", "total_tokens",
                                           "spend_micros"};
  ASSERT_GE(csv[0].size(), header.size());
  EXPECT_TRUE(std::equal(header.begin(), header.end(), csv[0].begin())) << r.out;
  size_t i = 1;
  for (const auto& [key, sums] : want) {  // rows in time order, then by group
    const auto& fields = csv[i++];
    EXPECT_EQ(fields[0], key.first);
    EXPECT_EQ(fields[1], key.second);
    EXPECT_EQ(fields[2], std::to_string(sums.requests));
    EXPECT_EQ(fields[3], std::to_string(sums.input));
    EXPECT_EQ(fields[4], std::to_string(sums.output));
    EXPECT_EQ(fields[6], std::to_string(sums.spend));
  }
}

TEST_F(QueryCommandTest, TopRanksByTheMeasureWithTiesByLabel) {
  ToolResult r = Query({"top", "--by", "endpoint,api_key", "--measure", "spend", "--limit", "4", "--format", "csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::pair<std::string, std::string>, Sums> groups;
  for (const Row& row : rows_) groups[{row.endpoint, row.api_key}].Add(row);
  std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> ranked;
  for (const auto& [key, sums] : groups) ranked.push_back({key, sums.spend});
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  const auto csv = ParseCsv(r.out);
  ASSERT_EQ(csv.size(), 5u) << r.out;
  EXPECT_EQ(csv[0][0], "endpoint");
  EXPECT_EQ(csv[0][1], "api_key");
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(csv[i + 1][0], ranked[i].first.first) << r.out;
    EXPECT_EQ(csv[i + 1][1], ranked[i].first.second) << r.out;
    EXPECT_EQ(csv[i + 1][6], std::to_string(ranked[i].second)) << r.out;
  }
}

TEST_F(QueryCommandTest, LatencyQuantilesPerEndpointWithinTheSketchBound) {
  ToolResult r = Query({"latency", "--quantiles", "0.5,0.95,0.999", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, Sums> want;
  for (const Row& row : rows_) want[row.endpoint].Add(row);
  size_t pos = 0;
  for (auto& [endpoint, sums] : want) {  // rows in label order
    pos = r.out.find("{\"endpoint\":\"" + endpoint + "\"", pos);
    ASSERT_NE(pos, std::string::npos) << r.out;
    EXPECT_EQ(JsonValue(r.out, "requests", pos), sums.requests);
    EXPECT_EQ(JsonValue(r.out, "successes", pos), static_cast<double>(sums.latencies.size()));
    std::sort(sums.latencies.begin(), sums.latencies.end());
    for (const auto& [name, q] : std::vector<std::pair<std::string, double>>{{"p50", 0.5}, {"p95", 0.95}, {"p99.9", 0.999}}) {
      const double exact = static_cast<double>(
          sums.latencies[static_cast<size_t>(q * static_cast<double>(sums.latencies.size() - 1))]);
      EXPECT_LE(std::fabs(JsonValue(r.out, name, pos) - exact), 0.01 * exact) << endpoint << " " << name;
    }
    EXPECT_EQ(JsonValue(r.out, "min_latency_us", pos), static_cast<double>(sums.latencies.front()));
    EXPECT_EQ(JsonValue(r.out, "max_latency_us", pos), static_cast<double>(sums.latencies.back()));
  }
  EXPECT_TRUE(r.out.starts_with("{\"rows\":[")) << r.out;
}

TEST_F(QueryCommandTest, LastSpanEndsAtNowAndEqualsTheAbsoluteRange) {
  const std::string now = cli::FormatIsoTime(kStartUs + 30 * kHourUs);
  ToolResult last = Query({"summary", "--last", "24h", "--now", now, "--format", "csv"});
  ToolResult absolute = Query({"summary", "--from", cli::FormatIsoTime(kStartUs + 6 * kHourUs), "--to", now,
                               "--format", "csv"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  ASSERT_EQ(absolute.exit_code, 0) << absolute.err;
  EXPECT_EQ(last.out, absolute.out);
  int64_t requests = 0;
  for (const Row& row : rows_) requests += row.t >= kStartUs + 6 * kHourUs && row.t < kStartUs + 30 * kHourUs;
  EXPECT_EQ(ParseCsv(last.out)[1][0], std::to_string(requests));
}

TEST_F(QueryCommandTest, TableFormatIsReadable) {
  ToolResult r = Query({"top", "--by", "workspace", "--limit", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("workspace"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ws-0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("$"), std::string::npos) << r.out;  // money in currency units
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4) << r.out;
}

TEST_F(QueryCommandTest, BadCommandLinesAreUsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {"summary", "--last", "24h"},                 // --last needs --now
      {"series", "--step", "fortnight"},
      {"summary", "--format", "xml"},
      {"latency", "--quantiles", "1.5"},
      {"summary", "--from", "yesterday"},
      {"summary", "--from", "2026-11-02", "--to", "2026-11-01"},
      {"top", "--by", "colour"},
      {"summary", "--frobnicate"},
      {"histogram"},
  };
  for (const auto& args : bad) {
    ToolResult r = Query(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("tally")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(QueryCommandTest, AMissingDatabaseIsARuntimeError) {
  ToolResult r = RunTool({"query", "summary", "--db", dir_.Sub("nothing-here")}, dir_.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.starts_with("tally: ")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("nothing-here")));
}

}  // namespace
}  // namespace tally::testing
