// tally verify: proves the stored data intact, record by record (engine/inspect/verify.h does the
// checking; this file prints what was checked and any damage).
#include <cstdio>

#include "engine/inspect/verify.h"
#include "tools/tally/args.h"
#include "tools/tally/command.h"
#include "tools/tally/database.h"
#include "tools/tally/format.h"
#include "tools/tally/json_writer.h"

namespace tally::cli {
namespace {

constexpr std::string_view kHelp = R"help(usage: tally verify --db DIR [--json]

Checks every record of the database at DIR: the format version; every series record (the series
key decodes, the id <-> key records agree, all label postings present and consistent); every
block (key well formed, series known, checksum and every column decode, events inside the block's
window); every log record (appends not yet written as blocks) and every dedup record (checksums);
every rollup cell row (checksum, cells, sketches), and every rollup cell against a recomputation
from the raw events of its series and bucket (where retention left both whole): a cell that
disagrees is a "rollup mismatch" naming the series, the bucket and both sets of counts.

Opens the database read-only, so it runs beside a writer in another process. When the database
cannot even be opened because it is damaged, verify still reads the store directly and names the
damage.

  --db DIR   data directory
  --json     print one JSON object instead of the text report

Prints the counts checked, then one line per problem: KIND: SERIES [FROM .. TO): DETAIL, and
"verify: OK" or "verify: N problems". Exit status: 0 intact, 1 damage found or runtime error,
2 usage error.
)help";

void PrintText(const std::string& dir, const inspect::VerifyReport& r) {
  auto count = [](uint64_t n) { return FormatCount(static_cast<int64_t>(n)); };
  std::printf("verified %s\n", dir.c_str());
  std::printf("  series records  %s (with %s postings)\n", count(r.series).c_str(), count(r.postings).c_str());
  std::printf("  blocks          %s (%s events)\n", count(r.blocks).c_str(), count(r.block_events).c_str());
  std::printf("  log records     %s (%s events)\n", count(r.log_records).c_str(), count(r.log_events).c_str());
  std::printf("  dedup records   %s (%s event ids)\n", count(r.dedup_records).c_str(), count(r.dedup_ids).c_str());
  if (r.rollups_checked) {
    std::printf("  rollups         %s cells in %s rows, checked against the raw events", count(r.rollup_cells).c_str(),
                count(r.rollup_rows).c_str());
    if (r.rollup_skipped_series > 0) {
      std::printf(" (%s series skipped: a block does not decode)", count(r.rollup_skipped_series).c_str());
    }
    std::printf("\n");
  } else {
    std::printf("  rollups         none stored (not checked)\n");
  }
  for (const inspect::VerifyProblem& p : r.problems) {
    std::string where = p.series.empty() ? "" : " " + p.series;
    if (p.has_time_range) where += " [" + FormatIsoTime(p.from_us) + " .. " + FormatIsoTime(p.to_us) + ")";
    std::printf("DAMAGE %s:%s: %s\n", p.kind.c_str(), where.c_str(), p.detail.c_str());
  }
  if (r.problem_count > r.problems.size()) {
    std::printf("DAMAGE ... %s more problems\n", count(r.problem_count - r.problems.size()).c_str());
  }
  if (r.ok()) {
    std::printf("verify: OK\n");
  } else {
    std::printf("verify: %s problems\n", count(r.problem_count).c_str());
  }
}

void PrintJson(const std::string& dir, const inspect::VerifyReport& r) {
  JsonWriter j;
  j.BeginObject().Key("db").String(dir).Key("ok").Bool(r.ok());
  j.Key("series").Uint(r.series).Key("postings").Uint(r.postings);
  j.Key("blocks").Uint(r.blocks).Key("block_events").Uint(r.block_events);
  j.Key("log_records").Uint(r.log_records).Key("log_events").Uint(r.log_events);
  j.Key("dedup_records").Uint(r.dedup_records).Key("dedup_ids").Uint(r.dedup_ids);
  j.Key("rollups_checked").Bool(r.rollups_checked);
  j.Key("rollup_rows").Uint(r.rollup_rows).Key("rollup_cells").Uint(r.rollup_cells);
  j.Key("rollup_skipped_series").Uint(r.rollup_skipped_series);
  j.Key("problem_count").Uint(r.problem_count);
  j.Key("problems").BeginArray();
  for (const inspect::VerifyProblem& p : r.problems) {
    j.BeginObject().Key("kind").String(p.kind).Key("series").String(p.series);
    j.Key("from_us");
    p.has_time_range ? j.Int(p.from_us) : j.Null();
    j.Key("to_us");
    p.has_time_range ? j.Int(p.to_us) : j.Null();
    j.Key("detail").String(p.detail).EndObject();
  }
  j.EndArray().EndObject();
  std::printf("%s\n", j.str().c_str());
}

class VerifyCommand final : public Command {
 public:
  std::string_view Name() const override { return "verify"; }
  std::string_view Summary() const override { return "check every stored record and name any damage"; }
  std::string_view Help() const override { return kHelp; }

  int Run(const std::vector<std::string>& raw) override {
    Args args;
    std::string error;
    if (!args.Parse(raw, {{"db"}, {"json", false}}, &error)) return UsageError(Name(), error);
    if (!args.positional().empty()) return UsageError(Name(), "unexpected argument '" + args.positional()[0] + "'");
    const std::optional<std::string> dir = args.Get("db");
    if (!dir || dir->empty()) return UsageError(Name(), "--db DIR is required");

    Result<inspect::VerifyReport> report = Status::Aborted("not run");
    auto db = OpenDatabase(*dir, OpenMode::kRead);
    if (db.ok()) {
      report = inspect::Verify(**db);
    } else if (db.status().IsCorruption()) {
      // The open itself found damage: check the store directly to say where it is.
      report = inspect::VerifyDirectory(*dir);
      if (report.ok() && report->ok()) return Fail(db.status().message());
    } else {
      return Fail(db.status().message());
    }
    if (!report.ok()) return Fail("verify " + *dir + ": " + report.status().ToString());
    if (args.Has("json")) {
      PrintJson(*dir, *report);
    } else {
      PrintText(*dir, *report);
    }
    if (!report->ok()) {
      std::fprintf(stderr, "tally: %s is damaged: %llu problems (first: %s)\n", dir->c_str(),
                   static_cast<unsigned long long>(report->problem_count),
                   report->problems.empty() ? "?" : (report->problems[0].kind + ": " + report->problems[0].detail).c_str());
      return kExitError;
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeVerifyCommand() { return std::make_unique<VerifyCommand>(); }

}  // namespace tally::cli
