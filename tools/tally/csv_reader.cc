#include "tools/tally/csv_reader.h"

#include <cstring>

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

}  // namespace

CsvReader::CsvReader(std::string_view data) : data_(data) {
  if (data_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvReader::Next(CsvRecord* record, TextArena* arena) {
  const char* const data = data_.data();
  const size_t size = data_.size();
  while (pos_ < size) {
    const char* begin = data + pos_;
    const char* newline = static_cast<const char*>(std::memchr(begin, '\n', size - pos_));
    const char* end = newline != nullptr ? newline : data + size;
    const size_t next = newline != nullptr ? static_cast<size_t>(newline - data) + 1 : size;
    const char* line_end = end;
    if (line_end > begin && line_end[-1] == '\r') --line_end;
    if (line_end == begin) {  // blank line
      pos_ = next;
      ++line_;
      continue;
    }
    record->fields.clear();
    record->error = nullptr;
    record->line = line_;
    const size_t length = static_cast<size_t>(line_end - begin);
    if (std::memchr(begin, '"', length) != nullptr) return ReadQuotedRecord(record, arena);
    const char* field = begin;
    while (true) {
      const char* comma = static_cast<const char*>(std::memchr(field, ',', static_cast<size_t>(line_end - field)));
      if (comma == nullptr) {
        record->fields.emplace_back(field, static_cast<size_t>(line_end - field));
        break;
      }
      record->fields.emplace_back(field, static_cast<size_t>(comma - field));
      field = comma + 1;
    }
    record->text = std::string_view(begin, length);
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
