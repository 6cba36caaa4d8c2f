// tally compact: flushes the head, merges small blocks and compacts RocksDB (DB::Compact), then
// says how much smaller the directory got and how long it took.
#include <chrono>
#include <cstdio>

#include "tools/tally/args.h"
#include "tools/tally/command.h"
#include "tools/tally/database.h"
#include "tools/tally/format.h"
#include "tools/tally/json_writer.h"
#include "tools/tally/progress.h"

namespace tally::cli {
namespace {

constexpr std::string_view kHelp = R"help(usage: tally compact --db DIR [--json]

Writes the in-memory head out as blocks, merges each series' small blocks into large ones
(re-encoded for size), and compacts the underlying RocksDB so that deleted data leaves the disk.
Every query answer stays the same. Needs the directory's write lock: it fails (Busy) while another
process writes to DIR.

  --db DIR   data directory (must hold a tally database)
  --json     print one JSON object instead of the text line

Prints "compacted DIR in S s: BEFORE -> AFTER bytes (P%)", the stored bytes before and after
(every file in DIR except RocksDB's diagnostic LOG files), the after size measured once the
database is closed. While it works, a progress bar on stderr (when it is a terminal) shows the step
— writing the head, merging blocks (blocks read of RocksDB's estimate), compacting storage (column
families done) — with its progress and time left.
Exit status: 0 done, 1 runtime error, 2 usage error.
)help";

class CompactCommand final : public Command {
 public:
  std::string_view Name() const override { return "compact"; }
  std::string_view Summary() const override { return "merge small blocks and reclaim space"; }
  std::string_view Help() const override { return kHelp; }

  int Run(const std::vector<std::string>& raw) override {
    Args args;
    std::string error;
    if (!args.Parse(raw, {{"db"}, {"json", false}}, &error)) return UsageError(Name(), error);
    if (!args.positional().empty()) return UsageError(Name(), "unexpected argument '" + args.positional()[0] + "'");
    const std::optional<std::string> dir = args.Get("db");
    if (!dir || dir->empty()) return UsageError(Name(), "--db DIR is required");

    auto db = OpenDatabase(*dir, OpenMode::kWrite);
    if (!db.ok()) return Fail(db.status().message());
    const uint64_t before = StoredBytes(*dir);
    const auto start = std::chrono::steady_clock::now();
    Status s;
    {
      StepBar bar("compacting " + *dir);
      CompactOptions options;
      options.progress = [&bar](const CompactProgress& p) {
        switch (p.phase) {
          case CompactProgress::Phase::kFlush: bar.Update("writing the head", p.done, p.total); break;
          case CompactProgress::Phase::kMergeBlocks: bar.Update("merging blocks", p.done, p.total); break;
          case CompactProgress::Phase::kCompactStorage: bar.Update("compacting storage", p.done, p.total); break;
        }
      };
      s = (*db)->Compact(options);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!s.ok()) return Fail("compact " + *dir + ": " + s.ToString());
    db->reset();  // close, so that files RocksDB has let go of are gone before measuring
    const uint64_t after = StoredBytes(*dir);
    if (args.Has("json")) {
      JsonWriter j;
      j.BeginObject().Key("db").String(*dir).Key("bytes_before").Uint(before).Key("bytes_after").Uint(after);
      j.Key("seconds").Double(seconds).EndObject();
      std::printf("%s\n", j.str().c_str());
    } else {
      std::printf("compacted %s in %.2f s: %llu -> %llu bytes (%s)\n", dir->c_str(), seconds,
                  static_cast<unsigned long long>(before), static_cast<unsigned long long>(after),
                  FormatPercent(before == 0 ? 1.0 : static_cast<double>(after) / static_cast<double>(before)).c_str());
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeCompactCommand() { return std::make_unique<CompactCommand>(); }

}  // namespace tally::cli
