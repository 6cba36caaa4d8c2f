#include "tools/tally/ingest_file.h"

#include <chrono>
#include <vector>

#include "tools/tally/progress.h"

namespace tally::cli {
namespace {

struct PassCounts {
  uint64_t rows = 0, accepted = 0, duplicates = 0, rejected = 0;
};

// One pass over the file. With `db` null the rows are only checked.
Status RunPass(std::string_view name, std::string_view data, const IngestSettings& settings, DB* db,
               RejectLog& rejects, std::string_view phase, PassCounts* counts) {
  Result<std::unique_ptr<RowSource>> made = MakeRowSource(settings.format, data, *settings.builder);
  if (!made.ok()) return made.status().WithContext(std::string(name));
  RowSource& source = **made;
  ProgressBar progress(std::string(phase) + " " + std::string(name), data.size());
  std::vector<UsageEvent> batch;
  batch.reserve(settings.batch_events);
  InputRow row;
  RowProblem problem;
  UsageEvent event;
  uint64_t rows = 0;

  auto append = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    AppendStats stats;
    Status s = db->Append(batch, &stats);
    if (!s.ok()) return s.WithContext("append rows of " + std::string(name));
    counts->accepted += stats.accepted;
    counts->duplicates += stats.duplicates;
    batch.clear();
    source.ReleaseRows();
    return Status::OK();
  };

  while (true) {
    const RowSource::Read read = source.Next(&row, &problem);
    if (read == RowSource::Read::kEnd) break;
    if ((++rows & 4095) == 0) progress.Update(rows, source.offset());
    // Built in place in the batch (an event is 168 bytes; copying it costs as much as parsing a field).
    UsageEvent* target = db == nullptr ? &event : &batch.emplace_back();
    if (read == RowSource::Read::kRow && settings.builder->Build(row, target, &problem)) [[likely]] {
      if (db == nullptr) continue;
      if (batch.size() >= settings.batch_events) {
        Status s = append();
        if (!s.ok()) return s;
      }
      continue;
    }
    if (db != nullptr) batch.pop_back();
    ++counts->rejected;
    rejects.Add(row.line, problem.field ? source.FieldName(*problem.field) : std::string_view(), problem.reason,
                row.text);
  }
  counts->rows = rows;
  if (db != nullptr) return append();
  return Status::OK();
}

}  // namespace

Result<FileOutcome> IngestFile(std::string_view name, std::string_view data, const IngestSettings& settings,
                               DB& db, RejectLog& rejects) {
  const auto start = std::chrono::steady_clock::now();
  FileOutcome outcome;
  PassCounts counts;
  rejects.BeginFile(name);
  Status s;
  if (settings.strict) {
    s = RunPass(name, data, settings, nullptr, rejects, "checking", &counts);
    if (s.ok() && counts.rejected > 0) outcome.stored = false;
  }
  if (s.ok() && outcome.stored) {
    counts = PassCounts{};
    // The strict pass reported the rows already (there were none to report if we got here).
    s = RunPass(name, data, settings, &db, rejects, "ingesting", &counts);
  }
  rejects.EndFile();
  if (!s.ok()) return s;
  outcome.rows = counts.rows;
  outcome.accepted = counts.accepted;
  outcome.duplicates = counts.duplicates;
  outcome.rejected = counts.rejected;
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return outcome;
}

}  // namespace tally::cli
