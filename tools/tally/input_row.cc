#include "tools/tally/input_row.h"

namespace tally::cli {
namespace {

constexpr std::string_view kNames[kInputFieldCount] = {
    "timestamp",    "workspace",     "model",      "endpoint",   "environment",
    "api_key",      "user",          "version",    "input_tokens", "output_tokens",
    "latency_us",   "latency_ms",    "outcome",    "cost_micros",  "event_id"};

}  // namespace

std::string_view InputFieldName(InputField field) { return kNames[static_cast<int>(field)]; }

std::optional<InputField> ParseInputFieldName(std::string_view name) {
  for (int i = 0; i < kInputFieldCount; ++i) {
    if (kNames[i] == name) return static_cast<InputField>(i);
  }
  return std::nullopt;
}

}  // namespace tally::cli
