// Block inspection: where the bytes of an encoded block go, column by column, and which codec each
// column uses. For the `inspect` tool, for tests and for the compression benchmarks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/codec/block.h"
#include "tally/result.h"

namespace tally::codec {

struct EncodedColumnInfo {
  std::string column;  // "timestamp_us", "input_tokens", ... "event_id"
  std::string codec;   // e.g. "delta+rice"; "implied" when the header determines the column
  size_t bytes = 0;    // codec byte, size prefix and payload; 0 when implied
};

struct BlockLayout {
  BlockHeader header;
  size_t header_bytes = 0;    // version, rows and summaries
  size_t checksum_bytes = 0;
  std::vector<EncodedColumnInfo> columns;  // always the 7 columns, in block order
};

// Verifies the checksum and describes the block's layout (columns are not decoded).
Result<BlockLayout> DescribeBlock(std::string_view block);

// "frame-of-reference", "delta", ... for a ColumnCodecId value; "bit-packed", ... for a PackingId.
std::string CodecName(uint8_t codec_byte);

}  // namespace tally::codec
