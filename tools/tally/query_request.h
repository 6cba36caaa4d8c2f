// QueryRequest: the command line of `tally query` turned into a tally::Query plus how to print it.
//
//   QueryRequest request;
//   std::string error;
//   if (!ParseQueryRequest(args, &request, &error)) return UsageError("query", error);
//   auto result = db->Query(request.query);
//
// Everything that can be wrong with the command line is found here, before the database is
// opened, so a usage error (exit 2) never touches the directory. "Now" is never read from the
// clock: relative ranges (--last) need --now, so a script gets the same answer on every run.
//
// The range is optional: without --from the query starts at the first instant the engine stores
// (2000-01-01), without --to it ends at the last (2200-01-01), so no flag at all means everything
// stored. open_from / open_to say which end was left open, so that a bucketed query can be cut to
// the stored data before it is run (the engine refuses more than a million buckets).
//
// Thread-safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tally/query.h"
#include "tools/tally/args.h"

namespace tally::cli {

enum class QueryKind : uint8_t { kSummary, kSeries, kTop, kLatency };
enum class OutputFormat : uint8_t { kTable, kCsv, kJson };

struct QueryRequest {
  QueryKind kind = QueryKind::kSummary;
  OutputFormat format = OutputFormat::kTable;
  std::string db;
  tally::Query query;
  bool open_from = false;  // no --from (nor --last): query.range.from_us is kMinTimestampUs
  bool open_to = false;    // no --to (nor --last): query.range.to_us is kEndTimestampUs
};

// Every flag `tally query` knows (each subcommand accepts a subset; ParseQueryRequest says which).
std::vector<FlagSpec> QueryFlagSpecs();

// Fills *request from parsed flags and the subcommand (the first positional argument). False with
// a message naming the bad flag or value on any usage error.
bool ParseQueryRequest(const Args& args, QueryRequest* request, std::string* error);

// "1h", "24h", "7d", "30m" (minutes), "2w" -> µs; nullopt for anything else (no sign, no zero).
std::optional<int64_t> ParseSpan(std::string_view text);

// The column name of quantile q: "p" + 100·q without trailing zeros — 0.5 -> "p50", 0.999 ->
// "p99.9", 1 -> "p100".
std::string QuantileName(double q);

}  // namespace tally::cli
