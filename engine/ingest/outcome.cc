#include "tally/usage_event.h"

namespace tally {

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kSuccess: return "success";
    case Outcome::kRetryableError: return "retryable_error";
    case Outcome::kFatalError: return "fatal_error";
  }
  return "unknown";
}

std::optional<Outcome> ParseOutcome(std::string_view name) {
  for (int i = 0; i < kOutcomeCount; ++i) {
    if (OutcomeName(static_cast<Outcome>(i)) == name) return static_cast<Outcome>(i);
  }
  return std::nullopt;
}

}  // namespace tally
