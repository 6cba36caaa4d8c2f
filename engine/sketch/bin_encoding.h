// The two encodings of a sketch's bin counts (layout in docs/format.md, "Sketch", "Bins"):
//
//   dense   groups of 16 consecutive counts, each group a width byte w (0..64) and the 16 counts
//           packed in w bits each, least significant bit first: 2*w bytes (the last group may be
//           shorter). Good when most bins in the range are occupied: a minute of latencies.
//   sparse  one entry per non-empty bin: uvarint((gap - 1) << 1 | (count > 1)), then
//           uvarint(count - 2) when count > 1. Good for a handful of values spread over many bins.
//
// The encoder measures both and writes the smaller (dense on a tie). Decoders check each width is
// minimal, so every count sequence has one dense encoding and one sparse encoding.
//
// Counts in memory are 32-bit (a narrow BinStore) or 64-bit; every function takes either. A
// decoder writing 32-bit counts rejects a count that does not fit as corrupt: its caller picks
// 32 bits only when the sketch's header says the counts total less than 2^32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/sketch/byte_coding.h"

namespace tally::sketch {

inline constexpr size_t kDenseGroupSize = 16;

// Encoded sizes in bytes of `counts` (first and last entries non-zero).
size_t DenseEncodedSize(std::span<const uint32_t> counts);
size_t DenseEncodedSize(std::span<const uint64_t> counts);
size_t SparseEncodedSize(std::span<const uint32_t> counts);
size_t SparseEncodedSize(std::span<const uint64_t> counts);

void EncodeDense(std::span<const uint32_t> counts, ByteWriter& out);
void EncodeDense(std::span<const uint64_t> counts, ByteWriter& out);
void EncodeSparse(std::span<const uint32_t> counts, ByteWriter& out);
void EncodeSparse(std::span<const uint64_t> counts, ByteWriter& out);

// Decode exactly out.size() counts into `out` and return their sum (at most 2^80, so 128 bits do
// not overflow). On malformed input they call in.Fail(...) and return 0; `out` is then partly
// written. The sparse decoder also requires the last entry to land on the last bin.
uint128 DecodeDense(ByteReader& in, std::span<uint64_t> out);
uint128 DecodeSparse(ByteReader& in, std::span<uint64_t> out);
uint128 DecodeSparse(ByteReader& in, std::span<uint32_t> out);

// What a dense decode saw: the sum of the counts, and the first and last count.
struct DenseSummary {
  uint128 total = 0;
  uint64_t first = 0;
  uint64_t last = 0;
};

// DecodeDense reporting the summary; false (after in.Fail) on malformed input. `readable`, when
// given, is a byte range around the reader's bytes that the decoder may also read (never as
// data): the rest of the sketch lets it load whole words near the ends.
bool DecodeDense(ByteReader& in, std::span<uint64_t> out, DenseSummary* summary,
                 std::span<const uint8_t> readable = {});
bool DecodeDense(ByteReader& in, std::span<uint32_t> out, DenseSummary* summary,
                 std::span<const uint8_t> readable = {});

// Decodes n dense-encoded counts and adds them to dst[0..n), all or nothing: on malformed input
// it calls in.Fail(...), leaves dst as it was and returns false. (Additions wrap, so taking the
// counts out again always restores dst exactly.) `readable` as for DecodeDense.
bool AddDense(ByteReader& in, uint64_t* dst, size_t n, DenseSummary* summary,
              std::span<const uint8_t> readable = {});
bool AddDense(ByteReader& in, uint32_t* dst, size_t n, DenseSummary* summary,
              std::span<const uint8_t> readable = {});

// Undoes a successful AddDense(n counts from `encoded`) on dst, for a check that fails after it.
void SubtractDense(std::span<const uint8_t> encoded, uint64_t* dst, size_t n);
void SubtractDense(std::span<const uint8_t> encoded, uint32_t* dst, size_t n);

// The dense decoders have an AVX2 version, used when the CPU has AVX2. For tests: turns it off
// (false) or back on (true, still only on a CPU with AVX2); returns the previous setting. Not
// thread-safe: call it while no sketch is being decoded.
bool SetDenseAvx2ForTesting(bool enabled);

}  // namespace tally::sketch
