// Column selection: the analyze step that picks, per column per block, the smallest codec, and the
// framing every encoded column shares:
//
//   codec <u8: ColumnCodecId << 4 | PackingId>  payload_size <uvarint>  payload <payload_size bytes>
//
// An integer column's payload is the transform's parameters followed by the packed residuals; an
// outcome column's payload is the outcome codec's bytes. The size prefix lets a reader skip a
// column it does not need and bounds every codec to its own bytes.
#pragma once

#include <span>
#include <string>

#include "engine/codec/coding.h"
#include "engine/codec/column_codec.h"

namespace tally::codec {

// Which packings EncodeIntegerColumn considers.
enum class PackingChoice : uint8_t {
  kSmallest,  // estimate every packing and keep the smallest
  kFastest,   // framed bit-packing only: no estimate pass, a few ns per value
};

// Appends the framed column: for each of `candidates` that applies, every packing of `packings` is
// estimated and the smallest pair is written.
void EncodeIntegerColumn(std::span<const uint64_t> values, const TransformContext& context,
                         std::span<const ColumnCodecId> candidates, std::string* out,
                         PackingChoice packings = PackingChoice::kSmallest);
// Reads one framed integer column into out (whose size is the row count); errors go to *in.
void DecodeIntegerColumn(Decoder* in, const TransformContext& context, std::span<uint64_t> out);

void EncodeOutcomeColumn(std::span<const uint8_t> outcomes, std::string* out);
void DecodeOutcomeColumn(Decoder* in, std::span<uint8_t> out);

}  // namespace tally::codec
