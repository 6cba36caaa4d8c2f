// CsvReader: splits CSV text (RFC 4180) into records of fields, without copying.
//
// Fields are separated by ',' and records by "\n" or "\r\n". A field may be quoted with '"'; a
// quoted field may hold commas, line breaks and doubled quotes ("" for one "). Nothing is trimmed:
// spaces are part of a field. Blank lines are skipped, and a UTF-8 byte-order mark at the start is
// ignored. A quote inside an unquoted field, text after a closing quote and an unterminated quoted
// field make the record malformed (CsvRecord::error), never a crash; reading goes on with the next
// line.
//
// Fields are views into the input, except a quoted field with doubled quotes, which is unquoted
// into the caller's TextArena. The fast path (a line without any quote) is one pass over the line
// looking for ',', '\n' and '"' together, sixteen bytes at a time.
//
// Thread-safety: none; one reader per thread.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "tools/tally/text_arena.h"

namespace tally::cli {

struct CsvRecord {
  std::vector<std::string_view> fields;  // reused from record to record
  uint64_t line = 0;                     // 1-based line on which the record starts
  std::string_view text;                 // the record's bytes without its line end
  const char* error = nullptr;           // why the record is malformed; nullptr when it is not
};

class CsvReader {
 public:
  explicit CsvReader(std::string_view data);

  // Reads the next record into *record; false at the end of the data. Views stay valid as long as
  // the data and, for unquoted copies, until `arena` is reset.
  bool Next(CsvRecord* record, TextArena* arena);

  // Bytes consumed so far (for progress).
  size_t offset() const { return pos_; }

 private:
  bool ReadQuotedRecord(CsvRecord* record, TextArena* arena);
  // Ends the record at the line break (or end of data) at pos_ and moves past it.
  void EndRecordAt(size_t p, size_t start, CsvRecord* record);

  std::string_view data_;
  size_t pos_ = 0;
  uint64_t line_ = 1;
};

}  // namespace tally::cli
