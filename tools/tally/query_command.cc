// tally query: answers usage questions (DB::Query) — totals, time series, top-K and latency — as a
// table, CSV or JSON. query_request.h parses the command line; result_table.h prints the rows.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "engine/rollup/resolutions.h"
#include "tally/db.h"
#include "tools/tally/args.h"
#include "tools/tally/command.h"
#include "tools/tally/database.h"
#include "tools/tally/format.h"
#include "tools/tally/json_writer.h"
#include "tools/tally/query_request.h"
#include "tools/tally/result_table.h"

namespace tally::cli {
namespace {

constexpr std::string_view kHelp = R"help(usage: tally query summary|series|top|latency --db DIR
         [--from T] [--to T] [--last SPAN --now T]
         [--workspace W]... [--model M]... [--endpoint E]... [--environment ENV]...
         [--api-key K]... [--user U]... [--version V]...
         [--step minute|hour|day|week|month] [--group-by LABEL,...]
         [--by LABEL,...] [--measure requests|tokens|spend] [--limit K]
         [--quantiles Q,...] [--format table|csv|json]

Answers a usage question over the events in [from, to) (UTC), counting every event exactly once
(rollup cells, raw blocks and not-yet-flushed appends together).

  summary   one row of totals: requests, tokens, spend, success and error rates
  series    one row per time bucket with events (--step, default hour), per --group-by labels
  top       the --limit (default 10) values of --by LABEL with the largest --measure (default
            requests), largest first; ties in label order
  latency   latency of successful requests per --group-by (default endpoint): average, min, max
            and --quantiles (default 0.5,0.95,0.99) named p50, p95, p99 (p99.9 for 0.999)

  --db DIR          data directory (opened read-only: runs beside a writer such as ingest)
  --from T, --to T  the range [from, to); T is ISO-8601 UTC (2026-10-01, 2026-10-01T12:00:00Z) or
                    µs since the epoch. Either may be left out: the range then starts at the first
                    or ends after the last stored event; with neither, everything stored is counted
  --last SPAN       the SPAN before --now: Nm (minutes), Nh, Nd or Nw, e.g. 30m, 1h, 24h, 7d, 30d
  --now T           the end of a --last range; required with --last (the clock is never read)
  --workspace, --model, --endpoint, --environment, --api-key, --user, --version VALUE
                    keep series with this label value; repeat a flag for any of several values;
                    different labels must all match
  --step S          bucket width for series and latency: minute, hour, day, week (ISO, from
                    Monday) or month; row times are bucket starts
  --group-by L,...  label names for series and latency: workspace, model, endpoint, environment,
                    api_key, user, version (api-key also accepted)
  --by L,...        the label(s) top ranks
  --measure M       what top ranks by: requests, tokens (input + output) or spend; also
                    input_tokens, output_tokens, success_rate, avg_latency_us, ...
  --limit K         rows top keeps (1 to 1000000; default 10)
  --quantiles Q,... latency quantiles in [0, 1]; also accepted by summary, series and top
  --format F        table (default; money as $x.yy, counts with separators), csv or json

JSON: summary prints one object with requests, input_tokens, output_tokens, total_tokens,
spend_micros, success_rate, retryable_error_rate, fatal_error_rate, avg_latency_us; series, top and
latency print {"rows":[...]}, each row its time (series), its group labels by name and the same
measure names; every object ends with "stats" (how the answer was found). CSV: a header row with
the same names, then the rows. Exit status: 0 done, 1 runtime error, 2 usage error.
)help";

// The columns every row starts with: its bucket (when bucketed) and its group labels.
void AddLeadingColumns(const tally::Query& q, bool with_time, ResultTable* table) {
  if (with_time) table->AddColumn("time", ColumnKind::kTime);
  for (Label label : q.group_by) table->AddColumn(std::string(LabelName(label)), ColumnKind::kText);
}

std::vector<Cell> LeadingCells(const ResultRow& row, bool with_time) {
  std::vector<Cell> cells;
  if (with_time) cells.push_back(Cell::Int(row.time_us));
  for (const std::string& value : row.group) cells.push_back(Cell::Text(value));
  return cells;
}

void AddQuantileColumns(const tally::Query& q, ResultTable* table) {
  for (double quantile : q.quantiles) table->AddColumn(QuantileName(quantile), ColumnKind::kLatency);
}

Cell LatencyCell(const Totals& t, double value) { return t.successes() == 0 ? Cell::Missing() : Cell::Number(value); }

// The columns of summary, series and top: counts, money and rates of every request.
ResultTable UsageTable(const tally::Query& q, bool with_time, const std::vector<ResultRow>& rows) {
  ResultTable table;
  AddLeadingColumns(q, with_time, &table);
  table.AddColumn("requests", ColumnKind::kCount);
  table.AddColumn("input_tokens", ColumnKind::kCount);
  table.AddColumn("output_tokens", ColumnKind::kCount);
  table.AddColumn("total_tokens", ColumnKind::kCount);
  table.AddColumn("spend_micros", ColumnKind::kMoney);
  table.AddColumn("success_rate", ColumnKind::kRate);
  table.AddColumn("retryable_error_rate", ColumnKind::kRate);
  table.AddColumn("fatal_error_rate", ColumnKind::kRate);
  table.AddColumn("avg_latency_us", ColumnKind::kLatency);
  AddQuantileColumns(q, &table);
  for (const ResultRow& row : rows) {
    const Totals& t = row.totals;
    std::vector<Cell> cells = LeadingCells(row, with_time);
    cells.push_back(Cell::Int(static_cast<int64_t>(t.requests)));
    cells.push_back(Cell::Int(t.input_tokens));
    cells.push_back(Cell::Int(t.output_tokens));
    cells.push_back(Cell::Int(t.total_tokens()));
    cells.push_back(Cell::Int(t.spend_micros));
    cells.push_back(Cell::Number(t.success_rate()));
    cells.push_back(Cell::Number(t.retryable_error_rate()));
    cells.push_back(Cell::Number(t.fatal_error_rate()));
    cells.push_back(LatencyCell(t, t.avg_latency_us()));
    for (double v : row.quantiles) cells.push_back(LatencyCell(t, v));
    table.AddRow(std::move(cells));
  }
  return table;
}

// The columns of latency: how many requests succeeded and how long they took.
ResultTable LatencyTable(const tally::Query& q, const std::vector<ResultRow>& rows) {
  ResultTable table;
  const bool with_time = q.step != Step::kNone;
  AddLeadingColumns(q, with_time, &table);
  table.AddColumn("requests", ColumnKind::kCount);
  table.AddColumn("successes", ColumnKind::kCount);
  table.AddColumn("avg_latency_us", ColumnKind::kLatency);
  table.AddColumn("min_latency_us", ColumnKind::kLatency);
  table.AddColumn("max_latency_us", ColumnKind::kLatency);
  AddQuantileColumns(q, &table);
  for (const ResultRow& row : rows) {
    const Totals& t = row.totals;
    std::vector<Cell> cells = LeadingCells(row, with_time);
    cells.push_back(Cell::Int(static_cast<int64_t>(t.requests)));
    cells.push_back(Cell::Int(static_cast<int64_t>(t.successes())));
    cells.push_back(LatencyCell(t, t.avg_latency_us()));
    cells.push_back(LatencyCell(t, static_cast<double>(t.latency_min_us)));
    cells.push_back(LatencyCell(t, static_cast<double>(t.latency_max_us)));
    for (double v : row.quantiles) cells.push_back(LatencyCell(t, v));
    table.AddRow(std::move(cells));
  }
  return table;
}

// "1m" for a minute: the rollup family's name without its prefix.
std::string ResolutionName(int64_t resolution_us) {
  return rollup::FamilyName(resolution_us).substr(rollup::kFamilyPrefix.size());
}

// The first instant of the calendar month (UTC) after the one that starts at `month_start_us`.
int64_t NextMonthStart(int64_t month_start_us) {
  using namespace std::chrono;
  const sys_days day{days{rollup::FloorTo(month_start_us, kMicrosPerDay) / kMicrosPerDay}};
  const year_month_day ymd{day};
  const sys_days next{(ymd.year() / ymd.month() + months{1}) / 1};
  return static_cast<int64_t>(next.time_since_epoch().count()) * kMicrosPerDay;
}

// Cuts the open ends of a bucketed query's range to the months that hold matching events, so
// that `--step minute` without a range asks for the minutes of the stored data rather than of two
// centuries (which the engine refuses: more than a million buckets). Row times are bucket starts,
// so the cut changes no answer. False when no event matches at all: there is nothing to ask.
Result<bool> NarrowOpenRange(DB& db, QueryRequest* request) {
  tally::Query& q = request->query;
  if (q.step == Step::kNone || !(request->open_from || request->open_to)) return true;
  tally::Query months;
  months.filter = q.filter;
  months.range = q.range;
  months.step = Step::kMonth;
  Result<QueryResult> found = db.Query(months);
  if (!found.ok()) return found.status();
  if (found->rows.empty()) return false;
  if (request->open_from) q.range.from_us = std::max(q.range.from_us, found->rows.front().time_us);
  if (request->open_to) q.range.to_us = std::min(q.range.to_us, NextMonthStart(found->rows.back().time_us));
  return true;
}

// How the answer was found: what the planner read, per source.
void WriteStats(const tally::Query& q, const QueryStats& stats, JsonWriter* json) {
  json->Key("from").String(FormatIsoTime(q.range.from_us)).Key("to").String(FormatIsoTime(q.range.to_us));
  json->Key("series").Uint(stats.series).Key("raw_events").Uint(stats.raw_events);
  json->Key("head_events").Uint(stats.head_events);
  json->Key("rollup_cells").BeginObject();
  for (size_t i = 0; i < stats.resolutions_us.size() && i < stats.cells.size(); ++i) {
    json->Key(ResolutionName(stats.resolutions_us[i])).Uint(stats.cells[i]);
  }
  json->EndObject();
}

void Print(const QueryRequest& request, const QueryResult& result) {
  const tally::Query& q = request.query;
  ResultTable table;
  if (request.kind == QueryKind::kSummary) {
    // A range without events still has totals: zero requests.
    std::vector<ResultRow> rows = result.rows;
    if (rows.empty()) {
      rows.emplace_back();
      rows[0].time_us = q.range.from_us;
      rows[0].quantiles.assign(q.quantiles.size(), std::nan(""));
    }
    table = UsageTable(q, false, rows);
  } else if (request.kind == QueryKind::kLatency) {
    table = LatencyTable(q, result.rows);
  } else {
    table = UsageTable(q, request.kind == QueryKind::kSeries, result.rows);
  }
  switch (request.format) {
    case OutputFormat::kTable: std::fputs(table.Table().c_str(), stdout); break;
    case OutputFormat::kCsv: std::fputs(table.Csv().c_str(), stdout); break;
    case OutputFormat::kJson: {
      JsonWriter json;
      json.BeginObject();
      if (request.kind == QueryKind::kSummary) {
        table.JsonMembers(0, &json);
      } else {
        json.Key("rows").BeginArray();
        for (size_t i = 0; i < table.rows(); ++i) {
          json.BeginObject();
          table.JsonMembers(i, &json);
          json.EndObject();
        }
        json.EndArray();
      }
      json.Key("stats").BeginObject();
      WriteStats(q, result.stats, &json);
      json.EndObject();
      json.EndObject();
      std::printf("%s\n", json.str().c_str());
      break;
    }
  }
}

class QueryCommand final : public Command {
 public:
  std::string_view Name() const override { return "query"; }
  std::string_view Summary() const override { return "usage totals, time series, top-K and latency"; }
  std::string_view Help() const override { return kHelp; }

  int Run(const std::vector<std::string>& raw) override {
    Args args;
    std::string error;
    if (!args.Parse(raw, QueryFlagSpecs(), &error)) return UsageError(Name(), error);
    QueryRequest request;
    if (!ParseQueryRequest(args, &request, &error)) return UsageError(Name(), error);
    auto db = OpenDatabase(request.db, OpenMode::kRead);
    if (!db.ok()) return Fail(db.status().message());
    Result<bool> any = NarrowOpenRange(**db, &request);
    Result<QueryResult> result = any.ok() ? (*any ? (*db)->Query(request.query) : QueryResult()) : any.status();
    // The engine refuses a question it cannot answer (too many buckets, a range outside the years
    // it stores): that is the command line's fault, not the database's.
    if (!result.ok() && result.status().code() == Status::Code::kInvalidArgument) {
      return UsageError(Name(), result.status().message());
    }
    if (!result.ok()) return Fail("query of " + request.db + " failed: " + result.status().ToString());
    Print(request, *result);
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeQueryCommand() { return std::make_unique<QueryCommand>(); }

}  // namespace tally::cli
