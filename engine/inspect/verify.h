// Verify: proves that what a tally database stores is intact, record by record, and names what is
// not: the series, the time range and the kind of damage.
//
// Checked:
//   meta     the format version record is present and readable;
//   series   every id -> key record: key well formed, the key decodes to labels, the key -> id
//            record agrees, all seven postings exist; every key -> id record has its id -> key
//            record; every posting names a known series and that series' value of its label;
//   blocks   every key is a block key of a known series, its window start is a multiple of the
//            block window; the block decodes (checksum, header, every column) and every event
//            lies inside the block's window and the valid time range;
//   log      every record decodes (checksum) and names only known series;
//   dedup    every record decodes (checksum);
//   rollups  every cell row decodes (checksum, cells, sketches), and every cell equals the cell
//            recomputed from the raw events of its series and bucket (rollup_check.h), wherever
//            retention left both whole.
//
// Everything is read under one view (see inspect.h). Verify reads the store directly, not through
// the DB's in-memory catalog, so it also finds damage the open did not notice; VerifyDirectory
// works on a directory that DB::Open refuses (for example a damaged series record).
//
// Thread-safety: may run beside appends and reads of the same DB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tally/db.h"
#include "tally/result.h"

namespace tally::inspect {

struct VerifyProblem {
  // "series record", "posting", "block key", "block", "block window", "log record",
  // "dedup record", "meta", "rollup" (a row or key that does not decode), "rollup mismatch" (a
  // cell that disagrees with the raw events).
  std::string kind;
  std::string series;  // labels ("workspace=a,model=m,endpoint=e") or "id N"; empty when unknown
  bool has_time_range = false;
  int64_t from_us = 0, to_us = 0;  // [from, to) of the damaged data, when known
  std::string detail;              // what is wrong, with the record's key
};

struct VerifyReport {
  uint64_t series = 0;  // id -> key records
  uint64_t postings = 0;
  uint64_t blocks = 0;
  uint64_t block_events = 0;
  uint64_t log_records = 0;
  uint64_t log_events = 0;
  uint64_t dedup_records = 0;
  uint64_t dedup_ids = 0;
  bool rollups_checked = false;  // false: the store keeps no rollups
  uint64_t rollup_rows = 0;
  uint64_t rollup_cells = 0;           // compared with the raw events
  uint64_t rollup_skipped_series = 0;  // not compared: a block of theirs does not decode

  uint64_t problem_count = 0;
  std::vector<VerifyProblem> problems;  // the first kMaxListedProblems

  static constexpr size_t kMaxListedProblems = 1000;
  bool ok() const { return problem_count == 0; }
};

// Verifies the store of `db` (any tally DB; it is a db::DBImpl). Damage is reported in the
// result; an error status only means the store could not be read at all.
Result<VerifyReport> Verify(DB& db);

// Verifies the tally database in `dir` without DB::Open: opens the RocksDB store read-only (as a
// secondary instance) and checks it as above. For directories DB::Open refuses as damaged.
Result<VerifyReport> VerifyDirectory(const std::string& dir);

}  // namespace tally::inspect
