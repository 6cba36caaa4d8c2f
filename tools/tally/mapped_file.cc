#include "tools/tally/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tally::cli {
namespace {

Status Error(const std::string& path, const char* what) {
  return Status::IOError("cannot " + std::string(what) + " " + path + ": " + std::strerror(errno));
}

// Closes a file descriptor when the scope ends.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

}  // namespace

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(path, "open");
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Error(path, "stat");
  if (S_ISDIR(st.st_mode)) return Status::IOError("cannot read " + path + ": it is a directory");
  std::unique_ptr<MappedFile> file(new MappedFile());
  if (S_ISREG(st.st_mode)) {
    if (st.st_size == 0) return file;
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
      file->mapping_ = p;
      file->mapping_size_ = static_cast<size_t>(st.st_size);
      file->data_ = std::string_view(static_cast<const char*>(p), file->mapping_size_);
      return file;
    }
  }
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(path, "read");
    if (n == 0) break;
    file->contents_.append(buffer, static_cast<size_t>(n));
  }
  file->data_ = file->contents_;
  return file;
}

MappedFile::~MappedFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
}

}  // namespace tally::cli
