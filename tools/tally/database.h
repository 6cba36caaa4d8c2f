// How the commands open a data directory and measure it.
//
// Readers (inspect, verify) open read-only: a RocksDB secondary instance that works beside a
// writer in another process and sees what it acknowledged before the open. Writers (ingest,
// compact) take the directory's lock; a second writer gets Busy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tally/db.h"

namespace tally::cli {

enum class OpenMode : uint8_t {
  kRead,            // read-only; the database must exist
  kWrite,           // writable; the database must exist
  kWriteOrCreate,   // writable; created when the directory is missing or empty (with the
                    // default 1m/1h/1d rollups)
};

// The database at `dir`, or a one-line reason for "tally: ..." ("cannot open DIR: Busy: ...").
// `options` gives everything but what `mode` decides (read_only, create_if_missing).
Result<std::unique_ptr<DB>> OpenDatabase(const std::string& dir, OpenMode mode, Options options = Options());

// Bytes of the regular files under `dir`, without RocksDB's diagnostic logs (LOG, LOG.old.*),
// which record what happened rather than what is stored and grow with every open.
uint64_t StoredBytes(const std::string& dir);

}  // namespace tally::cli
