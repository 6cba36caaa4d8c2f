// Series: the labels that name a stream of usage events, and filters over them.
//
// A series is identified by its seven label values (workspace, model, endpoint, environment,
// api_key, user, version); two events with equal labels belong to the same series. Inside a
// database each series also has a 64-bit id, stable for the life of the database.
//
// A SeriesFilter is a conjunction of label matchers; an empty filter matches every series.
// Matching a label that a series does not set compares against the empty string.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tally {

// The labels of a series. The numeric values are stored on disk: do not change them.
enum class Label : uint8_t {
  kWorkspace = 0,
  kModel = 1,
  kEndpoint = 2,
  kEnvironment = 3,
  kApiKey = 4,
  kUser = 5,
  kVersion = 6,
};
inline constexpr int kLabelCount = 7;

// "workspace", "model", "endpoint", "environment", "api_key", "user", "version".
std::string_view LabelName(Label label);
// The inverse of LabelName; nullopt for any other text.
std::optional<Label> ParseLabel(std::string_view name);

struct SeriesLabels {
  std::array<std::string, kLabelCount> values;  // indexed by Label

  const std::string& Get(Label label) const { return values[static_cast<int>(label)]; }
  std::string& Get(Label label) { return values[static_cast<int>(label)]; }

  // "workspace=acme,model=gpt-x,endpoint=chat" (unset labels left out).
  std::string ToString() const;

  friend bool operator==(const SeriesLabels&, const SeriesLabels&) = default;
};

// One condition on one label.
struct LabelMatcher {
  enum class Op : uint8_t {
    kIn,     // the label's value is one of `values` (equality when there is one value)
    kNotIn,  // the label's value is none of `values`
  };
  Label label = Label::kWorkspace;
  Op op = Op::kIn;
  std::vector<std::string> values;

  static LabelMatcher Equal(Label label, std::string value) { return {label, Op::kIn, {std::move(value)}}; }
  static LabelMatcher NotEqual(Label label, std::string value) {
    return {label, Op::kNotIn, {std::move(value)}};
  }
  static LabelMatcher In(Label label, std::vector<std::string> values) {
    return {label, Op::kIn, std::move(values)};
  }
  static LabelMatcher NotIn(Label label, std::vector<std::string> values) {
    return {label, Op::kNotIn, std::move(values)};
  }

  bool Matches(const SeriesLabels& labels) const;
};

// All matchers must hold.
struct SeriesFilter {
  std::vector<LabelMatcher> matchers;

  bool Matches(const SeriesLabels& labels) const;
};

// A half-open time range [from_us, to_us) in µs since the Unix epoch (UTC).
struct TimeRange {
  int64_t from_us = INT64_MIN;
  int64_t to_us = INT64_MAX;

  bool Contains(int64_t t) const { return t >= from_us && t < to_us; }
};

}  // namespace tally
