#include "tools/tally/database.h"

#include <filesystem>

namespace tally::cli {

Result<std::unique_ptr<DB>> OpenDatabase(const std::string& dir, OpenMode mode, Options options) {
  options.read_only = mode == OpenMode::kRead;
  options.create_if_missing = mode == OpenMode::kWriteOrCreate;
  Result<std::unique_ptr<DB>> db = DB::Open(dir, options);
  if (db.ok()) return db;
  const Status& s = db.status();
  std::string message = "cannot open " + dir + ": " + s.ToString();
  if (s.IsBusy()) message += " (another process is writing to it; readers such as inspect and verify may run beside it)";
  switch (s.code()) {
    case Status::Code::kNotFound: return Status::NotFound(message);
    case Status::Code::kBusy: return Status::Busy(message);
    case Status::Code::kCorruption: return Status::Corruption(message);
    case Status::Code::kInvalidArgument: return Status::InvalidArgument(message);
    case Status::Code::kNotSupported: return Status::NotSupported(message);
    default: return Status::IOError(message);
  }
}

uint64_t StoredBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name == "LOG" || name.starts_with("LOG.old")) continue;
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) {
      const uint64_t size = it->file_size(file_ec);
      if (!file_ec) total += size;
    }
  }
  return total;
}

}  // namespace tally::cli
