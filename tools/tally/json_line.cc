#include "tools/tally/json_line.h"

namespace tally::cli {
namespace {

class Parser {
 public:
  Parser(std::string_view text, TextArena* arena) : text_(text), arena_(arena) {}

  bool ParseObject(std::vector<JsonMember>* members) {
    members->clear();
    SkipSpace();
    if (!Consume('{')) return Fail("expected '{' at the start of the object");
    SkipSpace();
    if (Consume('}')) return AtEnd();
    while (true) {
      SkipSpace();
      JsonMember member;
      if (Peek() != '"') return Fail("expected a quoted key");
      if (!ParseString(&member.key)) return false;
      SkipSpace();
      if (!Consume(':')) return Fail("expected ':' after a key");
      SkipSpace();
      if (!ParseValue(&member)) return false;
      members->push_back(member);
      SkipSpace();
      if (Consume(',')) continue;
      if (Consume('}')) return AtEnd();
      return Fail("expected ',' or '}'");
    }
  }

  const std::string& error() const { return error_; }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' || text_[pos_] == '\n')) {
      ++pos_;
    }
  }
  bool Fail(std::string_view why) {
    error_.assign(why);
    error_ += " at byte ";
    error_ += std::to_string(pos_ + 1);
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    if (pos_ != text_.size()) return Fail("unexpected text after the object");
    return true;
  }

  bool ParseValue(JsonMember* member) {
    const char c = Peek();
    if (c == '"') {
      member->kind = JsonKind::kString;
      return ParseString(&member->value);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      member->kind = JsonKind::kNumber;
      return ParseNumber(&member->value);
    }
    if (text_.substr(pos_).starts_with("null")) {
      pos_ += 4;
      member->kind = JsonKind::kNull;
      member->value = {};
      return true;
    }
    if (c == '{' || c == '[') return Fail("nested objects and arrays are not accepted");
    if (text_.substr(pos_).starts_with("true") || text_.substr(pos_).starts_with("false")) {
      return Fail("true and false are not accepted (no field is a boolean)");
    }
    return Fail("expected a string, a number or null");
  }

  bool Digits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool ParseNumber(std::string_view* out) {
    const size_t start = pos_;
    Consume('-');
    if (Peek() == '0') {
      ++pos_;
    } else if (!Digits()) {
      return Fail("bad number");
    }
    if (Consume('.') && !Digits()) return Fail("bad number: no digits after '.'");
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (!Consume('+')) Consume('-');
      if (!Digits()) return Fail("bad number: no digits in the exponent");
    }
    const char next = Peek();
    if ((next >= '0' && next <= '9') || next == '.') return Fail("bad number (leading zero?)");
    *out = text_.substr(start, pos_ - start);
    return true;
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads the 4 hex digits of a \u escape at pos_.
  bool Hex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = HexValue(text_[pos_ + i]);
      if (h < 0) return Fail("bad hex digit in a \\u escape");
      v = v << 4 | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  static size_t PutUtf8(uint32_t cp, char* out) {
    if (cp < 0x80) {
      out[0] = static_cast<char>(cp);
      return 1;
    }
    if (cp < 0x800) {
      out[0] = static_cast<char>(0xC0 | cp >> 6);
      out[1] = static_cast<char>(0x80 | (cp & 0x3F));
      return 2;
    }
    if (cp < 0x10000) {
      out[0] = static_cast<char>(0xE0 | cp >> 12);
      out[1] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out[2] = static_cast<char>(0x80 | (cp & 0x3F));
      return 3;
    }
    out[0] = static_cast<char>(0xF0 | cp >> 18);
    out[1] = static_cast<char>(0x80 | (cp >> 12 & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp >> 6 & 0x3F));
    out[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
  }

  // At the opening quote. A string without escapes is a view; otherwise it is decoded into the
  // arena (never longer than its escaped form: \uXXXX is 6 bytes for at most 3, a pair 12 for 4).
  bool ParseString(std::string_view* out) {
    ++pos_;
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        *out = text_.substr(start, pos_ - start);
        ++pos_;
        return true;
      }
      if (c == '\\') break;
      if (c < 0x20) return Fail("unescaped control character in a string");
      ++pos_;
    }
    if (pos_ >= text_.size()) return Fail("unterminated string");
    // Find the end first to size the copy.
    size_t end = pos_;
    while (end < text_.size() && text_[end] != '"') end += text_[end] == '\\' ? 2 : 1;
    if (end >= text_.size()) {
      pos_ = text_.size();
      return Fail("unterminated string");
    }
    char* buffer = arena_->Allocate(end - start);
    size_t n = pos_ - start;
    text_.copy(buffer, n, start);
    while (true) {
      const char c = text_[pos_];
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) {
        arena_->Shrink(end - start - n);
        return Fail("unescaped control character in a string");
      }
      if (c != '\\') {
        buffer[n++] = c;
        ++pos_;
        continue;
      }
      const char e = text_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"': buffer[n++] = '"'; break;
        case '\\': buffer[n++] = '\\'; break;
        case '/': buffer[n++] = '/'; break;
        case 'b': buffer[n++] = '\b'; break;
        case 'f': buffer[n++] = '\f'; break;
        case 'n': buffer[n++] = '\n'; break;
        case 'r': buffer[n++] = '\r'; break;
        case 't': buffer[n++] = '\t'; break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) {
            arena_->Shrink(end - start - n);
            return false;
          }
          if (cp >= 0xDC00 && cp <= 0xDFFF) {
            arena_->Shrink(end - start - n);
            return Fail("lone low surrogate in a \\u escape");
          }
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (!text_.substr(pos_).starts_with("\\u")) {
              arena_->Shrink(end - start - n);
              return Fail("high surrogate not followed by a low one");
            }
            pos_ += 2;
            if (!Hex4(&low) || low < 0xDC00 || low > 0xDFFF) {
              arena_->Shrink(end - start - n);
              return error_.empty() ? Fail("high surrogate not followed by a low one") : false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          n += PutUtf8(cp, buffer + n);
          break;
        }
        default:
          arena_->Shrink(end - start - n);
          return Fail("unknown escape in a string");
      }
    }
    ++pos_;  // the closing quote
    arena_->Shrink(end - start - n);
    *out = std::string_view(buffer, n);
    return true;
  }

  std::string_view text_;
  TextArena* arena_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

bool ParseJsonObjectLine(std::string_view line, std::vector<JsonMember>* members, TextArena* arena,
                         std::string* error) {
  Parser parser(line, arena);
  if (parser.ParseObject(members)) return true;
  *error = parser.error();
  return false;
}

}  // namespace tally::cli
