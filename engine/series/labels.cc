// Label names and matching (the plain-value parts of tally/series.h).
#include <algorithm>

#include "tally/series.h"

namespace tally {
namespace {
constexpr std::string_view kLabelNames[kLabelCount] = {"workspace", "model", "endpoint", "environment",
                                                       "api_key",   "user",  "version"};
}  // namespace

std::string_view LabelName(Label label) { return kLabelNames[static_cast<int>(label)]; }

std::optional<Label> ParseLabel(std::string_view name) {
  for (int i = 0; i < kLabelCount; ++i) {
    if (kLabelNames[i] == name) return static_cast<Label>(i);
  }
  return std::nullopt;
}

std::string SeriesLabels::ToString() const {
  std::string out;
  for (int i = 0; i < kLabelCount; ++i) {
    if (values[i].empty()) continue;
    if (!out.empty()) out += ',';
    out += kLabelNames[i];
    out += '=';
    out += values[i];
  }
  return out;
}

bool LabelMatcher::Matches(const SeriesLabels& labels) const {
  const std::string& v = labels.Get(label);
  bool in = std::find(values.begin(), values.end(), v) != values.end();
  return op == Op::kIn ? in : !in;
}

bool SeriesFilter::Matches(const SeriesLabels& labels) const {
  return std::all_of(matchers.begin(), matchers.end(), [&](const LabelMatcher& m) { return m.Matches(labels); });
}

}  // namespace tally
