// Block header coding: the envelope (format version, checksum) and the header fields of a block,
// shared by the encoder, the decoder and the inspector. Layout in docs/format.md ("Block"):
//
//   format_version <u8>  rows <uvarint ≤ 2^20>
//   [rows > 0]
//     min_timestamp_us <zigzag varint>   [rows > 1] timestamp_span <uvarint> (max - min)
//     4 × measure summary (input, output, latency, cost):
//         min <uvarint>  [rows > 1] span <uvarint>  [span > 0] sum - rows·min <uvarint>
//     rows > 1: retryable_count <uvarint>  fatal_count <uvarint>  rows_with_event_id <uvarint>
//     rows = 1: flags <u8: outcome | has_event_id << 2>
//   ... columns ...
//   checksum <fixed64 little-endian: XXH3-64 of every byte before it>
#pragma once

#include <string>
#include <string_view>

#include "engine/codec/block.h"
#include "engine/codec/coding.h"

namespace tally::codec {

inline constexpr size_t kChecksumBytes = 8;

// Appends the version byte and the header fields of `header`.
void WriteBlockHeader(const BlockHeader& header, std::string* out);

// Checks the version byte (NotSupported when newer than kBlockFormatVersion) and the checksum
// (Corruption); on success *body is the block without its checksum.
Status VerifyBlockEnvelope(std::string_view block, std::string_view* body);

// Reads the version byte and header fields from the start of a verified body; errors go to *in.
void ReadBlockHeaderFields(Decoder* in, BlockHeader* header);

// How many outcome values occur; with at most one the outcome column is omitted.
int OutcomeValuesPresent(const BlockHeader& header);
// The only outcome of a block whose outcome column is omitted.
uint8_t OnlyOutcome(const BlockHeader& header);

}  // namespace tally::codec
