// Block: one series' raw usage events over a span of time, stored column by column.
//
// A block is the unit the store writes under a `blocks` key. Its header carries everything needed to
// aggregate the block without decoding it (row count, time range, per-column min/max/sum, outcome
// counts); each column is then encoded on its own by whichever codec is smallest for that column in
// that block (see column_codec.h), and an XXH3-64 checksum covers all bytes. The byte layout is in
// docs/format.md ("Block"); the constants here point to it.
//
//   BlockColumns columns;
//   columns.push_back({.timestamp_us = t, .input_tokens = 812, ...});
//   std::string bytes;
//   TALLY_RETURN_IF_ERROR(EncodeBlock(columns, &bytes));
//   ...
//   TALLY_ASSIGN_OR_RETURN(BlockHeader header, ReadBlockHeader(bytes));   // cheap
//   TALLY_RETURN_IF_ERROR(DecodeBlock(bytes, &columns));                   // all rows
//
// Thread-safety: the functions are reentrant; they share no mutable state between calls except
// per-thread compression contexts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tally/result.h"
#include "tally/status.h"

namespace tally::codec {

// The block format this build writes. A reader accepts versions 1..kBlockFormatVersion and answers
// NotSupported for newer ones. Do not change: on-disk format (bump for a new layout).
inline constexpr uint8_t kBlockFormatVersion = 1;
// Most rows one block may hold; EncodeBlock rejects more and DecodeBlock treats more as damage.
inline constexpr uint32_t kMaxBlockRows = 1u << 20;
// input_tokens, output_tokens, latency_us and cost_micros must lie in [0, kMaxMeasureValue).
inline constexpr int64_t kMaxMeasureValue = int64_t{1} << 40;

// One event as a row; a convenience for BlockColumns::push_back.
struct BlockRow {
  int64_t timestamp_us = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t latency_us = 0;
  int64_t cost_micros = 0;
  uint8_t outcome = 0;  // a tally::Outcome value
  uint64_t event_id = 0;
};

// One series' events, column by column; all vectors have the same length.
struct BlockColumns {
  // µs since the epoch; usually ascending, but any order (and any int64) round-trips.
  std::vector<int64_t> timestamp_us;
  // Each value in [0, kMaxMeasureValue).
  std::vector<int64_t> input_tokens, output_tokens, latency_us, cost_micros;
  std::vector<uint8_t> outcome;  // tally::Outcome values 0, 1, 2
  std::vector<uint64_t> event_id;  // 0 = no id

  size_t size() const { return timestamp_us.size(); }
  bool empty() const { return timestamp_us.empty(); }
  void clear();
  void reserve(size_t n);
  void resize(size_t n);
  void push_back(const BlockRow& row);
  BlockRow row(size_t i) const;

  friend bool operator==(const BlockColumns&, const BlockColumns&) = default;
};

// min, max and sum of one column over a block's rows (all 0 for an empty block).
struct ColumnSummary {
  int64_t min = 0, max = 0, sum = 0;
  friend bool operator==(const ColumnSummary&, const ColumnSummary&) = default;
};

// What a block says about itself without decoding its columns.
struct BlockHeader {
  uint8_t format_version = kBlockFormatVersion;
  uint32_t rows = 0;
  int64_t min_timestamp_us = 0, max_timestamp_us = 0;  // 0, 0 when empty
  ColumnSummary input_tokens, output_tokens, latency_us, cost_micros;
  std::array<uint32_t, 3> outcome_counts{};  // indexed by tally::Outcome value
  uint32_t rows_with_event_id = 0;            // rows whose event_id is not 0

  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

// The header EncodeBlock would write for `columns` (computed from the rows). REQUIRES: the columns
// are valid for EncodeBlock.
BlockHeader SummarizeColumns(const BlockColumns& columns);

// How hard EncodeBlock works at making the block small. Both produce the same format; a reader
// cannot tell them apart except by size.
enum class EncodeEffort : uint8_t {
  kSmallest,  // try every codec of every column and keep the smallest (compaction)
  kFast,      // one cheap codec per column: several times faster, larger blocks (head flushes)
};

// Encodes `columns` (at most kMaxBlockRows rows) into *out, replacing its contents.
// InvalidArgument for columns of different lengths, too many rows, a measure outside
// [0, kMaxMeasureValue) or an outcome above 2; *out is then unspecified.
Status EncodeBlock(const BlockColumns& columns, std::string* out, EncodeEffort effort = EncodeEffort::kSmallest);

// Verifies the checksum and parses only the header (no column is decoded).
// Corruption on any damage; NotSupported for a format version newer than this build.
Result<BlockHeader> ReadBlockHeader(std::string_view block);

// Verifies the checksum and decodes every column into *out (replacing its contents), and the header
// into *header when given. Corruption on any damage (never a crash, hang or allocation beyond
// kMaxBlockRows rows); NotSupported for a format version newer than this build. On error *out is
// unspecified.
Status DecodeBlock(std::string_view block, BlockColumns* out, BlockHeader* header = nullptr);

}  // namespace tally::codec
