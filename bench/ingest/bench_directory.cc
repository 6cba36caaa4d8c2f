#include "bench/ingest/bench_directory.h"

#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace tally::bench {
namespace fs = std::filesystem;

namespace {

Status FromError(const std::string& what, const std::error_code& error) {
  return Status::IOError(what + ": " + error.message());
}

}  // namespace

Result<std::string> PrepareBenchDirectory(const std::string& dir) {
  std::error_code error;
  const fs::path root(dir);
  const fs::file_status status = fs::symlink_status(root, error);
  if (error && error != std::errc::no_such_file_or_directory) return FromError(dir, error);

  if (!fs::exists(status)) {
    fs::create_directories(root, error);
    if (error) return FromError("cannot create " + dir, error);
  } else if (!fs::is_directory(status)) {
    return Status::InvalidArgument(dir + ": not a directory (a symbolic link or a file); refusing to use it");
  } else {
    const bool empty = fs::is_empty(root, error);
    if (error) return FromError(dir, error);
    if (!empty) {
      if (!fs::exists(root / kBenchMarkerName, error)) {
        return Status::InvalidArgument(dir + ": not empty and not made by tally-ingest-bench (no " +
                                       std::string(kBenchMarkerName) + " file); refusing to delete it");
      }
      // Collect first: deleting while iterating a directory is unspecified.
      std::vector<fs::path> entries;
      for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
        entries.push_back(it->path());
      }
      if (error) return FromError("cannot list " + dir, error);
      for (const fs::path& entry : entries) {
        fs::remove_all(entry, error);
        if (error) return FromError("cannot delete " + entry.string(), error);
      }
    }
  }

  std::ofstream marker(root / kBenchMarkerName);
  marker << "This directory belongs to tally-ingest-bench, which deletes its contents on every run.\n";
  if (!marker) return Status::IOError("cannot write " + (root / kBenchMarkerName).string());
  return (root / "db").string();
}

Result<uint64_t> BytesUnder(const std::string& path) {
  std::error_code error;
  uint64_t total = 0;
  fs::recursive_directory_iterator it(path, fs::directory_options::none, error), end;
  for (; !error && it != end; it.increment(error)) {
    const fs::file_status status = it->symlink_status(error);
    if (error) break;
    if (fs::is_regular_file(status)) {
      const uintmax_t size = it->file_size(error);
      if (error) break;
      total += size;
    }
  }
  if (error) return FromError("cannot measure " + path, error);
  return total;
}

}  // namespace tally::bench
