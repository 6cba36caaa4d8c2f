#include "tools/tally/reject_log.h"

#include <cerrno>
#include <cstring>

namespace tally::cli {
namespace {

// Appends `field` as a CSV field, quoted when it holds a comma, quote or line break.
void AppendCsvField(std::string* out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(field);
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

RejectLog::~RejectLog() {
  if (out_ != nullptr) std::fclose(out_);
}

Status RejectLog::OpenFile(const std::string& path) {
  out_ = std::fopen(path.c_str(), "w");
  if (out_ == nullptr) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  path_ = path;
  std::fputs("file,line,field,reason,row\n", out_);
  return Status::OK();
}

void RejectLog::BeginFile(std::string_view file) {
  file_.assign(file);
  file_count_ = 0;
}

void RejectLog::Add(uint64_t line, std::string_view field, std::string_view reason, std::string_view row_text) {
  ++file_count_;
  if (file_count_ <= kShownPerFile) {
    if (field.empty()) {
      std::fprintf(stderr, "%s:%llu: %.*s\n", file_.c_str(), static_cast<unsigned long long>(line),
                   static_cast<int>(reason.size()), reason.data());
    } else {
      std::fprintf(stderr, "%s:%llu: %.*s: %.*s\n", file_.c_str(), static_cast<unsigned long long>(line),
                   static_cast<int>(field.size()), field.data(), static_cast<int>(reason.size()), reason.data());
    }
  }
  if (out_ == nullptr) return;
  scratch_.clear();
  AppendCsvField(&scratch_, file_);
  scratch_ += ',';
  scratch_ += std::to_string(line);
  scratch_ += ',';
  AppendCsvField(&scratch_, field);
  scratch_ += ',';
  AppendCsvField(&scratch_, reason);
  scratch_ += ',';
  AppendCsvField(&scratch_, row_text);
  scratch_ += '\n';
  std::fwrite(scratch_.data(), 1, scratch_.size(), out_);
}

void RejectLog::EndFile() {
  if (file_count_ > kShownPerFile) {
    std::fprintf(stderr, "%s: ... %llu more rejected rows%s\n", file_.c_str(),
                 static_cast<unsigned long long>(file_count_ - kShownPerFile),
                 out_ != nullptr ? (" (all in " + path_ + ")").c_str() : " (--rejects FILE lists them all)");
  }
}

Status RejectLog::Close() {
  if (out_ == nullptr) return Status::OK();
  const bool failed = std::ferror(out_) != 0;
  const bool close_failed = std::fclose(out_) != 0;
  out_ = nullptr;
  if (failed || close_failed) return Status::IOError("cannot write " + path_);
  return Status::OK();
}

}  // namespace tally::cli
