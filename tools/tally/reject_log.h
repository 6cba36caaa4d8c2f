// RejectLog: where the ingest command reports the rows it did not store.
//
// On stderr, the first kShownPerFile rejects of each file, one per line:
//   FILE:LINE: FIELD: REASON          (a field that failed conversion or validation)
//   FILE:LINE: REASON                 (a row that could not be split into fields)
// then "FILE: ... N more rejected rows". With --rejects, every reject goes to a CSV file with the
// header `file,line,field,reason,row` (row: the rejected row as written), RFC 4180 quoted.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "tally/status.h"

namespace tally::cli {

class RejectLog {
 public:
  static constexpr uint64_t kShownPerFile = 20;

  RejectLog() = default;
  ~RejectLog();
  RejectLog(const RejectLog&) = delete;
  RejectLog& operator=(const RejectLog&) = delete;

  // Creates (truncates) the rejects file and writes its header; IOError naming it on failure.
  Status OpenFile(const std::string& path);

  // Starts the rejects of input `file`.
  void BeginFile(std::string_view file);
  // `field` empty when the row as a whole is malformed.
  void Add(uint64_t line, std::string_view field, std::string_view reason, std::string_view row_text);
  // Prints the "... N more" line for the current file.
  void EndFile();

  uint64_t file_count() const { return file_count_; }
  // Flushes and closes the rejects file; IOError when a write failed.
  Status Close();

 private:
  std::FILE* out_ = nullptr;
  std::string path_;
  std::string file_;
  uint64_t file_count_ = 0;
  std::string scratch_;
};

}  // namespace tally::cli
