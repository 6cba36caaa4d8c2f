// Validation of appended events: the rules of tally/usage_event.h, with errors that name the event's
// index in its batch and the field ("event 17: input_tokens: negative value -3").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tally/status.h"
#include "tally/usage_event.h"

namespace tally::ingest {

// Numeric fields (tokens, latency, cost) must be below this bound, which keeps every per-block and
// per-rollup sum far from int64 overflow. Do not lower: stored data may use the whole range.
inline constexpr int64_t kMaxFieldValue = (int64_t{1} << 40) - 1;

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// OK, or InvalidArgument naming `index` and the first bad field of `event`.
Status ValidateEvent(const UsageEvent& event, size_t index);

// The two halves of ValidateEvent, for callers that validate labels once per distinct series.
Status ValidateMeasures(const UsageEvent& event, size_t index);  // timestamp, numbers, outcome
Status ValidateLabels(const UsageEvent& event, size_t index);

}  // namespace tally::ingest
