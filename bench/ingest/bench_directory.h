// BenchDirectory: the working directory of the ingest benchmark, which the benchmark empties before
// each run — so it must never empty a directory that is not its own.
//
// Layout of DIR:
//   DIR/.tally-ingest-bench   marker: "this directory belongs to the ingest benchmark"
//   DIR/db/                   the tally database under test
//
// PrepareBenchDirectory(DIR) accepts only
//   - a path that does not exist (created, with parents),
//   - an empty directory, or
//   - a directory holding the marker (a previous run: its contents are deleted);
// anything else — a file, a non-empty directory without the marker (someone's data, or a tally
// database not made by the benchmark) — is refused with InvalidArgument, and nothing is deleted.
// Deleting removes DIR's entries one by one without following symbolic links; DIR itself stays.
//
// Thread-safety: plain functions; do not run two benchmarks on one directory.
#pragma once

#include <cstdint>
#include <string>

#include "tally/result.h"

namespace tally::bench {

inline constexpr const char* kBenchMarkerName = ".tally-ingest-bench";

// Makes `dir` an empty benchmark directory holding only the marker; returns the database path
// inside it.
Result<std::string> PrepareBenchDirectory(const std::string& dir);

// Total size in bytes of the regular files under `path`, walked recursively (symbolic links are
// not followed). Errors: IOError when the walk fails.
Result<uint64_t> BytesUnder(const std::string& path);

}  // namespace tally::bench
