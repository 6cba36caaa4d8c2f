// Internal helpers for propagating a Status; not part of the public API.
#pragma once

#include "tally/result.h"
#include "tally/status.h"

#define TALLY_CONCAT_INNER(a, b) a##b
#define TALLY_CONCAT(a, b) TALLY_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define TALLY_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::tally::Status _tally_status = (expr);      \
    if (!_tally_status.ok()) return _tally_status; \
  } while (false)

// `TALLY_ASSIGN_OR_RETURN(auto x, MakeX())` declares x from a Result's value, or returns its error.
#define TALLY_ASSIGN_OR_RETURN(lhs, expr) \
  TALLY_ASSIGN_OR_RETURN_IMPL(TALLY_CONCAT(_tally_result_, __LINE__), lhs, expr)
#define TALLY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
