// Formatting of counts, money, times and durations for the tool's human-readable output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tally::cli {

// 1234567 -> "1,234,567".
std::string FormatCount(int64_t n);
// Micro-units of the currency -> "$1,234.56" (cents rounded half up; exact values stay in JSON/CSV).
std::string FormatMoney(int64_t micros);
// µs since the epoch -> "2026-10-01T12:00:00Z", or with the fraction when it is not whole seconds
// ("2026-10-01T12:00:00.123456Z").
std::string FormatIsoTime(int64_t us);
// Parses "2026-10-01T12:00:00Z", "2026-10-01T12:00:00.123456Z", "2026-10-01 12:00:00", "2026-10-01"
// (UTC) or an integer number of µs since the epoch.
std::optional<int64_t> ParseTime(std::string_view text);
// µs -> "850 µs", "12.3 ms", "4.56 s".
std::string FormatDuration(int64_t us);
// 1536 -> "1.5 KiB", 12 -> "12 B".
std::string FormatBytes(uint64_t bytes);
// 0.98512 -> "98.51%".
std::string FormatPercent(double fraction);

}  // namespace tally::cli
