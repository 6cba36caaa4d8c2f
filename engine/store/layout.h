// The RocksDB layout of a tally directory: column families and key encodings.
//
// docs/format.md draws every key and value byte by byte; the constants here are what it describes.
// All multi-byte integers in keys are big-endian so that RocksDB's bytewise order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tally::store {

// Column family names. Do not change: on-disk format.
inline constexpr std::string_view kMetaFamily = "default";   // format version, shape options, counters
inline constexpr std::string_view kSeriesFamily = "series";  // series key <-> id, label postings
inline constexpr std::string_view kLogFamily = "log";        // appended batches not yet in blocks
inline constexpr std::string_view kBlocksFamily = "blocks";  // compressed columnar event blocks
inline constexpr std::string_view kDedupFamily = "dedup";    // the event ids each append stored

// The format version this build writes and the newest it reads.
inline constexpr uint32_t kFormatVersion = 1;

// Meta keys (in the default family). Do not change: on-disk format.
inline constexpr std::string_view kMetaFormatVersion = "tally.format_version";  // fixed32 LE
inline constexpr std::string_view kMetaBlockWindow = "tally.block_window_us";   // fixed64 LE
inline constexpr std::string_view kMetaNextBlockSeq = "tally.next_block_seq";   // fixed64 LE
// The rollup resolutions chosen at creation: count fixed32 LE, then each width fixed64 LE.
inline constexpr std::string_view kMetaRollupResolutions = "tally.rollup_resolutions_us";
// Blocks with a sequence number below this were written (or rewritten) by a compaction.
inline constexpr std::string_view kMetaCompactedBelowSeq = "tally.compacted_below_seq";  // fixed64 LE
inline constexpr std::string_view kMetaDedupHighWater = "tally.dedup_high_water_us";  // fixed64 LE
// Retention applied so far: count fixed32 LE, then per level (raw blocks, then each rollup family
// in ascending resolution) the instant fixed64 LE (two's complement) before which that level's
// records are expired. Only ever moves forward.
inline constexpr std::string_view kMetaExpiredBefore = "tally.expired_before_us";

// Series family record tags. Do not change: on-disk format.
inline constexpr char kSeriesByKeyTag = 'K';   // 'K' | canonical key            -> id (fixed64 BE)
inline constexpr char kSeriesByIdTag = 'I';    // 'I' | id (fixed64 BE)          -> canonical key
inline constexpr char kPostingTag = 'P';       // 'P' | label u8 | uvarint len | value | id BE -> ""

void PutFixed64BE(std::string* out, uint64_t v);
uint64_t DecodeFixed64BE(const char* p);

std::string SeriesByKeyKey(std::string_view canonical_key);
std::string SeriesByIdKey(uint64_t series_id);
std::string PostingKey(uint8_t label, std::string_view value, uint64_t series_id);

// Log family: fixed64 BE log sequence number.
std::string LogKey(uint64_t log_seq);

// Blocks family: series id | window start (µs, as uint64) | block sequence, each fixed64 BE.
inline constexpr size_t kBlockKeySize = 24;
std::string BlockKey(uint64_t series_id, int64_t window_start_us, uint64_t block_seq);
struct BlockKeyParts {
  uint64_t series_id = 0;
  int64_t window_start_us = 0;
  uint64_t block_seq = 0;
};
// False when `key` is not a block key.
bool ParseBlockKey(std::string_view key, BlockKeyParts* parts);

// Rollup families: series id | row start (µs, as uint64), each fixed64 BE -> cell row.
std::string RollupKey(uint64_t series_id, int64_t row_start_us);

// Dedup family: the log sequence number of the append, fixed64 BE -> its dedup record.
std::string DedupKey(uint64_t log_seq);

// The start of the window holding `t` for windows of `window_us` (floor division; t may be negative
// only in tests).
inline int64_t WindowStart(int64_t t, int64_t window_us) {
  int64_t q = t / window_us;
  if (t % window_us < 0) --q;
  return q * window_us;
}

}  // namespace tally::store
