// MappedFile: the whole contents of an input file as one read-only byte range.
//
// A regular file is memory-mapped (no copy; the kernel reads ahead, and rows can be views into it
// for as long as the MappedFile lives); anything else (a pipe, /dev/stdin) is read into memory.
//
// Thread-safety: the bytes are immutable; the object is not shared.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tally/result.h"

namespace tally::cli {

class MappedFile {
 public:
  // IOError naming the path and the reason when it cannot be opened or read.
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view data() const { return data_; }

 private:
  MappedFile() = default;

  std::string_view data_;
  void* mapping_ = nullptr;  // when mapped
  size_t mapping_size_ = 0;
  std::string contents_;  // when read
};

}  // namespace tally::cli
