#include "engine/store/layout.h"

namespace tally::store {

void PutFixed64BE(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string SeriesByKeyKey(std::string_view canonical_key) {
  std::string key;
  key.reserve(1 + canonical_key.size());
  key.push_back(kSeriesByKeyTag);
  key.append(canonical_key);
  return key;
}

std::string SeriesByIdKey(uint64_t series_id) {
  std::string key(1, kSeriesByIdTag);
  PutFixed64BE(&key, series_id);
  return key;
}

std::string PostingKey(uint8_t label, std::string_view value, uint64_t series_id) {
  std::string key;
  key.push_back(kPostingTag);
  key.push_back(static_cast<char>(label));
  // Length before bytes keeps "a" and "ab" postings apart under prefix scans.
  size_t n = value.size();
  while (n >= 0x80) {
    key.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  key.push_back(static_cast<char>(n));
  key.append(value);
  PutFixed64BE(&key, series_id);
  return key;
}

std::string LogKey(uint64_t log_seq) {
  std::string key;
  PutFixed64BE(&key, log_seq);
  return key;
}

std::string BlockKey(uint64_t series_id, int64_t window_start_us, uint64_t block_seq) {
  std::string key;
  key.reserve(kBlockKeySize);
  PutFixed64BE(&key, series_id);
  PutFixed64BE(&key, static_cast<uint64_t>(window_start_us));
  PutFixed64BE(&key, block_seq);
  return key;
}

bool ParseBlockKey(std::string_view key, BlockKeyParts* parts) {
  if (key.size() != kBlockKeySize) return false;
  parts->series_id = DecodeFixed64BE(key.data());
  parts->window_start_us = static_cast<int64_t>(DecodeFixed64BE(key.data() + 8));
  parts->block_seq = DecodeFixed64BE(key.data() + 16);
  return true;
}

std::string RollupKey(uint64_t series_id, int64_t row_start_us) {
  std::string key;
  key.reserve(16);
  PutFixed64BE(&key, series_id);
  PutFixed64BE(&key, static_cast<uint64_t>(row_start_us));
  return key;
}

std::string DedupKey(uint64_t log_seq) {
  std::string key;
  PutFixed64BE(&key, log_seq);
  return key;
}

}  // namespace tally::store
