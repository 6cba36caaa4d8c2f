// UsageEvent: one finished inference request, as a gateway reports it to tally.
//
// An event belongs to one series, named by its labels: workspace, model and endpoint (required),
// and environment, api_key, user and version (optional; empty means "not set"). The remaining fields
// are the measurements of the request.
//
// The string fields are views: tally copies what it keeps, so they need to stay valid only for the
// duration of the call they are passed to (DB::Append).
//
// Validity (checked by DB::Append, which rejects the whole batch on the first bad event):
//   - timestamp_us in [2000-01-01, 2200-01-01) UTC, microseconds since the Unix epoch;
//   - workspace, model and endpoint non-empty; every label at most 256 bytes of valid UTF-8;
//   - input_tokens, output_tokens, latency_us and cost_micros >= 0;
//   - outcome one of the values below.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tally {

// How a request ended. The numeric values are stored on disk: do not change them.
enum class Outcome : uint8_t {
  kSuccess = 0,
  kRetryableError = 1,  // includes rate-limited requests
  kFatalError = 2,
};
inline constexpr int kOutcomeCount = 3;

// "success", "retryable_error", "fatal_error".
std::string_view OutcomeName(Outcome outcome);
// The inverse of OutcomeName; nullopt for any other text.
std::optional<Outcome> ParseOutcome(std::string_view name);

// The smallest and the first timestamp past the range an event may carry (2000-01-01, 2200-01-01).
inline constexpr int64_t kMinTimestampUs = 946684800LL * 1000000;
inline constexpr int64_t kEndTimestampUs = 7258118400LL * 1000000;
// Longest label value accepted, in bytes.
inline constexpr size_t kMaxLabelBytes = 256;

struct UsageEvent {
  int64_t timestamp_us = 0;  // when the request finished, µs since the Unix epoch (UTC)

  std::string_view workspace;
  std::string_view model;
  std::string_view endpoint;
  std::string_view environment;  // e.g. "production", "staging"; optional
  std::string_view api_key;      // an identifier of the key, not the secret; optional
  std::string_view user;         // the team member; optional
  std::string_view version;      // deployment version; optional

  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int64_t latency_us = 0;
  Outcome outcome = Outcome::kSuccess;
  int64_t cost_micros = 0;  // exact money in millionths of the billing currency

  // Idempotency key: an event whose id was already stored (within Options::dedup_window_us of
  // event time) is counted as a duplicate and not stored again. 0 means "no id".
  uint64_t event_id = 0;
};

}  // namespace tally
