// tally demo: writes a realistic month of usage for several workspaces into a data directory and
// prints the usage summary, the top models and the latency per endpoint.
//
// The events carry ids, so running the demo again on the same directory stores nothing twice: the
// second run reports every event as a duplicate and prints the same summary.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

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

Every event carries an id, so a second run on the same directory adds nothing (all duplicates).
The workload is described in docs/workload.md.
)";

struct Totals {
  int64_t requests = 0, input = 0, output = 0, spend = 0, retryable = 0, fatal = 0;
  std::vector<int64_t> latencies;

  void Add(const EventRow& r, bool keep_latency) {
    ++requests;
    input += r.input_tokens;
    output += r.output_tokens;
    spend += r.cost_micros;
    retryable += r.outcome == Outcome::kRetryableError;
    fatal += r.outcome == Outcome::kFatalError;
    if (keep_latency) latencies.push_back(r.latency_us);
  }
};

// The lower q-quantile of `values` (sorted in place): values[floor(q * (n - 1))].
int64_t Quantile(std::vector<int64_t>& values, double q) {
  if (values.empty()) return 0;
  size_t k = static_cast<size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(k), values.end());
  return values[k];
}

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

    auto opened = OpenDatabase(dir, OpenMode::kWriteOrCreate);
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
    return PrintSummary(db);
  }

 private:
  int PrintSummary(DB& db) {
    Totals all;
    std::map<std::string, Totals> by_workspace, by_model, by_endpoint;
    Status s = db.ScanEvents({}, {}, [&](const SeriesInfo& series, std::span<const EventRow> rows) {
      Totals& ws = by_workspace[series.labels.Get(Label::kWorkspace)];
      Totals& model = by_model[series.labels.Get(Label::kModel)];
      Totals& endpoint = by_endpoint[series.labels.Get(Label::kEndpoint)];
      for (const EventRow& r : rows) {
        all.Add(r, false);
        ws.Add(r, false);
        model.Add(r, false);
        endpoint.Add(r, r.outcome == Outcome::kSuccess);
      }
      return Status::OK();
    });
    if (!s.ok()) return Fail(s.ToString());
    if (all.requests == 0) return Fail("the database holds no events");

    const double n = static_cast<double>(all.requests);
    std::printf("Usage summary (all workspaces)\n");
    std::printf("  requests         %s\n", FormatCount(all.requests).c_str());
    std::printf("  input tokens     %s\n", FormatCount(all.input).c_str());
    std::printf("  output tokens    %s\n", FormatCount(all.output).c_str());
    std::printf("  spend            %s\n", FormatMoney(all.spend).c_str());
    std::printf("  success rate     %s   (retryable errors %s, fatal errors %s)\n\n",
                FormatPercent(1 - static_cast<double>(all.retryable + all.fatal) / n).c_str(),
                FormatPercent(static_cast<double>(all.retryable) / n).c_str(),
                FormatPercent(static_cast<double>(all.fatal) / n).c_str());

    std::printf("%-14s %12s %16s %16s %14s\n", "workspace", "requests", "input tokens", "output tokens", "spend");
    for (const auto& [name, t] : by_workspace) {
      std::printf("%-14s %12s %16s %16s %14s\n", name.c_str(), FormatCount(t.requests).c_str(),
                  FormatCount(t.input).c_str(), FormatCount(t.output).c_str(), FormatMoney(t.spend).c_str());
    }

    std::vector<std::pair<std::string, Totals*>> models;
    for (auto& [name, t] : by_model) models.emplace_back(name, &t);
    std::sort(models.begin(), models.end(), [](const auto& a, const auto& b) {
      return a.second->spend != b.second->spend ? a.second->spend > b.second->spend : a.first < b.first;
    });
    std::printf("\nTop models by spend\n%-22s %12s %16s %14s\n", "model", "requests", "tokens", "spend");
    for (size_t i = 0; i < models.size() && i < 10; ++i) {
      const Totals& t = *models[i].second;
      std::printf("%-22s %12s %16s %14s\n", models[i].first.c_str(), FormatCount(t.requests).c_str(),
                  FormatCount(t.input + t.output).c_str(), FormatMoney(t.spend).c_str());
    }

    std::printf("\nLatency per endpoint (successful requests)\n%-22s %10s %10s %10s %10s\n", "endpoint", "requests",
                "p50", "p95", "p99");
    for (auto& [name, t] : by_endpoint) {
      std::printf("%-22s %10s %10s %10s %10s\n", name.c_str(), FormatCount(t.requests).c_str(),
                  FormatDuration(Quantile(t.latencies, 0.50)).c_str(),
                  FormatDuration(Quantile(t.latencies, 0.95)).c_str(),
                  FormatDuration(Quantile(t.latencies, 0.99)).c_str());
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeDemoCommand() { return std::make_unique<DemoCommand>(); }

}  // namespace tally::cli
