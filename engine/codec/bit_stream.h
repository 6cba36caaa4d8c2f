// BitWriter / BitReader: a stream of bit fields packed least-significant bit first.
//
// Bit i of the stream is bit (i % 8) of byte (i / 8); a field of width w occupies the next w bits,
// its low bit first. The writer pads the last byte with zero bits. Widths are 0..64.
//
// The reader never touches memory outside its input: reading past the end yields zero bits and
// sets overrun(), which the caller checks once after a loop rather than per field (hot path).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tally::codec {

inline constexpr uint64_t LowBitsMask(unsigned width) {
  return width >= 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
}

// Bits needed to write `value` (0 for 0).
inline unsigned BitWidth(uint64_t value) { return static_cast<unsigned>(std::bit_width(value)); }

class BitWriter {
 public:
  // Appends to *out, which must stay alive and untouched by others until Finish().
  explicit BitWriter(std::string* out) : out_(out) {}

  void Write(uint64_t value, unsigned width) {
    if (width > 32) {
      WriteUpTo32(value & 0xffffffffu, 32);
      value >>= 32;
      width -= 32;
    }
    WriteUpTo32(value & LowBitsMask(width), width);
  }

  // Flushes the partial byte; the writer must not be used afterwards.
  void Finish() {
    while (fill_ > 0) {
      out_->push_back(static_cast<char>(accumulator_));
      accumulator_ >>= 8;
      fill_ = fill_ >= 8 ? fill_ - 8 : 0;
    }
  }

  static size_t BytesFor(uint64_t bits) { return static_cast<size_t>((bits + 7) / 8); }

 private:
  void WriteUpTo32(uint64_t value, unsigned width) {
    accumulator_ |= value << fill_;
    fill_ += width;
    if (fill_ >= 32) {
      char bytes[4];
      for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(accumulator_ >> (8 * i));
      out_->append(bytes, 4);
      accumulator_ >>= 32;
      fill_ -= 32;
    }
  }

  std::string* out_;
  uint64_t accumulator_ = 0;  // holds fill_ < 32 pending bits between calls
  unsigned fill_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view bytes)
      : data_(reinterpret_cast<const uint8_t*>(bytes.data())), size_(bytes.size()) {}

  // The next `width` (0..64) bits.
  uint64_t Read(unsigned width) {
    if (width > 56) {
      uint64_t low = Read(32);
      return low | (Read(width - 32) << 32);
    }
    uint64_t value = Peek56() & LowBitsMask(width);
    Skip(width);
    return value;
  }

  // The next 56 bits without consuming them (zeros past the end).
  uint64_t Peek56() const {
    size_t byte = position_ >> 3;
    uint64_t word;
    if (byte + 8 <= size_) {
      std::memcpy(&word, data_ + byte, 8);
      if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
    } else {
      word = 0;
      for (size_t i = byte; i < size_; ++i) word |= uint64_t{data_[i]} << (8 * (i - byte));
    }
    return word >> (position_ & 7);
  }

  void Skip(unsigned width) {
    position_ += width;
    if (position_ > size_ * 8) overrun_ = true;
  }

  // True once any read went past the end of the input.
  bool overrun() const { return overrun_; }
  uint64_t bit_position() const { return position_; }
  // Bytes consumed, counting a partly read byte as consumed.
  size_t bytes_consumed() const { return static_cast<size_t>((position_ + 7) / 8); }

 private:
  const uint8_t* data_;
  size_t size_;
  uint64_t position_ = 0;
  bool overrun_ = false;
};

}  // namespace tally::codec
