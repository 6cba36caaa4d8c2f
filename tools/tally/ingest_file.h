// IngestFile: reads one input file's rows, converts and validates each, appends the good ones to
// the database in batches and reports the bad ones.
//
// Plain mode stores every good row and rejects the bad ones. Strict mode first reads the whole file
// without appending (a second, cheap pass over the mapped bytes, rather than holding every event in
// memory), and appends only when no row was bad: a bad row stores nothing of the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tally/db.h"
#include "tools/tally/event_builder.h"
#include "tools/tally/reject_log.h"
#include "tools/tally/row_source.h"

namespace tally::cli {

struct IngestSettings {
  InputFormat format = InputFormat::kCsv;
  EventBuilder* builder = nullptr;
  bool strict = false;
  size_t batch_events = 4096;
};

struct FileOutcome {
  uint64_t rows = 0;        // rows read (blank lines and the header not counted)
  uint64_t accepted = 0;    // events stored
  uint64_t duplicates = 0;  // events whose event_id was already stored
  uint64_t rejected = 0;    // bad rows
  bool stored = true;       // false when --strict refused the file
  double seconds = 0;
};

// `name` is the file as the user named it (for messages); `data` its bytes. Errors are those of
// the database (DB::Append) or of the file's header; rows never cause an error.
Result<FileOutcome> IngestFile(std::string_view name, std::string_view data, const IngestSettings& settings,
                               DB& db, RejectLog& rejects);

}  // namespace tally::cli
