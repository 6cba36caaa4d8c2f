// Coding: the primitive byte encodings every tally format is built from.
//
//   - little-endian fixed-width integers (PutFixed32/64, DecodeFixed32/64);
//   - unsigned LEB128 varints (PutVarint64): 7 bits per byte, low groups first, high bit = "more";
//   - zigzag (ZigZagEncode): maps signed integers to unsigned so that small magnitudes stay small
//     (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...), written as a varint by PutSignedVarint64;
//   - Decoder: a bounds-checked reader over bytes that keeps its first error.
//
// The Decoder never reads past its input. A failed read returns 0 (or an empty view), records a
// Corruption status naming what was being read and where, and turns every later read into a no-op,
// so a parser can read a whole record and check ok() once at the end. Counts and lengths taken from
// bytes must be read with ReadCount/ReadLength, which reject values above a caller-given cap before
// anybody allocates for them.
//
// Thread-safety: the free functions are pure; a Decoder is a value owned by one thread at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "tally/status.h"

namespace tally::codec {

// ---- fixed-width little-endian -----------------------------------------------------------------

inline void EncodeFixed32(char* dst, uint32_t value) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(value >> (8 * i));
}
inline void EncodeFixed64(char* dst, uint64_t value) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<char>(value >> (8 * i));
}
inline uint32_t DecodeFixed32(const char* src) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(static_cast<uint8_t>(src[i])) << (8 * i);
  return value;
}
inline uint64_t DecodeFixed64(const char* src) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(static_cast<uint8_t>(src[i])) << (8 * i);
  return value;
}
inline void PutFixed32(std::string* dst, uint32_t value) {
  char buf[4];
  EncodeFixed32(buf, value);
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t value) {
  char buf[8];
  EncodeFixed64(buf, value);
  dst->append(buf, 8);
}

// ---- varints and zigzag ------------------------------------------------------------------------

inline constexpr int kMaxVarint64Bytes = 10;

// Bytes PutVarint64 writes for `value` (1..10).
inline int VarintLength(uint64_t value) {
  int length = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++length;
  }
  return length;
}

// Writes `value` at dst (which must have room for kMaxVarint64Bytes); returns the end.
inline char* EncodeVarint64(char* dst, uint64_t value) {
  while (value >= 0x80) {
    *dst++ = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  *dst++ = static_cast<char>(value);
  return dst;
}
inline void PutVarint64(std::string* dst, uint64_t value) {
  char buf[kMaxVarint64Bytes];
  dst->append(buf, EncodeVarint64(buf, value) - buf);
}

inline constexpr uint64_t ZigZagEncode(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline constexpr int64_t ZigZagDecode(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}
inline void PutSignedVarint64(std::string* dst, int64_t value) { PutVarint64(dst, ZigZagEncode(value)); }

// ---- Decoder -----------------------------------------------------------------------------------

class Decoder {
 public:
  // `input` must outlive the Decoder and every view it returns. `what` names the record in error
  // messages ("block", "log record"); it must outlive the Decoder too (a literal, typically).
  explicit Decoder(std::string_view input, const char* what = "input")
      : begin_(input.data()), pos_(input.data()), end_(input.data() + input.size()), what_(what) {}

  bool ok() const { return status_.ok(); }
  // OK, or the first error met.
  const Status& status() const { return status_; }
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  bool empty() const { return pos_ == end_; }
  size_t offset() const { return static_cast<size_t>(pos_ - begin_); }

  uint8_t ReadByte(const char* field) {
    if (pos_ == end_) return Fail(field, "truncated"), 0;
    return static_cast<uint8_t>(*pos_++);
  }
  uint32_t ReadFixed32(const char* field) {
    if (remaining() < 4) return Fail(field, "truncated"), 0;
    uint32_t value = DecodeFixed32(pos_);
    pos_ += 4;
    return value;
  }
  uint64_t ReadFixed64(const char* field) {
    if (remaining() < 8) return Fail(field, "truncated"), 0;
    uint64_t value = DecodeFixed64(pos_);
    pos_ += 8;
    return value;
  }

  uint64_t ReadVarint64(const char* field) {
    // Fast path: with 10 bytes available no bounds check is needed inside the loop.
    if (remaining() >= kMaxVarint64Bytes) {
      uint64_t result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        uint64_t byte = static_cast<uint8_t>(*pos_++);
        result |= (byte & 0x7f) << shift;
        if (byte < 0x80) {
          if (shift == 63 && byte > 1) break;  // the 10th byte may only carry the top bit
          return result;
        }
      }
      return Fail(field, "malformed varint"), 0;
    }
    return ReadVarint64Slow(field);
  }
  int64_t ReadSignedVarint64(const char* field) { return ZigZagDecode(ReadVarint64(field)); }

  // A varint that counts or sizes something; values above `max` are Corruption.
  uint64_t ReadCount(const char* field, uint64_t max) {
    uint64_t value = ReadVarint64(field);
    if (value > max) return Fail(field, "value too large"), 0;
    return value;
  }

  // The next `n` bytes, or an empty view (and an error) if fewer remain.
  std::string_view ReadBytes(size_t n, const char* field) {
    if (remaining() < n) return Fail(field, "truncated"), std::string_view();
    std::string_view bytes(pos_, n);
    pos_ += n;
    return bytes;
  }
  // A varint length (at most `max_length`) followed by that many bytes.
  std::string_view ReadLengthPrefixed(const char* field, size_t max_length) {
    uint64_t length = ReadCount(field, max_length);
    return ok() ? ReadBytes(static_cast<size_t>(length), field) : std::string_view();
  }

  // Records a Corruption error unless one is already recorded, and stops further reads.
  void Fail(const char* field, const char* problem);
  // Records `status` (not OK) as the error unless one is already recorded.
  void Fail(Status status);

 private:
  uint64_t ReadVarint64Slow(const char* field);

  const char* begin_;
  const char* pos_;
  const char* end_;
  const char* what_;
  Status status_;
};

}  // namespace tally::codec
