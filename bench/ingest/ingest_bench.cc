// tally-ingest-bench: how fast tally stores a realistic stream of usage events, and how small it
// stores them. See docs/benchmarks.md, "Ingest" for the method.
//
//   tally-ingest-bench --events 10000000 --db /tmp/tally-bench --json
//
// The events come from the synthetic workload (docs/workload.md) and are generated in full before
// the clock starts, so that the measure is the engine's Append throughput, not the generator's.
// They are appended in batches of consecutive events in time order, as a gateway would send them;
// `seconds` runs from the first Append until the last has returned and Flush has written the head
// out. Compaction is timed separately. bytes_on_disk is measured by walking the database directory
// after it is closed.
//
// Output: progress and a summary on stderr; on stdout a table, or with --json one JSON object as
// the last line.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/ingest/bench_directory.h"
#include "tally/db.h"
#include "tools/workload/workload.h"
#include "tools/workload/workload_summary.h"

namespace tally::bench {
namespace {

constexpr const char* kUsage = R"(usage: tally-ingest-bench --db DIR [options]

Appends a synthetic usage workload to a new tally database in DIR/db and reports ingest speed
and size on disk. DIR must not exist, be empty, or have been made by this program (it holds a
.tally-ingest-bench file): its contents are deleted first. Anything else is refused.

options:
  --db DIR          benchmark directory (required unless --generate-only)
  --events N        events to ingest (default 10000000)
  --batch N         events per Append (default 1000)
  --seed N          workload seed (default 1)
  --with-ids        give every event an event_id (exercises deduplication)
  --sync            fsync the log on every Append (Options::sync_each_append)
  --rollups         keep rollups at 1 minute, 1 hour and 1 day (without it: no rollups)
  --generate-only   no database: time the generator alone (batches of --batch) and describe
                    the workload (token, latency and outcome statistics)
  --json            print one JSON object as the last line of stdout instead of a table
  --help            print this text
)";

struct BenchArgs {
  std::string dir;
  uint64_t events = 10'000'000;
  uint64_t batch = 1000;
  uint64_t seed = 1;
  bool with_ids = false;
  bool sync = false;
  bool rollups = false;
  bool generate_only = false;
  bool json = false;
};

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool ParseCount(std::string_view text, uint64_t* value) {
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, *value);
  return error == std::errc() && ptr == end;
}

// Returns false with a message on stderr for bad arguments.
bool ParseArgs(int argc, char** argv, BenchArgs* args, bool* help) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tally-ingest-bench: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    auto count = [&](const char* name, uint64_t* out) {
      const char* text = value(name);
      if (text == nullptr) return false;
      if (!ParseCount(text, out)) {
        std::fprintf(stderr, "tally-ingest-bench: %s: '%s' is not a non-negative integer\n", name, text);
        return false;
      }
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      *help = true;
    } else if (arg == "--db") {
      const char* text = value("--db");
      if (text == nullptr) return false;
      args->dir = text;
    } else if (arg == "--events") {
      if (!count("--events", &args->events)) return false;
    } else if (arg == "--batch") {
      if (!count("--batch", &args->batch)) return false;
    } else if (arg == "--seed") {
      if (!count("--seed", &args->seed)) return false;
    } else if (arg == "--with-ids") {
      args->with_ids = true;
    } else if (arg == "--sync") {
      args->sync = true;
    } else if (arg == "--rollups") {
      args->rollups = true;
    } else if (arg == "--generate-only") {
      args->generate_only = true;
    } else if (arg == "--json") {
      args->json = true;
    } else {
      std::fprintf(stderr, "tally-ingest-bench: unknown argument '%s' (see --help)\n", argv[i]);
      return false;
    }
  }
  if (*help) return true;
  if (args->batch == 0) {
    std::fprintf(stderr, "tally-ingest-bench: --batch must be at least 1\n");
    return false;
  }
  if (args->dir.empty() && !args->generate_only) {
    std::fprintf(stderr, "tally-ingest-bench: --db DIR is required (see --help)\n");
    return false;
  }
  return true;
}

// Every event of the workload in one vector; the generator must outlive it (the events' labels
// point into its catalog).
struct GeneratedWorkload {
  std::unique_ptr<workload::WorkloadGenerator> generator;
  std::vector<UsageEvent> events;
  double seconds = 0;
};

workload::WorkloadConfig ConfigFor(const BenchArgs& args) {
  workload::WorkloadConfig config;
  config.seed = args.seed;
  config.events = args.events;
  config.with_event_ids = args.with_ids;
  return config;
}

Result<GeneratedWorkload> Generate(const BenchArgs& args) {
  GeneratedWorkload workload;
  workload.generator = std::make_unique<workload::WorkloadGenerator>(ConfigFor(args));
  if (!workload.generator->status().ok()) return workload.generator->status();

  workload.events.reserve(args.events);
  std::vector<UsageEvent> chunk;
  const Clock::time_point start = Clock::now();
  while (workload.generator->NextBatch(1 << 16, &chunk) > 0) {
    workload.events.insert(workload.events.end(), chunk.begin(), chunk.end());
  }
  workload.seconds = SecondsSince(start);
  return workload;
}

// --generate-only: the generator's own speed (batches of --batch events into one reused vector,
// as a streaming caller would draw them) and the statistics of the workload.
int DescribeWorkload(const BenchArgs& args) {
  workload::WorkloadGenerator generator(ConfigFor(args));
  if (!generator.status().ok()) {
    std::fprintf(stderr, "tally-ingest-bench: %s\n", generator.status().ToString().c_str());
    return 2;
  }
  workload::WorkloadSummary summary;
  std::vector<UsageEvent> batch;
  double seconds = 0;
  for (;;) {
    const Clock::time_point start = Clock::now();
    const size_t count = generator.NextBatch(args.batch, &batch);
    seconds += SecondsSince(start);
    if (count == 0) break;
    summary.Add(batch);
  }
  const double rate = seconds > 0 ? summary.events() / seconds : 0;
  std::fprintf(stderr, "generated %llu events of %llu series (catalog: %zu) in %.3f s: %.1f M events/s\n",
               static_cast<unsigned long long>(summary.events()),
               static_cast<unsigned long long>(generator.series_seen()), generator.catalog().series().size(), seconds,
               rate / 1e6);
  std::fputs(summary.ToText().c_str(), stderr);
  if (args.json) {
    std::printf(
        "{\"events\":%llu,\"series\":%llu,\"seed\":%llu,\"with_ids\":%s,\"generate_seconds\":%.6f,"
        "\"generate_events_per_s\":%.0f,\"input_tokens_p50\":%lld,\"output_tokens_p50\":%lld,"
        "\"latency_p50_us\":%lld,\"latency_p99_us\":%lld}\n",
        static_cast<unsigned long long>(summary.events()), static_cast<unsigned long long>(generator.series_seen()),
        static_cast<unsigned long long>(args.seed), args.with_ids ? "true" : "false", seconds, rate,
        static_cast<long long>(summary.InputTokensQuantile(0.5)),
        static_cast<long long>(summary.OutputTokensQuantile(0.5)), static_cast<long long>(summary.LatencyQuantile(0.5)),
        static_cast<long long>(summary.LatencyQuantile(0.99)));
  }
  return 0;
}

struct IngestResult {
  double seconds = 0;          // appends + final flush
  double compact_seconds = 0;
  uint64_t bytes_on_disk = 0;  // after compaction, database closed
  uint64_t db_series = 0;      // as the database reports it
  double append_p50_us = 0, append_p99_us = 0, append_max_us = 0;  // per Append call
};

Result<IngestResult> Ingest(const BenchArgs& args, const std::string& db_path, std::span<const UsageEvent> events) {
  Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.sync_each_append = args.sync;
  options.create_rollups = args.rollups;  // the default 1m/1h/1d, or none
  Result<std::unique_ptr<DB>> opened = DB::Open(db_path, options);
  if (!opened.ok()) return opened.status().WithContext("open " + db_path);
  std::unique_ptr<DB> db = std::move(*opened);

  IngestResult result;
  std::vector<double> append_us;
  append_us.reserve(events.size() / args.batch + 1);
  const size_t progress_every = std::max<size_t>(1, events.size() / args.batch / 10);
  const Clock::time_point start = Clock::now();
  for (size_t offset = 0, batch = 0; offset < events.size(); offset += args.batch, ++batch) {
    const std::span<const UsageEvent> slice = events.subspan(offset, std::min<size_t>(args.batch, events.size() - offset));
    const Clock::time_point append_start = Clock::now();
    if (Status s = db->Append(slice); !s.ok()) {
      return s.WithContext("append of events " + std::to_string(offset) + ".." + std::to_string(offset + slice.size()));
    }
    append_us.push_back(SecondsSince(append_start) * 1e6);
    if ((batch + 1) % progress_every == 0) {
      const double elapsed = SecondsSince(start);
      std::fprintf(stderr, "  %llu events appended, %.2f s, %.0f events/s\n",
                   static_cast<unsigned long long>(offset + slice.size()), elapsed, (offset + slice.size()) / elapsed);
    }
  }
  if (Status s = db->Flush(); !s.ok()) return s.WithContext("flush");
  result.seconds = SecondsSince(start);

  const Clock::time_point compact_start = Clock::now();
  if (Status s = db->Compact(); !s.ok()) return s.WithContext("compact");
  result.compact_seconds = SecondsSince(compact_start);

  if (Result<DbStats> stats = db->GetStats(); stats.ok()) result.db_series = stats->series;
  db.reset();  // close, so that the size on disk is the settled one

  Result<uint64_t> bytes = BytesUnder(db_path);
  if (!bytes.ok()) return bytes.status();
  result.bytes_on_disk = *bytes;

  if (!append_us.empty()) {
    std::sort(append_us.begin(), append_us.end());
    auto at = [&](double q) { return append_us[std::min(append_us.size() - 1, static_cast<size_t>(q * append_us.size()))]; };
    result.append_p50_us = at(0.5);
    result.append_p99_us = at(0.99);
    result.append_max_us = append_us.back();
  }
  return result;
}

int Run(const BenchArgs& args) {
  // The directory first: a refusal should not wait for the workload.
  Result<std::string> db_path = std::string();
  if (!args.generate_only) {
    db_path = PrepareBenchDirectory(args.dir);
    if (!db_path.ok()) {
      std::fprintf(stderr, "tally-ingest-bench: %s\n", db_path.status().ToString().c_str());
      return 2;
    }
  }

  if (args.generate_only) return DescribeWorkload(args);

  std::fprintf(stderr, "generating %llu events (seed %llu)...\n", static_cast<unsigned long long>(args.events),
               static_cast<unsigned long long>(args.seed));
  Result<GeneratedWorkload> workload = Generate(args);
  if (!workload.ok()) {
    std::fprintf(stderr, "tally-ingest-bench: %s\n", workload.status().ToString().c_str());
    return 2;
  }
  const uint64_t events = workload->events.size();
  const uint64_t series = workload->generator->series_seen();
  std::fprintf(stderr, "generated %llu events of %llu series into memory in %.3f s (not timed below)\n",
               static_cast<unsigned long long>(events), static_cast<unsigned long long>(series), workload->seconds);


  std::fprintf(stderr, "ingesting into %s in batches of %llu%s%s...\n", db_path->c_str(),
               static_cast<unsigned long long>(args.batch), args.sync ? ", sync" : "", args.with_ids ? ", with ids" : "");
  Result<IngestResult> result = Ingest(args, *db_path, workload->events);
  if (!result.ok()) {
    std::fprintf(stderr, "tally-ingest-bench: %s\n", result.status().ToString().c_str());
    return 1;
  }
  const double events_per_s = result->seconds > 0 ? events / result->seconds : 0;
  const double bytes_per_event = events > 0 ? static_cast<double>(result->bytes_on_disk) / events : 0;
  std::fprintf(stderr, "done: %.0f events/s, compaction %.2f s, %.2f bytes/event on disk\n", events_per_s,
               result->compact_seconds, bytes_per_event);

  if (args.json) {
    std::printf(
        "{\"events\":%llu,\"seconds\":%.6f,\"events_per_s\":%.0f,\"compact_seconds\":%.6f,"
        "\"bytes_on_disk\":%llu,\"bytes_per_event\":%.3f,\"series\":%llu,\"db_series\":%llu,\"batch\":%llu,"
        "\"seed\":%llu,\"sync\":%s,\"with_ids\":%s,\"rollups\":%s,\"append_p50_us\":%.1f,\"append_p99_us\":%.1f,"
        "\"append_max_us\":%.1f,\"pregenerate_seconds\":%.3f}\n",
        static_cast<unsigned long long>(events), result->seconds, events_per_s, result->compact_seconds,
        static_cast<unsigned long long>(result->bytes_on_disk), bytes_per_event, static_cast<unsigned long long>(series),
        static_cast<unsigned long long>(result->db_series), static_cast<unsigned long long>(args.batch),
        static_cast<unsigned long long>(args.seed), args.sync ? "true" : "false", args.with_ids ? "true" : "false",
        args.rollups ? "true" : "false", result->append_p50_us, result->append_p99_us, result->append_max_us, workload->seconds);
  } else {
    std::printf("%-22s %llu\n", "events", static_cast<unsigned long long>(events));
    std::printf("%-22s %llu (database: %llu)\n", "series", static_cast<unsigned long long>(series),
                static_cast<unsigned long long>(result->db_series));
    std::printf("%-22s %llu%s%s\n", "batch", static_cast<unsigned long long>(args.batch), args.sync ? ", sync" : "",
                args.with_ids ? ", with ids" : "");
    std::printf("%-22s %.3f\n", "ingest seconds", result->seconds);
    std::printf("%-22s %.0f\n", "events/s", events_per_s);
    std::printf("%-22s p50 %.1f  p99 %.1f  max %.1f\n", "append latency (us)", result->append_p50_us,
                result->append_p99_us, result->append_max_us);
    std::printf("%-22s %.3f\n", "compact seconds", result->compact_seconds);
    std::printf("%-22s %llu\n", "bytes on disk", static_cast<unsigned long long>(result->bytes_on_disk));
    std::printf("%-22s %.3f\n", "bytes/event", bytes_per_event);
  }
  return 0;
}

}  // namespace
}  // namespace tally::bench

int main(int argc, char** argv) {
  tally::bench::BenchArgs args;
  bool help = false;
  if (!tally::bench::ParseArgs(argc, argv, &args, &help)) return 2;
  if (help) {
    std::fputs(tally::bench::kUsage, stdout);
    return 0;
  }
  return tally::bench::Run(args);
}
