// Little-endian fixed-width integers and LEB128 varints for the sketch format, with a reader that
// bounds-checks every read and keeps the first error.
//
// Private to engine/sketch: the sketch format is small and self-contained, and keeping its coder here
// lets the format be read and checked in one folder (docs/format.md, "Sketch").
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tally::sketch {

using uint128 = unsigned __int128;

// Appends encodings to a std::string it does not own.
class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}

  void PutByte(uint8_t b) { out_->push_back(static_cast<char>(b)); }

  void PutFixed32(uint32_t v) {
    char buf[4];
    for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
    out_->append(buf, 4);
  }

  void PutFixed64(uint64_t v) {
    char buf[8];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
    out_->append(buf, 8);
  }

  void PutVarint64(uint64_t v) {
    char buf[10];
    int n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_->append(buf, n);
  }

  // Up to 19 bytes; the same LEB128 rule as PutVarint64 extended to 128 bits.
  void PutVarint128(uint128 v) {
    char buf[19];
    int n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>((static_cast<uint8_t>(v) & 0x7F) | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    out_->append(buf, n);
  }

  // Zigzag keeps small negative numbers short: 0,-1,1,-2 -> 0,1,2,3.
  void PutSignedVarint(int64_t v) {
    PutVarint64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }

  void PutBytes(const void* data, size_t n) { out_->append(static_cast<const char*>(data), n); }

 private:
  std::string* out_;
};

// Reads from a byte range it does not own. After the first failure every read returns 0 and ok()
// stays false, so a decoder may read a whole record and check once; error() says what failed first.
// Varints must be minimal (no redundant trailing 0x80 groups) so that each value has one encoding.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}

  bool ok() const { return error_ == nullptr; }
  // A short description of the first failed read ("truncated varint", ...), or "" when ok().
  const char* error() const { return error_ ? error_ : ""; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const uint8_t* position() const { return p_; }

  // Moves the position forward by n bytes that the caller consumed directly; n <= remaining().
  void Skip(size_t n) {
    if (n > remaining()) {
      Fail("truncated data");
      return;
    }
    p_ += n;
  }

  void Fail(const char* what) {
    if (error_ == nullptr) error_ = what;
    p_ = end_;
  }

  uint8_t GetByte() {
    if (p_ == end_) {
      Fail("truncated data");
      return 0;
    }
    return *p_++;
  }

  uint64_t GetFixed64() {
    if (remaining() < 8) {
      Fail("truncated data");
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += 8;
    return v;
  }

  uint64_t GetVarint64() {
    // With ten bytes left no byte needs a bounds check: the common case, kept inline.
    if (end_ - p_ >= 10) [[likely]] {
      const uint8_t* p = p_;
      uint64_t v = 0;
      for (int shift = 0; shift < 63; shift += 7) {
        const uint8_t b = *p++;
        v |= static_cast<uint64_t>(b & 0x7F) << shift;
        if (b < 0x80) {
          if (b == 0 && shift != 0) break;  // redundant trailing group: rejected below
          p_ = p;
          return v;
        }
      }
    }
    return GetLongVarint64();  // near the end, ten bytes long, or malformed
  }

  uint128 GetVarint128() {
    // Up to nine bytes (63 bits) in 64-bit arithmetic: sums of a day of latencies fit in that.
    uint64_t v = 0;
    const uint8_t* p = p_;
    for (int shift = 0; shift < 63; shift += 7) {
      if (p == end_) {
        Fail("truncated varint");
        return 0;
      }
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) {
        if (b == 0 && shift != 0) break;  // redundant trailing group: rejected below
        p_ = p;
        return v;
      }
    }
    return GetLongVarint128();  // longer, or malformed: the general loop decides
  }

  int64_t GetSignedVarint() {
    uint64_t u = GetVarint64();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

 private:
  // GetVarint128 from the start, for values of ten bytes or more (and malformed ones).
  [[gnu::noinline]] uint128 GetLongVarint128() {
    uint128 v = 0;
    for (int shift = 0; shift < 128; shift += 7) {
      if (p_ == end_) {
        Fail("truncated varint");
        return 0;
      }
      uint8_t b = *p_++;
      if (shift == 126 && b > 3) break;  // the 19th byte holds the top two bits only
      v |= static_cast<uint128>(b & 0x7F) << shift;
      if (b < 0x80) {
        if (b == 0 && shift != 0) break;
        return v;
      }
    }
    Fail("malformed varint");
    return 0;
  }

  // GetVarint64 from the start with every check (kept out of line so GetVarint64 inlines).
  [[gnu::noinline]] uint64_t GetLongVarint64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) {
        Fail("truncated varint");
        return 0;
      }
      uint8_t b = *p_++;
      // The tenth byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && b > 1) break;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) {
        if (b == 0 && shift != 0) break;  // redundant trailing group
        return v;
      }
    }
    Fail("malformed varint");
    return 0;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  const char* error_ = nullptr;
};

inline uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // the engine targets little-endian hosts; see docs/format.md, "Sketch"
  return v;
}

}  // namespace tally::sketch
