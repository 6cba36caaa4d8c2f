#include "tools/tally/csv_reader.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tally::cli {
namespace {

// A quoted field's contents with each "" turned into ".
std::string_view Unquote(std::string_view raw, TextArena* arena) {
  char* out = arena->Allocate(raw.size());
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    out[n++] = raw[i];
    if (raw[i] == '"') ++i;  // the second quote of a pair
  }
  arena->Shrink(raw.size() - n);
  return {out, n};
}

// The first ',', '\n' or '"' in [p, end), or end. Sixteen bytes at a time where SSE2 is there
// (every x86-64): a CSV row's fields are short, and a memchr per field costs more than its scan.
const char* FindCsvSpecial(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i newline = _mm_set1_epi8('\n');
  const __m128i quote = _mm_set1_epi8('"');
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, newline)),
                                      _mm_cmpeq_epi8(bytes, quote));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != ',' && *p != '\n' && *p != '"') ++p;
  return p;
}

}  // namespace

CsvReader::CsvReader(std::string_view data) : data_(data) {
  if (data_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::Next(CsvRecord* record, TextArena* arena) {
  const char* const data = data_.data();
  const char* const data_end = data + data_.size();
  while (pos_ < data_.size()) {
    const char* const begin = data + pos_;
    record->fields.clear();
    record->error = nullptr;
    record->line = line_;
    // One pass over the line: each ',' ends a field, the '\n' (or the end) ends the record, and a
    // '"' sends the record to the quoted path, which starts over from the record's beginning.
    const char* field = begin;
    const char* p = begin;
    while (true) {
      p = FindCsvSpecial(p, data_end);
      if (p == data_end || *p == '\n') break;
      if (*p == '"') {
        record->fields.clear();
        return ReadQuotedRecord(record, arena);
      }
      record->fields.emplace_back(field, static_cast<size_t>(p - field));
      field = ++p;
    }
    const size_t next = p == data_end ? data_.size() : static_cast<size_t>(p - data) + 1;
    const char* line_end = p;
    if (line_end > begin && line_end[-1] == '\r') --line_end;
    if (line_end == begin) {  // blank line
      pos_ = next;
      ++line_;
      continue;
    }
    // The last field ends at the line end, before a '\r' of "\r\n" (which a comma may precede).
    record->fields.emplace_back(field, field <= line_end ? static_cast<size_t>(line_end - field) : 0);
    record->text = std::string_view(begin, static_cast<size_t>(line_end - begin));
    pos_ = next;
    ++line_;
    return true;
  }
  return false;
}

void CsvReader::EndRecordAt(size_t p, size_t start, CsvRecord* record) {
  const size_t size = data_.size();
  size_t end = p;
  if (p < size && data_[p] == '\n') {
    pos_ = p + 1;
  } else if (p < size && data_[p] == '\r') {
    pos_ = p + 1 < size && data_[p + 1] == '\n' ? p + 2 : p + 1;
  } else {
    pos_ = size;
    end = size;
  }
  record->text = data_.substr(start, end - start);
  ++line_;
}

bool CsvReader::ReadQuotedRecord(CsvRecord* record, TextArena* arena) {
  const size_t size = data_.size();
  const size_t start = pos_;
  size_t p = pos_;
  // Is data_[p] the end of the record: a line break ("\n" or "\r\n"), a final "\r", or the end?
  auto at_record_end = [&](size_t q) {
    return q >= size || data_[q] == '\n' || (data_[q] == '\r' && (q + 1 == size || data_[q + 1] == '\n'));
  };
  auto malformed = [&](const char* why) {
    // Give up on the rest of the physical line.
    record->error = why;
    size_t q = p;
    while (q < size && data_[q] != '\n') ++q;
    EndRecordAt(q, start, record);
    if (record->text.ends_with('\r')) record->text.remove_suffix(1);
    return true;
  };
  while (true) {
    if (p < size && data_[p] == '"') {
      const size_t field_start = ++p;
      bool doubled = false;
      while (true) {
        if (p >= size) {
          record->error = "unterminated quoted field";
          record->fields.push_back(data_.substr(field_start));
          record->text = data_.substr(start);
          pos_ = size;
          return true;
        }
        const char c = data_[p];
        if (c == '"') {
          if (p + 1 < size && data_[p + 1] == '"') {
            doubled = true;
            p += 2;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        ++p;
      }
      const std::string_view raw = data_.substr(field_start, p - field_start);
      ++p;  // the closing quote
      record->fields.push_back(doubled ? Unquote(raw, arena) : raw);
      if (p < size && data_[p] == ',') {
        ++p;
        continue;
      }
      if (at_record_end(p)) {
        EndRecordAt(p, start, record);
        return true;
      }
      return malformed("text after a closing quote");
    }
    const size_t field_start = p;
    while (p < size && data_[p] != ',' && !at_record_end(p)) {
      if (data_[p] == '"') return malformed("quote inside an unquoted field");
      ++p;
    }
    record->fields.push_back(data_.substr(field_start, p - field_start));
    if (p < size && data_[p] == ',') {
      ++p;
      continue;
    }
    EndRecordAt(p, start, record);
    return true;
  }
}

}  // namespace tally::cli
