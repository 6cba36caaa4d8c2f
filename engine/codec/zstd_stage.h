// The zstd stage: general-purpose compression of a byte stream inside a column (e.g. the exponent
// bytes of ExponentMantissaPacker, whose skew zstd's Huffman stage codes well).
//
// Frames are written without content size, checksum or dictionary id (the block checksum already
// covers them and the caller knows the decompressed size), saving ~5 bytes per frame.
// Compression and decompression contexts are cached per thread, so no call allocates after the
// first on a thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tally::codec {

// zstd level used inside blocks: level 1 already finds the Huffman gains that matter here.
inline constexpr int kBlockZstdLevel = 1;

// Appends a zstd frame of `input` to *out; false (and *out unchanged) if zstd failed.
bool AppendZstd(std::string_view input, std::string* out);

// Decompresses `frame` into exactly `size` bytes at dst. False if the frame is damaged or does not
// hold exactly `size` bytes.
bool DecompressZstdExactly(std::string_view frame, char* dst, size_t size);

}  // namespace tally::codec
