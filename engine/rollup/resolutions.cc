#include "engine/rollup/resolutions.h"

#include <charconv>

namespace tally::rollup {

std::string FamilyName(int64_t r) {
  std::string name(kFamilyPrefix);
  if (r % kMicrosPerDay == 0) return name + std::to_string(r / kMicrosPerDay) + "d";
  if (r % kMicrosPerHour == 0) return name + std::to_string(r / kMicrosPerHour) + "h";
  if (r % kMicrosPerMinute == 0) return name + std::to_string(r / kMicrosPerMinute) + "m";
  return name + std::to_string(r / kMicrosPerSecond) + "s";
}

std::optional<int64_t> ParseFamilyName(std::string_view name) {
  if (!name.starts_with(kFamilyPrefix)) return std::nullopt;
  name.remove_prefix(kFamilyPrefix.size());
  if (name.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (name.back()) {
    case 'd': unit = kMicrosPerDay; break;
    case 'h': unit = kMicrosPerHour; break;
    case 'm': unit = kMicrosPerMinute; break;
    case 's': unit = kMicrosPerSecond; break;
    default: return std::nullopt;
  }
  name.remove_suffix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
  if (ec != std::errc() || end != name.data() + name.size() || n <= 0 || n > 100000) return std::nullopt;
  return n * unit;
}

Status ValidateResolutions(const std::vector<int64_t>& r) {
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] <= 0 || r[i] % kMicrosPerSecond != 0) {
      return Status::InvalidArgument("rollup resolution " + std::to_string(r[i]) + " µs is not a whole number of seconds");
    }
    if (i > 0 && (r[i] <= r[i - 1] || r[i] % r[i - 1] != 0)) {
      return Status::InvalidArgument("rollup resolutions must ascend and each divide the next (" +
                                     std::to_string(r[i - 1]) + " µs, " + std::to_string(r[i]) + " µs)");
    }
  }
  return Status::OK();
}

}  // namespace tally::rollup
