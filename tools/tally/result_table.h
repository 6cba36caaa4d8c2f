// ResultTable: named, typed columns of query answers, printed as an aligned table, CSV or JSON.
//
// Each column says what kind of value it holds, so each format can show it in its own way: a money
// column is exact micros in CSV and JSON ("spend_micros":1234567) and "$1.23" in the table; a count
// is 1234567 in CSV/JSON and "1,234,567" in the table; a missing value (a latency of no successful
// request) is null in JSON, an empty CSV field and "-" in the table. The column names are the CSV
// header and the JSON keys, so every format names a value alike.
//
//   ResultTable t;
//   t.AddColumn("endpoint", ColumnKind::kText);
//   t.AddColumn("requests", ColumnKind::kCount);
//   t.AddRow({Cell::Text("chat"), Cell::Int(12)});
//   std::fputs(t.Csv().c_str(), stdout);
//
// Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/tally/json_writer.h"

namespace tally::cli {

enum class ColumnKind : uint8_t {
  kText,     // a label value
  kTime,     // µs since the epoch, shown as ISO-8601 UTC everywhere
  kCount,    // an exact integer
  kMoney,    // exact micro-units of the currency
  kRate,     // a fraction in [0, 1]
  kLatency,  // µs, possibly fractional (averages, sketch quantiles)
};

struct Cell {
  bool present = true;  // false: no value (null / empty / "-")
  std::string text;     // kText
  int64_t integer = 0;  // kTime, kCount, kMoney
  double number = 0;    // kRate, kLatency

  static Cell Text(std::string v) { return Cell{true, std::move(v), 0, 0}; }
  static Cell Int(int64_t v) { return Cell{true, {}, v, 0}; }
  static Cell Number(double v) { return Cell{true, {}, 0, v}; }
  static Cell Missing() { return Cell{false, {}, 0, 0}; }
};

class ResultTable {
 public:
  void AddColumn(std::string name, ColumnKind kind) { columns_.push_back({std::move(name), kind}); }
  // REQUIRES: one cell per column.
  void AddRow(std::vector<Cell> row) { rows_.push_back(std::move(row)); }
  size_t rows() const { return rows_.size(); }

  // Aligned columns under a header; labels left-aligned, numbers right-aligned.
  std::string Table() const;
  // RFC 4180: the header, then one record per row, "\n"-terminated.
  std::string Csv() const;
  // Writes row `i` as the members of the object `json` has open.
  void JsonMembers(size_t i, JsonWriter* json) const;

 private:
  struct Column {
    std::string name;
    ColumnKind kind;
  };
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace tally::cli
