#include "engine/ingest/validate.h"

#include <cstring>
#include <string>

namespace tally::ingest {

bool IsValidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    // Labels are almost always ASCII: skip eight bytes at a time while no high bit is set.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

namespace {

Status Bad(size_t index, std::string_view field, const std::string& why) {
  std::string message = "event ";
  message += std::to_string(index);
  message += ": ";
  message += field;
  message += ": ";
  message += why;
  return Status::InvalidArgument(std::move(message));
}

Status CheckLabel(size_t index, std::string_view field, std::string_view value, bool required) {
  if (required && value.empty()) return Bad(index, field, "must not be empty");
  if (value.size() > kMaxLabelBytes) {
    return Bad(index, field, "longer than 256 bytes (" + std::to_string(value.size()) + ")");
  }
  if (!IsValidUtf8(value)) return Bad(index, field, "not valid UTF-8");
  return Status::OK();
}

Status CheckCount(size_t index, std::string_view field, int64_t value) {
  if (value < 0) return Bad(index, field, "negative value " + std::to_string(value));
  if (value > kMaxFieldValue) {
    return Bad(index, field, "value " + std::to_string(value) + " exceeds 2^40-1");
  }
  return Status::OK();
}

}  // namespace

Status ValidateMeasures(const UsageEvent& e, size_t index) {
  if (e.timestamp_us < kMinTimestampUs || e.timestamp_us >= kEndTimestampUs) [[unlikely]] {
    return Bad(index, "timestamp", std::to_string(e.timestamp_us) +
                                       " µs is outside [2000-01-01, 2200-01-01)");
  }
  // One combined test keeps the common all-valid case to a single branch.
  if (static_cast<uint64_t>(e.input_tokens) > static_cast<uint64_t>(kMaxFieldValue) ||
      static_cast<uint64_t>(e.output_tokens) > static_cast<uint64_t>(kMaxFieldValue) ||
      static_cast<uint64_t>(e.latency_us) > static_cast<uint64_t>(kMaxFieldValue) ||
      static_cast<uint64_t>(e.cost_micros) > static_cast<uint64_t>(kMaxFieldValue)) [[unlikely]] {
    Status s;
    if (!(s = CheckCount(index, "input_tokens", e.input_tokens)).ok()) return s;
    if (!(s = CheckCount(index, "output_tokens", e.output_tokens)).ok()) return s;
    if (!(s = CheckCount(index, "latency_us", e.latency_us)).ok()) return s;
    return CheckCount(index, "cost_micros", e.cost_micros);
  }
  if (static_cast<uint8_t>(e.outcome) >= kOutcomeCount) [[unlikely]] {
    return Bad(index, "outcome", "unknown value " + std::to_string(static_cast<int>(e.outcome)));
  }
  return Status::OK();
}

Status ValidateLabels(const UsageEvent& e, size_t index) {
  Status s;
  if (!(s = CheckLabel(index, "workspace", e.workspace, true)).ok()) return s;
  if (!(s = CheckLabel(index, "model", e.model, true)).ok()) return s;
  if (!(s = CheckLabel(index, "endpoint", e.endpoint, true)).ok()) return s;
  if (!(s = CheckLabel(index, "environment", e.environment, false)).ok()) return s;
  if (!(s = CheckLabel(index, "api_key", e.api_key, false)).ok()) return s;
  if (!(s = CheckLabel(index, "user", e.user, false)).ok()) return s;
  return CheckLabel(index, "version", e.version, false);
}

Status ValidateEvent(const UsageEvent& e, size_t index) {
  // Field order of the messages: timestamp first, then labels, then measures.
  if (e.timestamp_us < kMinTimestampUs || e.timestamp_us >= kEndTimestampUs) return ValidateMeasures(e, index);
  Status s = ValidateLabels(e, index);
  if (!s.ok()) return s;
  return ValidateMeasures(e, index);
}

}  // namespace tally::ingest
