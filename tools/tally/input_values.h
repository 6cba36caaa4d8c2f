// Input values: the text forms the ingest formats give timestamps, counts, latencies and event
// ids, and their conversion to the numbers a UsageEvent holds. Shared by the CSV, JSON-lines and
// Azure-trace readers, so every format accepts exactly the same spellings (docs/tool.md).
//
// Each parser returns nullptr on success, or a short reason ("not an integer") that the ingest
// command reports with the row's line number and the field's name. None allocates.
#pragma once

#include <cstdint>
#include <string_view>

namespace tally::cli {

// A time in UTC: an integer number of µs since the Unix epoch ("1793534400000000"), or ISO-8601
// "YYYY-MM-DDTHH:MM:SS" with a space allowed for the T, an optional fraction of 1 to 9 digits and
// an optional zone: "Z", "+HH:MM" or "-HH:MM" (no zone means UTC). Digits past the sixth of the
// fraction (below 1 µs, as in 100 ns traces) are dropped, not rounded.
const char* ParseTimestampText(std::string_view text, int64_t* us);

// A decimal integer with an optional leading '-' (so that a negative count reaches validation,
// which names it); at most 18 digits.
const char* ParseIntegerText(std::string_view text, int64_t* value);

// A decimal number of milliseconds ("12", "12.5", "0.0425") as whole µs: the fraction's first three
// digits are the µs and the fourth rounds half up (0.0425 ms -> 43 µs); later digits are ignored.
// An optional leading '-' as for ParseIntegerText.
const char* ParseMillisText(std::string_view text, int64_t* us);

// An event id: an unsigned decimal integer (0 means "no id"), or any other non-empty text, which is
// hashed with XXH3-64 (seed 0) so that string ids such as UUIDs work; a hash of 0 becomes 1.
const char* ParseEventIdText(std::string_view text, uint64_t* id);

}  // namespace tally::cli
