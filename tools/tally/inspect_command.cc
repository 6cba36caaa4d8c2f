// tally inspect: what a database holds and how well it is stored (engine/inspect/inspect.h computes
// the report; this file prints it).
#include <cstdio>

#include "engine/inspect/inspect.h"
#include "tools/tally/args.h"
#include "tools/tally/command.h"
#include "tools/tally/database.h"
#include "tools/tally/format.h"
#include "tools/tally/json_writer.h"

namespace tally::cli {
namespace {

constexpr std::string_view kHelp = R"help(usage: tally inspect --db DIR [--json]

Reports what the database at DIR holds and how well it is stored: series, events (in blocks and in
the in-memory head's log), time range, blocks (count, size distribution, share of small blocks),
bytes per event overall and per column with the codecs used and the compression ratio against 8 raw
bytes per value, rollup cells per resolution, head/log state, dedup records, RocksDB sizes per
column family, retention settings and bytes on disk.

Opens the database read-only, so it runs beside a writer (ingest) in another process and shows
everything that writer acknowledged before inspect started.

  --db DIR   data directory
  --json     print one JSON object (keys in docs/tool.md) instead of the text report

Exit status: 0 done, 1 runtime error (missing directory, not a tally database), 2 usage error.
)help";

using inspect::Report;

std::string Ratio(double r) {
  if (r <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fx", r);
  return buf;
}

// 604800000000 -> "7 d"; spans that are not whole days, hours, minutes or seconds in µs.
std::string Span(int64_t us) {
  static constexpr std::pair<int64_t, const char*> kUnits[] = {
      {kMicrosPerDay, "d"}, {kMicrosPerHour, "h"}, {kMicrosPerMinute, "min"}, {kMicrosPerSecond, "s"}};
  for (const auto& [unit, name] : kUnits) {
    if (us > 0 && us % unit == 0) return std::to_string(us / unit) + " " + name;
  }
  return std::to_string(us) + " µs";
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

void PrintText(const Report& r) {
  auto count = [](uint64_t n) { return FormatCount(static_cast<int64_t>(n)); };
  std::printf("database       %s%s\n", r.path.c_str(), r.read_only ? "  (read-only view)" : "");
  std::printf("series         %s\n", count(r.series).c_str());
  std::printf("events         %s  (blocks %s, head %s)\n", count(r.events).c_str(), count(r.blocks.events).c_str(),
              count(r.head.events).c_str());
  if (r.has_events) {
    std::printf("time range     %s .. %s\n", FormatIsoTime(r.min_timestamp_us).c_str(),
                FormatIsoTime(r.max_timestamp_us).c_str());
  } else {
    std::printf("time range     -\n");
  }
  std::printf("block window   %s\n", Span(r.block_window_us).c_str());
  const inspect::BlockReport& blocks = r.blocks;
  std::printf("blocks         %s, %s encoded\n", count(blocks.count).c_str(), FormatBytes(blocks.bytes).c_str());
  if (blocks.count > 0) {
    std::printf("  small        %s blocks under %u rows (%s of blocks, %s of block events)\n",
                count(blocks.small_blocks).c_str(), inspect::kSmallBlockRows,
                FormatPercent(static_cast<double>(blocks.small_blocks) / static_cast<double>(blocks.count)).c_str(),
                FormatPercent(blocks.events == 0 ? 0
                                              : static_cast<double>(blocks.events_in_small_blocks) /
                                                    static_cast<double>(blocks.events))
                    .c_str());
    std::printf("  rows         min %s, median %s, max %s\n", count(blocks.min_rows).c_str(),
                count(blocks.median_rows).c_str(), count(blocks.max_rows).c_str());
    std::printf("  size         min %s, median %s, max %s\n", FormatBytes(blocks.min_bytes).c_str(),
                FormatBytes(blocks.median_bytes).c_str(), FormatBytes(blocks.max_bytes).c_str());
    std::printf("  histogram   ");
    for (const inspect::SizeBucket& bucket : blocks.size_histogram) {
      if (bucket.max_bytes == UINT64_MAX) {
        std::printf(" >=%s: %s", FormatBytes(bucket.min_bytes).c_str(), count(bucket.blocks).c_str());
      } else {
        std::printf(" <%s: %s", FormatBytes(bucket.max_bytes).c_str(), count(bucket.blocks).c_str());
      }
    }
    std::printf("\n");
  }
  std::printf("bytes/event    %s in blocks, %s on disk\n", Fixed(r.BlockBytesPerEvent(), 2).c_str(),
              Fixed(r.DiskBytesPerEvent(), 2).c_str());
  if (!blocks.columns.empty()) {
    std::printf("  %-14s %12s %12s %8s  %s\n", "column", "bytes", "bytes/event", "ratio", "codecs (blocks)");
    for (const inspect::ColumnReport& c : blocks.columns) {
      std::string codecs;
      for (size_t i = 0; i < c.codecs.size() && i < 3; ++i) {
        if (i > 0) codecs += ", ";
        codecs += c.codecs[i].first + " (" + count(c.codecs[i].second) + ")";
      }
      if (c.codecs.size() > 3) codecs += ", ...";
      std::printf("  %-14s %12s %12s %8s  %s\n", c.column.c_str(), count(c.bytes).c_str(),
                  Fixed(inspect::ColumnBytesPerEvent(c, blocks.events), 3).c_str(),
                  Ratio(inspect::CompressionRatio(c, blocks.events)).c_str(), codecs.c_str());
    }
    std::printf("  %-14s %12s %12s\n", "header", count(blocks.header_bytes).c_str(),
                Fixed(blocks.events == 0 ? 0 : static_cast<double>(blocks.header_bytes) / static_cast<double>(blocks.events), 3)
                    .c_str());
    std::printf("  %-14s %12s %12s\n", "checksum", count(blocks.checksum_bytes).c_str(),
                Fixed(blocks.events == 0 ? 0 : static_cast<double>(blocks.checksum_bytes) / static_cast<double>(blocks.events), 3)
                    .c_str());
  }
  std::printf("head           %s events in %s log records (%s), not yet written as blocks\n",
              count(r.head.events).c_str(), count(r.head.log_records).c_str(), FormatBytes(r.head.log_bytes).c_str());
  std::printf("dedup          %s records of event ids\n", count(r.dedup_records).c_str());
  if (r.rollups.empty()) {
    std::printf("rollups        none (created without rollup resolutions)\n");
  }
  for (const inspect::RollupReport& rollup : r.rollups) {
    std::printf("rollups %-6s %s cells in %s rows (%s), %s requests", rollup.resolution.c_str(),
                count(rollup.cells).c_str(), count(rollup.rows).c_str(), FormatBytes(rollup.bytes).c_str(),
                count(rollup.requests).c_str());
    if (rollup.unreadable_rows > 0) std::printf(", %s unreadable rows", count(rollup.unreadable_rows).c_str());
    std::printf("\n");
  }
  for (const inspect::RetentionRule& rule : r.retention) {
    const std::string kept = rule.keep_us == 0 ? "kept forever" : "kept for " + Span(rule.keep_us);
    std::printf("retention %-4s %s", rule.what.c_str(), kept.c_str());
    if (rule.expired_before_us != INT64_MIN) std::printf(", expired before %s", FormatIsoTime(rule.expired_before_us).c_str());
    std::printf("\n");
  }
  std::printf("rocksdb        %-10s %12s %12s %12s %12s\n", "family", "sst", "live data", "memtables", "keys (est.)");
  for (const inspect::FamilyReport& f : r.families) {
    std::printf("               %-10s %12s %12s %12s %12s\n", f.name.c_str(), FormatBytes(f.sst_bytes).c_str(),
                FormatBytes(f.live_data_bytes).c_str(), FormatBytes(f.memtable_bytes).c_str(),
                count(f.estimated_keys).c_str());
  }
  std::printf("on disk        %s (%s bytes)\n", FormatBytes(r.bytes_on_disk).c_str(), count(r.bytes_on_disk).c_str());
  if (r.unreadable_blocks + r.unreadable_log_records > 0) {
    std::printf("damaged        %s blocks and %s log records could not be read; run 'tally verify'\n",
                count(r.unreadable_blocks).c_str(), count(r.unreadable_log_records).c_str());
  }
}

void PrintJson(const Report& r) {
  JsonWriter j;
  j.BeginObject();
  j.Key("path").String(r.path).Key("read_only").Bool(r.read_only).Key("block_window_us").Int(r.block_window_us);
  j.Key("series").Uint(r.series).Key("events").Uint(r.events);
  j.Key("min_timestamp_us");
  r.has_events ? j.Int(r.min_timestamp_us) : j.Null();
  j.Key("max_timestamp_us");
  r.has_events ? j.Int(r.max_timestamp_us) : j.Null();
  const inspect::BlockReport& b = r.blocks;
  j.Key("blocks").BeginObject();
  j.Key("count").Uint(b.count).Key("events").Uint(b.events).Key("bytes").Uint(b.bytes);
  j.Key("min_bytes").Uint(b.min_bytes).Key("median_bytes").Uint(b.median_bytes).Key("max_bytes").Uint(b.max_bytes);
  j.Key("min_rows").Uint(b.min_rows).Key("median_rows").Uint(b.median_rows).Key("max_rows").Uint(b.max_rows);
  j.Key("small_block_rows").Uint(inspect::kSmallBlockRows).Key("small_blocks").Uint(b.small_blocks);
  j.Key("events_in_small_blocks").Uint(b.events_in_small_blocks);
  j.Key("size_histogram").BeginArray();
  for (const inspect::SizeBucket& bucket : b.size_histogram) {
    j.BeginObject().Key("min_bytes").Uint(bucket.min_bytes).Key("max_bytes");
    bucket.max_bytes == UINT64_MAX ? j.Null() : j.Uint(bucket.max_bytes);
    j.Key("blocks").Uint(bucket.blocks).EndObject();
  }
  j.EndArray();
  j.Key("header_bytes").Uint(b.header_bytes).Key("checksum_bytes").Uint(b.checksum_bytes);
  j.Key("bytes_per_event").Double(r.BlockBytesPerEvent());
  j.Key("columns").BeginArray();
  for (const inspect::ColumnReport& c : b.columns) {
    j.BeginObject().Key("column").String(c.column).Key("bytes").Uint(c.bytes);
    j.Key("bytes_per_event").Double(inspect::ColumnBytesPerEvent(c, b.events));
    j.Key("compression_ratio");
    c.bytes == 0 ? j.Null() : j.Double(inspect::CompressionRatio(c, b.events));
    j.Key("implied_blocks").Uint(c.implied_blocks);
    j.Key("codecs").BeginObject();
    for (const auto& [codec, blocks] : c.codecs) j.Key(codec).Uint(blocks);
    j.EndObject().EndObject();
  }
  j.EndArray().EndObject();
  j.Key("head").BeginObject().Key("log_records").Uint(r.head.log_records).Key("events").Uint(r.head.events);
  j.Key("log_bytes").Uint(r.head.log_bytes).EndObject();
  j.Key("dedup_records").Uint(r.dedup_records);
  j.Key("rollups").BeginArray();
  for (const inspect::RollupReport& rollup : r.rollups) {
    // "maintained" is always true: a store lists only the resolutions it keeps (older output had
    // placeholders with false).
    j.BeginObject().Key("resolution").String(rollup.resolution).Key("maintained").Bool(true);
    j.Key("resolution_us").Int(rollup.resolution_us);
    j.Key("rows").Uint(rollup.rows).Key("cells").Uint(rollup.cells).Key("requests").Uint(rollup.requests);
    j.Key("bytes").Uint(rollup.bytes).Key("unreadable_rows").Uint(rollup.unreadable_rows).EndObject();
  }
  j.EndArray();
  j.Key("retention").BeginArray();
  for (const inspect::RetentionRule& rule : r.retention) {
    j.BeginObject().Key("what").String(rule.what).Key("keep_us").Int(rule.keep_us);
    j.Key("expired_before");
    if (rule.expired_before_us == INT64_MIN) {
      j.Null();
    } else {
      j.String(FormatIsoTime(rule.expired_before_us));
    }
    j.EndObject();
  }
  j.EndArray();
  j.Key("families").BeginArray();
  for (const inspect::FamilyReport& f : r.families) {
    j.BeginObject().Key("name").String(f.name).Key("sst_bytes").Uint(f.sst_bytes);
    j.Key("live_data_bytes").Uint(f.live_data_bytes).Key("memtable_bytes").Uint(f.memtable_bytes);
    j.Key("estimated_keys").Uint(f.estimated_keys).EndObject();
  }
  j.EndArray();
  j.Key("bytes_on_disk").Uint(r.bytes_on_disk).Key("disk_bytes_per_event").Double(r.DiskBytesPerEvent());
  j.Key("unreadable_blocks").Uint(r.unreadable_blocks).Key("unreadable_log_records").Uint(r.unreadable_log_records);
  j.EndObject();
  std::printf("%s\n", j.str().c_str());
}

class InspectCommand final : public Command {
 public:
  std::string_view Name() const override { return "inspect"; }
  std::string_view Summary() const override { return "what a database holds and how well it is stored"; }
  std::string_view Help() const override { return kHelp; }

  int Run(const std::vector<std::string>& raw) override {
    Args args;
    std::string error;
    if (!args.Parse(raw, {{"db"}, {"json", false}}, &error)) return UsageError(Name(), error);
    if (!args.positional().empty()) return UsageError(Name(), "unexpected argument '" + args.positional()[0] + "'");
    const std::optional<std::string> dir = args.Get("db");
    if (!dir || dir->empty()) return UsageError(Name(), "--db DIR is required");
    auto db = OpenDatabase(*dir, OpenMode::kRead);
    if (!db.ok()) return Fail(db.status().message());
    Result<Report> report = inspect::Inspect(**db);
    if (!report.ok()) return Fail(report.status().ToString());
    if (args.Has("json")) {
      PrintJson(*report);
    } else {
      PrintText(*report);
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeInspectCommand() { return std::make_unique<InspectCommand>(); }

}  // namespace tally::cli
