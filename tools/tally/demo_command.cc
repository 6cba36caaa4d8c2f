// tally demo: writes a realistic month of usage for several workspaces into a data directory and
// prints the usage summary, the top models and the latency per endpoint.
//
// The events carry ids and the demo remembers them for longer than its month (a dedup window of 35
// days), so running it again on the same directory stores nothing twice: the second run reports
// every event as a duplicate and prints the same summary. The summary is answered by DB::Query,
// from the rollups.
#include <chrono>
#include <cstdio>

#include "tally/db.h"
#include "tools/tally/args.h"
#include "tools/tally/command.h"
#include "tools/tally/database.h"
#include "tools/tally/format.h"
#include "tools/workload/workload.h"

namespace tally::cli {
namespace {

constexpr std::string_view kHelp = R"(usage: tally demo [--db DIR] [--events N] [--seed N]

Creates (or reuses) a tally data directory, writes a realistic month of synthetic usage for several
workspaces into it (October 2026, UTC), and prints the usage summary, the top models by spend and the
latency percentiles per endpoint.

  --db DIR      data directory (default: ./tally-demo)
  --events N    events to write (default: 2000000)
  --seed N      workload seed (default: 1)

Every event carries an id, and ids are remembered for 35 days of event time (longer than the
month), so a second run on the same directory adds nothing (all duplicates). The summary is
answered from the rollups (DB::Query), as `tally query` would. The workload is described in
docs/workload.md.
)";

// Longer than the demo's month, so that every id of a first run is still known to a second.
constexpr int64_t kDemoDedupWindowUs = 35 * kMicrosPerDay;

class DemoCommand final : public Command {
 public:
  std::string_view Name() const override { return "demo"; }
  std::string_view Summary() const override { return "write a month of realistic usage and print a summary"; }
  std::string_view Help() const override { return kHelp; }

  int Run(const std::vector<std::string>& raw) override {
    Args args;
    std::string error;
    if (!args.Parse(raw, {{"db"}, {"events"}, {"seed"}}, &error)) return UsageError(Name(), error);
    if (!args.positional().empty()) return UsageError(Name(), "unexpected argument '" + args.positional()[0] + "'");
    const std::string dir = args.Get("db").value_or("./tally-demo");
    workload::WorkloadConfig config;
    config.events = 2'000'000;
    config.workspaces = 12;
    config.endpoints = 24;
    config.models = 10;
    config.with_event_ids = true;
    if (auto v = args.Get("events")) {
      auto n = ParseInteger(*v, 1, 1'000'000'000);
      if (!n) return UsageError(Name(), "--events wants a whole number from 1 to 1000000000, not '" + *v + "'");
      config.events = static_cast<uint64_t>(*n);
    }
    if (auto v = args.Get("seed")) {
      auto n = ParseInteger(*v, 0, INT64_MAX);
      if (!n) return UsageError(Name(), "--seed wants a whole number, not '" + *v + "'");
      config.seed = static_cast<uint64_t>(*n);
    }

    Options options;
    options.dedup_window_us = kDemoDedupWindowUs;
    auto opened = OpenDatabase(dir, OpenMode::kWriteOrCreate, options);
    if (!opened.ok()) return Fail(opened.status().message());
    DB& db = **opened;

    workload::WorkloadGenerator generator(config);
    if (!generator.status().ok()) return Fail(generator.status().ToString());
    std::vector<UsageEvent> batch;
    AppendStats total;
    const auto start = std::chrono::steady_clock::now();
    while (generator.NextBatch(1000, &batch) > 0) {
      AppendStats stats;
      Status s = db.Append(batch, &stats);
      if (!s.ok()) return Fail(s.ToString());
      total.accepted += stats.accepted;
      total.duplicates += stats.duplicates;
    }
    if (Status s = db.Flush(); !s.ok()) return Fail(s.ToString());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("tally demo: %s\n", dir.c_str());
    std::printf("  %s events written, %s already stored (duplicates), in %.2f s\n",
                FormatCount(static_cast<int64_t>(total.accepted)).c_str(),
                FormatCount(static_cast<int64_t>(total.duplicates)).c_str(), seconds);
    std::printf("  period %s .. %s\n\n", FormatIsoTime(config.start_us).c_str(),
                FormatIsoTime(config.start_us + config.span_us).c_str());
    return PrintSummary(db, TimeRange{config.start_us, config.start_us + config.span_us});
  }

 private:
  // Runs `q` over `range`; false (after printing the error) when it fails.
  static bool Ask(DB& db, Query q, const TimeRange& range, QueryResult* out) {
    q.range = range;
    Result<QueryResult> r = db.Query(q);
    if (!r.ok()) {
      std::fprintf(stderr, "tally: query failed: %s\n", r.status().ToString().c_str());
      return false;
    }
    *out = std::move(r).value();
    return true;
  }

  int PrintSummary(DB& db, const TimeRange& month) {
    QueryResult all, workspaces, models, endpoints;
    Query by_workspace;
    by_workspace.group_by = {Label::kWorkspace};
    Query top_models;
    top_models.group_by = {Label::kModel};
    top_models.order_by = Measure::kSpend;
    top_models.limit = 10;
    Query latency;
    latency.group_by = {Label::kEndpoint};
    latency.quantiles = {0.5, 0.95, 0.99};
    if (!Ask(db, Query(), month, &all) || !Ask(db, by_workspace, month, &workspaces) ||
        !Ask(db, top_models, month, &models) || !Ask(db, latency, month, &endpoints)) {
      return kExitError;
    }
    if (all.rows.empty()) return Fail("the database holds no events in " + FormatIsoTime(month.from_us) + " .. " +
                                      FormatIsoTime(month.to_us));

    const tally::Totals& t = all.rows[0].totals;
    std::printf("Usage summary (all workspaces)\n");
    std::printf("  requests         %s\n", FormatCount(static_cast<int64_t>(t.requests)).c_str());
    std::printf("  input tokens     %s\n", FormatCount(t.input_tokens).c_str());
    std::printf("  output tokens    %s\n", FormatCount(t.output_tokens).c_str());
    std::printf("  spend            %s\n", FormatMoney(t.spend_micros).c_str());
    std::printf("  success rate     %s   (retryable errors %s, fatal errors %s)\n\n",
                FormatPercent(t.success_rate()).c_str(), FormatPercent(t.retryable_error_rate()).c_str(),
                FormatPercent(t.fatal_error_rate()).c_str());

    std::printf("%-14s %12s %16s %16s %14s\n", "workspace", "requests", "input tokens", "output tokens", "spend");
    for (const ResultRow& row : workspaces.rows) {
      const tally::Totals& w = row.totals;
      std::printf("%-14s %12s %16s %16s %14s\n", row.group[0].c_str(), FormatCount(static_cast<int64_t>(w.requests)).c_str(),
                  FormatCount(w.input_tokens).c_str(), FormatCount(w.output_tokens).c_str(),
                  FormatMoney(w.spend_micros).c_str());
    }

    std::printf("\nTop models by spend\n%-22s %12s %16s %14s\n", "model", "requests", "tokens", "spend");
    for (const ResultRow& row : models.rows) {
      const tally::Totals& m = row.totals;
      std::printf("%-22s %12s %16s %14s\n", row.group[0].c_str(), FormatCount(static_cast<int64_t>(m.requests)).c_str(),
                  FormatCount(m.total_tokens()).c_str(), FormatMoney(m.spend_micros).c_str());
    }

    std::printf("\nLatency per endpoint (successful requests)\n%-22s %10s %10s %10s %10s\n", "endpoint", "requests",
                "p50", "p95", "p99");
    for (const ResultRow& row : endpoints.rows) {
      std::printf("%-22s %10s %10s %10s %10s\n", row.group[0].c_str(),
                  FormatCount(static_cast<int64_t>(row.totals.successes())).c_str(),
                  FormatDuration(static_cast<int64_t>(row.quantiles[0])).c_str(),
                  FormatDuration(static_cast<int64_t>(row.quantiles[1])).c_str(),
                  FormatDuration(static_cast<int64_t>(row.quantiles[2])).c_str());
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeDemoCommand() { return std::make_unique<DemoCommand>(); }

}  // namespace tally::cli
