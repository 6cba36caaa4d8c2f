#include "tools/tally/event_builder.h"

#include "engine/ingest/validate.h"
#include "tools/tally/input_values.h"

namespace tally::cli {
namespace {

bool Problem(RowProblem* problem, std::optional<InputField> field, std::string_view reason) {
  problem->field = field;
  problem->reason.assign(reason);
  return false;
}

// A conversion failure, quoting the value (cut at 40 bytes) so that the reject is self-explaining.
bool BadValue(RowProblem* problem, InputField field, std::string_view why, std::string_view text) {
  std::string reason(why);
  reason += " ('";
  reason += text.substr(0, 40);
  if (text.size() > 40) reason += "...";
  reason += "')";
  return Problem(problem, field, reason);
}

// Splits the engine's "event N: field: reason" into the field and the reason.
bool EngineProblem(const Status& status, bool latency_in_ms, RowProblem* problem) {
  std::string_view message = status.message();
  size_t colon = message.find(": ");
  if (colon != std::string_view::npos) message.remove_prefix(colon + 2);
  colon = message.find(": ");
  if (colon == std::string_view::npos) return Problem(problem, std::nullopt, status.message());
  std::optional<InputField> field = ParseInputFieldName(message.substr(0, colon));
  if (!field) return Problem(problem, std::nullopt, status.message());
  if (*field == InputField::kLatencyUs && latency_in_ms) field = InputField::kLatencyMs;
  return Problem(problem, *field, message.substr(colon + 2));
}

constexpr InputField kRequired[] = {InputField::kTimestamp,   InputField::kWorkspace,    InputField::kModel,
                                    InputField::kEndpoint,    InputField::kInputTokens,  InputField::kOutputTokens,
                                    InputField::kOutcome};

}  // namespace

bool EventBuilder::Build(const InputRow& row, UsageEvent* event, RowProblem* problem) {
  auto get = [&](InputField f) {
    std::string_view v = row.Get(f);
    return v.empty() ? defaults_[static_cast<int>(f)] : v;
  };
  auto missing = [&](InputField f) { return Problem(problem, f, "missing"); };

  const std::string_view timestamp = get(InputField::kTimestamp);
  if (timestamp.empty()) return missing(InputField::kTimestamp);
  if (const char* why = ParseTimestampText(timestamp, &event->timestamp_us)) {
    return BadValue(problem, InputField::kTimestamp, why, timestamp);
  }
  event->workspace = get(InputField::kWorkspace);
  event->model = get(InputField::kModel);
  event->endpoint = get(InputField::kEndpoint);
  event->environment = get(InputField::kEnvironment);
  event->api_key = get(InputField::kApiKey);
  event->user = get(InputField::kUser);
  event->version = get(InputField::kVersion);
  // Required labels are checked here so that "missing" reads the same as for other fields; their
  // bytes are checked by the engine's rules below.
  for (InputField f : {InputField::kWorkspace, InputField::kModel, InputField::kEndpoint}) {
    if (get(f).empty()) return missing(f);
  }

  for (auto [field, out] : {std::pair{InputField::kInputTokens, &event->input_tokens},
                            std::pair{InputField::kOutputTokens, &event->output_tokens}}) {
    const std::string_view text = get(field);
    if (text.empty()) return missing(field);
    if (const char* why = ParseIntegerText(text, out)) return BadValue(problem, field, why, text);
  }

  const std::string_view row_us = row.Get(InputField::kLatencyUs);
  const std::string_view row_ms = row.Get(InputField::kLatencyMs);
  if (!row_us.empty() && !row_ms.empty()) {
    return Problem(problem, InputField::kLatencyMs, "give latency_us or latency_ms, not both");
  }
  bool latency_in_ms = false;
  if (!row_us.empty()) {
    if (const char* why = ParseIntegerText(row_us, &event->latency_us)) {
      return BadValue(problem, InputField::kLatencyUs, why, row_us);
    }
  } else if (!row_ms.empty()) {
    latency_in_ms = true;
    if (const char* why = ParseMillisText(row_ms, &event->latency_us)) {
      return BadValue(problem, InputField::kLatencyMs, why, row_ms);
    }
  } else if (const std::string_view d = defaults_[static_cast<int>(InputField::kLatencyUs)]; !d.empty()) {
    if (const char* why = ParseIntegerText(d, &event->latency_us)) return Problem(problem, InputField::kLatencyUs, why);
  } else if (const std::string_view dm = defaults_[static_cast<int>(InputField::kLatencyMs)]; !dm.empty()) {
    latency_in_ms = true;
    if (const char* why = ParseMillisText(dm, &event->latency_us)) return Problem(problem, InputField::kLatencyMs, why);
  } else {
    return missing(InputField::kLatencyUs);
  }

  const std::string_view outcome = get(InputField::kOutcome);
  if (outcome.empty()) return missing(InputField::kOutcome);
  std::optional<Outcome> parsed = ParseOutcome(outcome);
  if (!parsed) return BadValue(problem, InputField::kOutcome, "not success, retryable_error or fatal_error", outcome);
  event->outcome = *parsed;

  event->cost_micros = 0;
  if (const std::string_view cost = get(InputField::kCostMicros); !cost.empty()) {
    if (const char* why = ParseIntegerText(cost, &event->cost_micros)) {
      return BadValue(problem, InputField::kCostMicros, why, cost);
    }
  }
  event->event_id = 0;
  if (const std::string_view id = get(InputField::kEventId); !id.empty()) {
    if (const char* why = ParseEventIdText(id, &event->event_id)) return BadValue(problem, InputField::kEventId, why, id);
  }

  Status valid = labels_.Intern(event);
  if (valid.ok()) [[likely]] valid = ingest::ValidateMeasures(*event, 0);
  if (!valid.ok()) [[unlikely]] return EngineProblem(valid, latency_in_ms, problem);
  return true;
}

std::vector<InputField> EventBuilder::MissingRequired(const std::array<bool, kInputFieldCount>& supplied) const {
  auto given = [&](InputField f) {
    return supplied[static_cast<int>(f)] || !defaults_[static_cast<int>(f)].empty();
  };
  std::vector<InputField> missing;
  for (InputField f : kRequired) {
    if (!given(f)) missing.push_back(f);
  }
  if (!given(InputField::kLatencyUs) && !given(InputField::kLatencyMs)) missing.push_back(InputField::kLatencyUs);
  return missing;
}

}  // namespace tally::cli
