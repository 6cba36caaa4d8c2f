#include "engine/series/series_key.h"

namespace tally::series {
namespace {

inline void AppendLabel(std::string_view value, std::string* out) {
  size_t n = value.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(value);
}

}  // namespace

void EncodeSeriesKey(const std::array<std::string_view, kLabelCount>& labels, std::string* out) {
  out->clear();
  for (std::string_view v : labels) AppendLabel(v, out);
}

void EncodeSeriesKey(const SeriesLabels& labels, std::string* out) {
  out->clear();
  for (const std::string& v : labels.values) AppendLabel(v, out);
}

void EncodeSeriesKey(const UsageEvent& e, std::string* out) {
  out->clear();
  AppendLabel(e.workspace, out);
  AppendLabel(e.model, out);
  AppendLabel(e.endpoint, out);
  AppendLabel(e.environment, out);
  AppendLabel(e.api_key, out);
  AppendLabel(e.user, out);
  AppendLabel(e.version, out);
}

Result<SeriesLabels> DecodeSeriesKey(std::string_view key) {
  SeriesLabels labels;
  size_t pos = 0;
  for (int i = 0; i < kLabelCount; ++i) {
    uint64_t n = 0;
    int shift = 0;
    while (true) {
      if (pos >= key.size() || shift > 14) return Status::Corruption("series key: truncated label length");
      uint8_t b = static_cast<uint8_t>(key[pos++]);
      n |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
      shift += 7;
    }
    if (n > kMaxLabelBytes || n > key.size() - pos) {
      return Status::Corruption("series key: label length " + std::to_string(n) + " out of bounds");
    }
    labels.values[i].assign(key.substr(pos, n));
    pos += n;
  }
  if (pos != key.size()) return Status::Corruption("series key: trailing bytes");
  return labels;
}

}  // namespace tally::series
