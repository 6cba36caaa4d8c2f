// Result<T>: a value of type T, or the Status that explains why there is none.
//
//   Result<std::unique_ptr<DB>> db = DB::Open(path, options);
//   if (!db.ok()) return db.status();
//   (*db)->Append(events);
//
// A Result made from a Status must be made from a non-OK one: an OK status without a value is a
// programming error and becomes an Aborted status. Reading value() of a Result that holds an error
// is a programming error too (checked by assert in debug builds).
//
// Thread-safety: a value type; the usual rules for the contained T apply.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "tally/status.h"

namespace tally {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> makes no sense");

 public:
  Result(T value) : state_(std::in_place_index<1>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::in_place_index<0>, std::move(status)) {  // NOLINT
    if (std::get<0>(state_).ok()) state_ = Status::Aborted("Result constructed from an OK status");
  }

  bool ok() const { return state_.index() == 1; }

  // OK when a value is held, otherwise the error.
  Status status() const { return ok() ? Status::OK() : std::get<0>(state_); }

  T& value() & {
    assert(ok());
    return std::get<1>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<1>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<1>(std::move(state_));
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> state_;
};

}  // namespace tally
