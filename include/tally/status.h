// Status: the outcome of an operation that can fail.
//
// Every fallible function in tally returns a Status (or a Result<T>, see result.h); no exception
// crosses the public API. A Status is either OK or carries a code from a small fixed set and a
// message that names the bad input ("event 17: field input_tokens: negative value -3").
//
// Codes are chosen by what the caller can do about them:
//   kInvalidArgument  the caller's input is wrong; retrying the same call fails again.
//   kNotFound         the thing asked for does not exist.
//   kCorruption       stored bytes failed a checksum or do not parse; data is damaged.
//   kIOError          the file system or RocksDB failed.
//   kNotSupported     the data or request uses a feature or version this build does not know.
//   kBusy             a resource is held by someone else (e.g. the directory is locked).
//   kAborted          the operation was stopped before it finished; nothing was changed.
//
// Thread-safety: a Status is a value; distinct objects may be used from distinct threads freely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace tally {

class [[nodiscard]] Status {
 public:
  enum class Code : uint8_t {
    kOk = 0,
    kInvalidArgument = 1,
    kNotFound = 2,
    kCorruption = 3,
    kIOError = 4,
    kNotSupported = 5,
    kBusy = 6,
    kAborted = 7,
  };

  // An OK status; cheap to create and copy (no allocation).
  Status() = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string message) { return {Code::kInvalidArgument, std::move(message)}; }
  static Status NotFound(std::string message) { return {Code::kNotFound, std::move(message)}; }
  static Status Corruption(std::string message) { return {Code::kCorruption, std::move(message)}; }
  static Status IOError(std::string message) { return {Code::kIOError, std::move(message)}; }
  static Status NotSupported(std::string message) { return {Code::kNotSupported, std::move(message)}; }
  static Status Busy(std::string message) { return {Code::kBusy, std::move(message)}; }
  static Status Aborted(std::string message) { return {Code::kAborted, std::move(message)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsAborted() const { return code_ == Code::kAborted; }

  // "OK", or the code's name, a colon and the message: "Corruption: block 3f..: checksum mismatch".
  std::string ToString() const;

  // The same status with `context` and ": " put before the message; OK stays OK.
  Status WithContext(std::string_view context) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// The code's name as printed by ToString ("InvalidArgument", ...).
std::string_view CodeName(Status::Code code);

}  // namespace tally
