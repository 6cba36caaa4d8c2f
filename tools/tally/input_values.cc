#include "tools/tally/input_values.h"

#include <xxhash.h>

namespace tally::cli {
namespace {

constexpr int64_t kMicrosPerDay = 86'400'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos..]; false when one is not a digit or text is short.
bool FixedDigits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (!IsDigit(text[i])) return false;
    v = v * 10 + (text[i] - '0');
  }
  *out = v;
  return true;
}

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (valid dates only), by counting
// whole 400-year eras from March 1st so that the leap day falls at the end of each year.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) return 29;
  return kDays[m - 1];
}

// Unsigned decimal digits only, at most 19 of them; false otherwise.
bool UnsignedDigits(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

const char* ParseTimestampText(std::string_view text, int64_t* us) {
  if (text.empty()) return "empty time";
  if (text.size() < 5 || text[4] != '-') {  // no date: integer µs
    uint64_t v = 0;
    if (!UnsignedDigits(text, &v) || v > static_cast<uint64_t>(INT64_MAX)) {
      return "not a time (ISO-8601 like 2026-11-01T12:00:00.123456Z, or integer µs since the epoch)";
    }
    *us = static_cast<int64_t>(v);
    return nullptr;
  }
  int year, month, day, hour, minute, second;
  if (!FixedDigits(text, 0, 4, &year) || text.size() < 19 || text[4] != '-' || !FixedDigits(text, 5, 2, &month) ||
      text[7] != '-' || !FixedDigits(text, 8, 2, &day) || (text[10] != 'T' && text[10] != ' ') ||
      !FixedDigits(text, 11, 2, &hour) || text[13] != ':' || !FixedDigits(text, 14, 2, &minute) ||
      text[16] != ':' || !FixedDigits(text, 17, 2, &second)) {
    return "not a time (ISO-8601 like 2026-11-01T12:00:00.123456Z, or integer µs since the epoch)";
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return "no such date";
  if (hour > 23 || minute > 59 || second > 59) return "no such time of day";
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    const size_t start = ++pos;
    while (pos < text.size() && IsDigit(text[pos])) {
      // Keep six digits (µs); the rest (100 ns, ns) is dropped.
      if (pos - start < 6) micros = micros * 10 + (text[pos] - '0');
      ++pos;
    }
    const size_t digits = pos - start;
    if (digits == 0 || digits > 9) return "a fraction of a second needs 1 to 9 digits";
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    const char zone = text[pos];
    if (zone == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if ((zone == '+' || zone == '-') && text.size() == pos + 6 && text[pos + 3] == ':') {
      int oh, om;
      if (!FixedDigits(text, pos + 1, 2, &oh) || !FixedDigits(text, pos + 4, 2, &om) || oh > 23 || om > 59) {
        return "bad zone offset (want Z or +HH:MM)";
      }
      offset_minutes = (zone == '+' ? 1 : -1) * (oh * 60 + om);
      pos += 6;
    } else {
      return "unexpected text after the time (want nothing, Z or +HH:MM)";
    }
  }
  const int64_t seconds_of_day = hour * 3600 + minute * 60 + second - offset_minutes * 60;
  *us = DaysFromCivil(year, month, day) * kMicrosPerDay + seconds_of_day * 1'000'000 + micros;
  return nullptr;
}

const char* ParseIntegerText(std::string_view text, int64_t* value) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return "not an integer";
  if (text.size() > 18) return "integer too large";
  int64_t v = 0;
  for (char c : text) {
    if (!IsDigit(c)) return "not an integer";
    v = v * 10 + (c - '0');
  }
  *value = negative ? -v : v;
  return nullptr;
}

const char* ParseMillisText(std::string_view text, int64_t* us) {
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return "not a decimal number";
  if (whole.size() > 15) return "number too large";
  int64_t v = 0;
  for (char c : whole) {
    if (!IsDigit(c)) return "not a decimal number";
    v = v * 10 + (c - '0');
  }
  int64_t micros = 0;
  for (size_t i = 0; i < fraction.size(); ++i) {
    const char c = fraction[i];
    if (!IsDigit(c)) return "not a decimal number";
    if (i < 3) micros = micros * 10 + (c - '0');
    if (i == 3 && c >= '5') ++micros;
  }
  for (size_t i = fraction.size(); i < 3; ++i) micros *= 10;
  v = v * 1000 + micros;
  *us = negative ? -v : v;
  return nullptr;
}

const char* ParseEventIdText(std::string_view text, uint64_t* id) {
  if (text.empty()) return "empty event id";
  bool all_digits = true;
  for (char c : text) all_digits &= IsDigit(c);
  if (all_digits) {
    // Up to 20 digits: check the 2^64 bound by hand.
    uint64_t v = 0;
    for (char c : text) {
      const uint64_t d = static_cast<uint64_t>(c - '0');
      if (v > (UINT64_MAX - d) / 10) return "event id above 2^64-1";
      v = v * 10 + d;
    }
    *id = v;
    return nullptr;
  }
  const uint64_t h = XXH3_64bits(text.data(), text.size());
  *id = h == 0 ? 1 : h;
  return nullptr;
}

}  // namespace tally::cli
