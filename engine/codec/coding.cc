#include "engine/codec/coding.h"

namespace tally::codec {

void Decoder::Fail(const char* field, const char* problem) {
  if (!status_.ok()) return;
  Fail(Status::Corruption(std::string(what_) + ": " + field + ": " + problem + " at offset " +
                          std::to_string(offset())));
}

void Decoder::Fail(Status status) {
  if (!status_.ok()) return;
  status_ = std::move(status);
  pos_ = end_;  // every later read fails fast and cheaply
}

uint64_t Decoder::ReadVarint64Slow(const char* field) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && pos_ != end_; shift += 7) {
    uint64_t byte = static_cast<uint8_t>(*pos_++);
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      if (shift == 63 && byte > 1) break;
      return result;
    }
  }
  Fail(field, pos_ == end_ ? "truncated varint" : "malformed varint");
  return 0;
}

}  // namespace tally::codec
