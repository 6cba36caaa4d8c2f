#include "tools/tally/result_table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tools/tally/format.h"

namespace tally::cli {
namespace {

// A whole number of at most 15 digits (a minimum or maximum latency, any value of an exact list)
// is printed as an integer, so that 1234567890123 µs does not become 1.234567890e+12.
bool IsWhole(double v) { return std::fabs(v) < 1e15 && v == std::trunc(v); }

// The same digits JSON gets (json_writer.cc: ten significant digits), so CSV and JSON agree on
// every value.
std::string Number(double v) {
  if (IsWhole(v)) return std::to_string(static_cast<int64_t>(v));
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

bool NumberPresent(const Cell& cell, ColumnKind kind) {
  return cell.present && (kind != ColumnKind::kRate && kind != ColumnKind::kLatency ? true : std::isfinite(cell.number));
}

// Characters, not bytes, so that "µs" pads like "ms".
size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string Plain(const Cell& cell, ColumnKind kind) {
  if (!NumberPresent(cell, kind)) return "";
  switch (kind) {
    case ColumnKind::kText: return cell.text;
    case ColumnKind::kTime: return FormatIsoTime(cell.integer);
    case ColumnKind::kCount:
    case ColumnKind::kMoney: return std::to_string(cell.integer);
    case ColumnKind::kRate:
    case ColumnKind::kLatency: return Number(cell.number);
  }
  return "";
}

std::string Human(const Cell& cell, ColumnKind kind) {
  if (!NumberPresent(cell, kind)) return "-";
  switch (kind) {
    case ColumnKind::kText: return cell.text.empty() ? "(none)" : cell.text;
    case ColumnKind::kTime: return FormatIsoTime(cell.integer);
    case ColumnKind::kCount: return FormatCount(cell.integer);
    case ColumnKind::kMoney: return FormatMoney(cell.integer);
    case ColumnKind::kRate: return FormatPercent(cell.number);
    case ColumnKind::kLatency: return FormatDuration(std::llround(cell.number));
  }
  return "";
}

}  // namespace

std::string ResultTable::Table() const {
  std::vector<std::vector<std::string>> text(rows_.size() + 1);
  std::vector<size_t> width(columns_.size(), 0);
  for (size_t c = 0; c < columns_.size(); ++c) {
    text[0].push_back(columns_[c].name);
    for (size_t r = 0; r < rows_.size(); ++r) text[r + 1].push_back(Human(rows_[r][c], columns_[c].kind));
  }
  for (const auto& line : text) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], DisplayWidth(line[c]));
  }
  std::string out;
  for (const auto& line : text) {
    std::string row;
    for (size_t c = 0; c < line.size(); ++c) {
      // Labels read left to right; numbers line up on their last digit.
      const bool left = columns_[c].kind == ColumnKind::kText || columns_[c].kind == ColumnKind::kTime;
      const std::string pad(width[c] - DisplayWidth(line[c]), ' ');
      if (c > 0) row += "  ";
      row += left ? line[c] + pad : pad + line[c];
    }
    while (!row.empty() && row.back() == ' ') row.pop_back();
    out += row + "\n";
  }
  return out;
}

std::string ResultTable::Csv() const {
  std::string out;
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (c > 0) out += ',';
    out += CsvField(columns_[c].name);
  }
  out += '\n';
  for (const auto& row : rows_) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) out += ',';
      out += CsvField(Plain(row[c], columns_[c].kind));
    }
    out += '\n';
  }
  return out;
}

void ResultTable::JsonMembers(size_t i, JsonWriter* json) const {
  for (size_t c = 0; c < columns_.size(); ++c) {
    const Cell& cell = rows_[i][c];
    const ColumnKind kind = columns_[c].kind;
    json->Key(columns_[c].name);
    if (!NumberPresent(cell, kind)) {
      json->Null();
      continue;
    }
    switch (kind) {
      case ColumnKind::kText: json->String(cell.text); break;
      case ColumnKind::kTime: json->String(FormatIsoTime(cell.integer)); break;
      case ColumnKind::kCount:
      case ColumnKind::kMoney: json->Int(cell.integer); break;
      case ColumnKind::kRate:
      case ColumnKind::kLatency:
        if (IsWhole(cell.number)) {
          json->Int(static_cast<int64_t>(cell.number));
        } else {
          json->Double(cell.number);
        }
        break;
    }
  }
}

}  // namespace tally::cli
