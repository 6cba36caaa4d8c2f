// JSON lines: the parser for one line of a `.jsonl` input — a flat JSON object whose values are
// strings, numbers or null.
//
// Strict RFC 8259 for that shape: keys and strings must be double-quoted, escapes are \" \\ \/ \b
// \f \n \r \t and \uXXXX (a surrogate pair makes one code point; a lone surrogate is an error),
// control characters must be escaped, numbers follow the JSON grammar (-?int frac? exp?), and
// nothing but whitespace may follow the object. true, false, objects and arrays are refused
// with a reason, because no field of a usage event takes them.
//
// Strings without escapes are views into the line; those with escapes are decoded into the
// caller's TextArena. A number is returned as its text, so that integers keep every digit and the
// field decides how to read it.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/tally/text_arena.h"

namespace tally::cli {

enum class JsonKind : uint8_t { kString, kNumber, kNull };

struct JsonMember {
  std::string_view key;
  std::string_view value;  // a string's decoded text, a number's text, or empty for null
  JsonKind kind = JsonKind::kNull;
};

// Parses `line` into *members (replacing its contents, in the order written). On error returns
// false and sets *error to the reason, with the byte offset in the line where it was found.
bool ParseJsonObjectLine(std::string_view line, std::vector<JsonMember>* members, TextArena* arena,
                         std::string* error);

}  // namespace tally::cli
