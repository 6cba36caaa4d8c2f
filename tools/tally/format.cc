#include "tools/tally/format.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace tally::cli {

std::string FormatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (n < 0) out.insert(out.begin(), '-');
  return out;
}

std::string FormatMoney(int64_t micros) {
  const int64_t cents = (micros + 5000) / 10000;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%02lld", static_cast<long long>(cents % 100));
  std::string out = "$";
  out += FormatCount(cents / 100);
  out += frac;
  return out;
}

std::string FormatIsoTime(int64_t us) {
  using namespace std::chrono;
  const int64_t seconds = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  const int64_t micros = us - seconds * 1000000;
  const sys_days day = floor<days>(sys_seconds(std::chrono::seconds(seconds)));
  const year_month_day ymd(day);
  const int64_t in_day = seconds - duration_cast<std::chrono::seconds>(day.time_since_epoch()).count();
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<long long>(in_day / 3600), static_cast<long long>(in_day / 60 % 60),
                        static_cast<long long>(in_day % 60));
  if (micros != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(micros));
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

namespace {

bool ReadDigits(std::string_view text, size_t pos, size_t count, int64_t* out) {
  if (pos + count > text.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<int64_t> ParseTime(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
  }
  int64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0;
  if (!ReadDigits(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || !ReadDigits(text, 5, 2, &mo) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, &d)) {
    return std::nullopt;
  }
  size_t pos = 10;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ') return std::nullopt;
    if (!ReadDigits(text, pos + 1, 2, &h) || text.size() < pos + 9 || text[pos + 3] != ':' ||
        !ReadDigits(text, pos + 4, 2, &mi) || text[pos + 6] != ':' || !ReadDigits(text, pos + 7, 2, &s)) {
      return std::nullopt;
    }
    pos += 9;
    if (pos < text.size() && text[pos] == '.') {
      size_t start = ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      size_t digits = pos - start;
      if (digits == 0 || digits > 9) return std::nullopt;
      int64_t f = 0;
      ReadDigits(text, start, digits, &f);
      // Scale to µs; digits past the sixth (100 ns traces) are truncated.
      for (size_t i = digits; i < 6; ++i) f *= 10;
      for (size_t i = 6; i < digits; ++i) f /= 10;
      frac = f;
    }
    if (pos < text.size() && text[pos] == 'Z') ++pos;
    if (pos != text.size()) return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day ymd{year(static_cast<int>(y)), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  const int64_t days_since = sys_days(ymd).time_since_epoch().count();
  return ((days_since * 24 + h) * 60 + mi) * 60 * 1000000 + s * 1000000 + frac;
}

std::string FormatDuration(int64_t us) {
  char buf[32];
  if (us < 1000) {
    std::snprintf(buf, sizeof buf, "%lld µs", static_cast<long long>(us));
  } else if (us < 1000000) {
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(us) / 1e6);
  }
  return buf;
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  }
  return buf;
}

std::string FormatPercent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", fraction * 100);
  return buf;
}

}  // namespace tally::cli
