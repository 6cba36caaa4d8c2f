// tally ingest: stores usage events from CSV, JSON-lines or Azure-trace files, reporting every row
// it could not store with its line, field and reason.
#include <chrono>
#include <cstdio>
#include <map>
#include <vector>

#include "engine/ingest/validate.h"
#include "tools/tally/args.h"
#include "tools/tally/command.h"
#include "tools/tally/database.h"
#include "tools/tally/ingest_file.h"
#include "tools/tally/json_writer.h"
#include "tools/tally/mapped_file.h"
#include "tools/tally/progress.h"

namespace tally::cli {
namespace {

constexpr std::string_view kHelp = R"help(usage: tally ingest --db DIR [--format csv|jsonl|azure-trace]
                    [--workspace W --model M --endpoint E [--environment ENV]]
                    [--strict] [--rejects FILE] [--json] [--batch N] FILE...

Stores the usage events of each FILE in the database at DIR (created when DIR is missing or empty).
Bad rows are reported and skipped; good rows are stored.

  --db DIR          data directory
  --format F        csv, jsonl or azure-trace; default: from each file's name (.jsonl and .ndjson
                    are jsonl, anything else csv)
  --workspace W     label values for rows that do not give them (required for azure-trace)
  --model M
  --endpoint E
  --environment ENV
  --strict          a file with any bad row stores nothing; the command stops there and exits 1
  --rejects FILE    write every rejected row to FILE as CSV: file,line,field,reason,row
  --json            print one JSON object with the counts instead of the text lines
  --batch N         events per append (default 4096)

Fields (CSV header names / JSON keys): timestamp, workspace, model, endpoint, environment,
api_key, user, version, input_tokens, output_tokens, latency_us or latency_ms, outcome,
cost_micros, event_id. Required: timestamp, workspace, model, endpoint, input_tokens,
output_tokens, latency_us or latency_ms, outcome.
  timestamp    ISO-8601 "2026-11-01T12:00:00.123456Z" (space for T allowed; zone Z, +HH:MM or none
               for UTC; digits below 1 µs dropped), or integer µs since the epoch
  latency_ms   decimal milliseconds, rounded to whole µs
  outcome      success, retryable_error or fatal_error
  event_id     unsigned integer, or any other text (hashed with XXH3-64); a row whose id is already
               stored counts as a duplicate and is not stored again
csv: RFC 4180 (header row, column order free, "..." quotes with "" for a quote); an unknown column
is an error. jsonl: one flat JSON object per line (strings, numbers, null = absent).
azure-trace: the Azure LLM inference trace, TIMESTAMP,ContextTokens,GeneratedTokens: input and
output tokens; outcome success, latency 0, cost 0; labels from the flags.

Output: per file "ingested FILE: A accepted, D duplicates, R rejected"; rejected rows on stderr as
FILE:LINE: FIELD: REASON (the first 20 per file). A progress bar is drawn on stderr when it is a
terminal. Exit status: 0 done (even with rejected rows), 1 runtime error or a --strict refusal,
2 usage error. See docs/tool.md.
)help";

struct FileInput {
  std::string name;
  std::unique_ptr<MappedFile> file;
  InputFormat format = InputFormat::kCsv;
  FileOutcome outcome;
  bool done = false;
};

class IngestCommand final : public Command {
 public:
  std::string_view Name() const override { return "ingest"; }
  std::string_view Summary() const override { return "store usage events from CSV, JSON-lines or Azure-trace files"; }
  std::string_view Help() const override { return kHelp; }

  int Run(const std::vector<std::string>& raw) override {
    Args args;
    std::string error;
    if (!args.Parse(raw,
                    {{"db"}, {"format"}, {"workspace"}, {"model"}, {"endpoint"}, {"environment"},
                     {"strict", false}, {"rejects"}, {"json", false}, {"batch"}},
                    &error)) {
      return UsageError(Name(), error);
    }
    const std::optional<std::string> dir = args.Get("db");
    if (!dir || dir->empty()) return UsageError(Name(), "--db DIR is required");
    if (args.positional().empty()) return UsageError(Name(), "no input FILE given");
    std::optional<InputFormat> format;
    if (auto f = args.Get("format")) {
      format = ParseInputFormat(*f);
      if (!format) return UsageError(Name(), "--format must be csv, jsonl or azure-trace, not '" + *f + "'");
    }
    IngestSettings settings;
    if (auto b = args.Get("batch")) {
      auto n = ParseInteger(*b, 1, 1 << 20);
      if (!n) return UsageError(Name(), "--batch wants a whole number from 1 to 1048576, not '" + *b + "'");
      settings.batch_events = static_cast<size_t>(*n);
    }
    settings.strict = args.Has("strict");
    const bool json = args.Has("json");

    // Labels from flags: checked by the engine's rules now rather than as a reject on every row.
    for (const char* flag : {"workspace", "model", "endpoint", "environment"}) {
      if (auto v = args.Get(flag)) label_flags_[flag] = *v;
    }
    defaults_.fill({});
    UsageEvent labels;
    labels.workspace = "x";
    labels.model = "x";
    labels.endpoint = "x";
    for (const auto& [flag, value] : label_flags_) {
      const InputField field = *ParseInputFieldName(flag);
      defaults_[static_cast<int>(field)] = value;
      UsageEvent probe = labels;
      if (field == InputField::kWorkspace) probe.workspace = value;
      if (field == InputField::kModel) probe.model = value;
      if (field == InputField::kEndpoint) probe.endpoint = value;
      if (field == InputField::kEnvironment) probe.environment = value;
      Status s = ingest::ValidateLabels(probe, 0);
      if (!s.ok()) {
        std::string why = s.message();
        if (size_t c = why.rfind(": "); c != std::string::npos) why = why.substr(c + 2);
        return UsageError(Name(), "--" + flag + ": " + why);
      }
    }

    std::vector<FileInput> inputs;
    for (const std::string& path : args.positional()) {
      FileInput input;
      input.name = path;
      input.format = format.value_or(FormatFromPath(path));
      inputs.push_back(std::move(input));
    }
    for (const FileInput& input : inputs) {
      if (input.format == InputFormat::kAzureTrace &&
          (!label_flags_.contains("workspace") || !label_flags_.contains("model") || !label_flags_.contains("endpoint"))) {
        return UsageError(Name(), "the azure-trace format needs --workspace, --model and --endpoint");
      }
    }
    // The Azure trace has no outcome or latency: every request succeeded, latency unknown (0).
    azure_defaults_ = defaults_;
    azure_defaults_[static_cast<int>(InputField::kOutcome)] = "success";
    azure_defaults_[static_cast<int>(InputField::kLatencyUs)] = "0";
    EventBuilder builder(defaults_);
    EventBuilder azure_builder(azure_defaults_);

    // Everything that can be checked before the database is touched is checked first: every file
    // opens and has a usable header, and the rejects file can be written.
    for (FileInput& input : inputs) {
      auto file = MappedFile::Open(input.name);
      if (!file.ok()) return Fail(file.status().message());
      input.file = std::move(*file);
      const EventBuilder& b = input.format == InputFormat::kAzureTrace ? azure_builder : builder;
      auto source = MakeRowSource(input.format, input.file->data(), b);
      if (!source.ok()) return Fail(input.name + ": " + source.status().message());
    }
    RejectLog rejects;
    if (auto path = args.Get("rejects")) {
      if (Status s = rejects.OpenFile(*path); !s.ok()) return Fail(s.message());
    }

    auto opened = OpenDatabase(*dir, OpenMode::kWriteOrCreate);
    if (!opened.ok()) return Fail(opened.status().message());
    DB& db = **opened;

    const auto start = std::chrono::steady_clock::now();
    int exit_code = kExitOk;
    std::string failure;
    for (FileInput& input : inputs) {
      settings.format = input.format;
      settings.builder = input.format == InputFormat::kAzureTrace ? &azure_builder : &builder;
      Result<FileOutcome> outcome = IngestFile(input.name, input.file->data(), settings, db, rejects);
      if (!outcome.ok()) {
        failure = outcome.status().ToString();
        exit_code = kExitError;
        break;
      }
      input.outcome = *outcome;
      input.done = true;
      if (!json) {
        std::printf("ingested %s: %llu accepted, %llu duplicates, %llu rejected\n", input.name.c_str(),
                    static_cast<unsigned long long>(outcome->accepted),
                    static_cast<unsigned long long>(outcome->duplicates),
                    static_cast<unsigned long long>(outcome->rejected));
        std::fflush(stdout);
      }
      if (!outcome->stored) {
        failure = input.name + ": " + std::to_string(outcome->rejected) +
                  " bad rows; nothing of this file was stored (--strict)";
        exit_code = kExitError;
        break;
      }
    }
    // Written out as blocks now, so that readers opening next find compact blocks, not a log.
    Status flushed;
    {
      Spinner spinner("writing blocks");
      flushed = db.Flush();
    }
    if (Status s = flushed; !s.ok() && exit_code == kExitOk) {
      failure = s.ToString();
      exit_code = kExitError;
    }
    if (Status s = rejects.Close(); !s.ok() && exit_code == kExitOk) {
      failure = s.message();
      exit_code = kExitError;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (json) PrintJson(inputs, seconds, exit_code == kExitOk);
    if (exit_code != kExitOk) return Fail(failure);
    return kExitOk;
  }

 private:
  static void PrintJson(const std::vector<FileInput>& inputs, double seconds, bool ok) {
    JsonWriter out;
    uint64_t rows = 0, accepted = 0, duplicates = 0, rejected = 0;
    out.BeginObject().Key("files").BeginArray();
    for (const FileInput& input : inputs) {
      if (!input.done) continue;
      const FileOutcome& o = input.outcome;
      rows += o.rows;
      accepted += o.accepted;
      duplicates += o.duplicates;
      rejected += o.rejected;
      out.BeginObject()
          .Key("file").String(input.name)
          .Key("format").String(InputFormatName(input.format))
          .Key("rows").Uint(o.rows)
          .Key("accepted").Uint(o.accepted)
          .Key("duplicates").Uint(o.duplicates)
          .Key("rejected").Uint(o.rejected)
          .Key("stored").Bool(o.stored)
          .Key("seconds").Double(o.seconds)
          .EndObject();
    }
    out.EndArray();
    out.Key("rows").Uint(rows).Key("accepted").Uint(accepted).Key("duplicates").Uint(duplicates).Key("rejected").Uint(rejected);
    out.Key("seconds").Double(seconds).Key("rows_per_second").Double(seconds > 0 ? static_cast<double>(rows) / seconds : 0);
    out.Key("ok").Bool(ok).EndObject();
    std::printf("%s\n", out.str().c_str());
  }

  std::map<std::string, std::string> label_flags_;
  FieldDefaults defaults_{};
  FieldDefaults azure_defaults_{};
};

}  // namespace

std::unique_ptr<Command> MakeIngestCommand() { return std::make_unique<IngestCommand>(); }

}  // namespace tally::cli
