// RollupCheck: the rollup part of verify (verify.h) — every stored rollup cell row parses, and every
// cell equals what the raw events it covers add up to.
//
// Rollups are written by flushes, in the same atomic batch as the blocks they summarise, so under
// one view the stored rows of a series must equal the rows RollupBuilder makes from all of that
// series' block events (the head's events, durable only in the log, are in neither). Cells merge
// exactly and their bytes depend only on the multiset of events they cover, so the recomputation
// does not depend on how flushes and compactions split the events into blocks. A cell the
// recomputation disagrees with is a "rollup mismatch" even when it decodes: a valid-looking cell
// with a wrong count is the damage no checksum can catch.
//
// The check walks the blocks family once (keys are ordered by series) and each rollup family once
// beside it, so it holds one series' events in memory at a time.
//
// Retention: only cells that both sides still hold whole are compared — a cell must start at or
// after the instant from which raw events are complete (the raw expiry, rounded up to the block
// window) and inside a cell row its own level has not expired (rows are dropped whole). A series
// with a block that does not decode is skipped (the block check reports the block).
//
// Thread-safety: reads only through `read` (a snapshot, or the fixed view of a read-only store).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "engine/inspect/verify.h"
#include "tally/status.h"

namespace tally::inspect {

struct RollupFamily {
  int64_t resolution_us = 0;
  rocksdb::ColumnFamilyHandle* handle = nullptr;  // opened with the rollup merge operator
};

struct RollupCheckInput {
  rocksdb::DB* db = nullptr;
  rocksdb::ReadOptions read;
  rocksdb::ColumnFamilyHandle* blocks = nullptr;
  std::vector<RollupFamily> families;  // ascending resolutions
  int64_t block_window_us = 0;
  // Per level (raw, then each family) the expiry instant (INT64_MIN: nothing expired); missing
  // entries count as nothing expired.
  std::vector<int64_t> expired_before;
  std::function<std::string(uint64_t series_id)> series_name;
  // Called once per problem found (kind "rollup" for a row or cell that does not decode or a key
  // that is not a rollup key; "rollup mismatch" for a cell that disagrees with the raw events).
  std::function<void(VerifyProblem)> report;
};

struct RollupCheckCounts {
  uint64_t rows = 0;             // stored cell rows read
  uint64_t cells = 0;            // stored cells compared with the raw events
  uint64_t skipped_series = 0;   // series not compared: one of their blocks does not decode
};

// Runs the check; an error status only when the store cannot be read.
Status CheckRollups(const RollupCheckInput& input, RollupCheckCounts* counts);

}  // namespace tally::inspect
