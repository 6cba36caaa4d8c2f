// InputRow: one row of an ingest input, as text per event field, before conversion.
//
// Every ingest format (CSV, JSON lines, the Azure trace) reads its rows into this one shape, so
// that conversion and validation (event_builder.h) are the same for all of them. A field is
// "absent" when the row does not give it, gives it empty, or (JSON) gives null.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tally::cli {

// The fields of an input row, named as in CSV headers and JSON keys (InputFieldName).
enum class InputField : uint8_t {
  kTimestamp,
  kWorkspace,
  kModel,
  kEndpoint,
  kEnvironment,
  kApiKey,
  kUser,
  kVersion,
  kInputTokens,
  kOutputTokens,
  kLatencyUs,
  kLatencyMs,
  kOutcome,
  kCostMicros,
  kEventId,
};
inline constexpr int kInputFieldCount = 15;

// "timestamp", "workspace", ..., "latency_ms", "outcome", "cost_micros", "event_id".
std::string_view InputFieldName(InputField field);
// The inverse of InputFieldName; nullopt for any other text.
std::optional<InputField> ParseInputFieldName(std::string_view name);

struct InputRow {
  std::array<std::string_view, kInputFieldCount> values{};  // empty = absent
  uint64_t line = 0;      // where the row starts in its file (1-based)
  std::string_view text;  // the row as written, for the rejects file

  std::string_view Get(InputField f) const { return values[static_cast<int>(f)]; }
  void Set(InputField f, std::string_view v) { values[static_cast<int>(f)] = v; }
  void Clear() { values.fill({}); }
};

}  // namespace tally::cli
