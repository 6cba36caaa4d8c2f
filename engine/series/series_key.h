// The canonical series key: the one byte string that names a series.
//
// Seven labels in Label order, each as uvarint length + bytes (see docs/format.md). Labels are at
// most 256 bytes, so the key is at most 7 * (2 + 256) bytes. A series id is XXH3-64 of this key
// (with collision resolution, see catalog.h).
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "tally/result.h"
#include "tally/series.h"
#include "tally/usage_event.h"

namespace tally::series {

// Appends the canonical key of `labels` to `out` (which it clears first).
void EncodeSeriesKey(const std::array<std::string_view, kLabelCount>& labels, std::string* out);
void EncodeSeriesKey(const SeriesLabels& labels, std::string* out);
void EncodeSeriesKey(const UsageEvent& event, std::string* out);

// Parses a canonical key; Corruption when it is not one.
Result<SeriesLabels> DecodeSeriesKey(std::string_view key);

}  // namespace tally::series
