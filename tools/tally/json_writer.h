// JsonWriter: builds the one-line JSON documents the commands print with --json.
//
//   JsonWriter json;
//   json.BeginObject().Key("events").Uint(8819).Key("file").String(path).EndObject();
//   std::puts(json.str().c_str());
//
// Commas are placed automatically. Strings are escaped per RFC 8259 (control characters as \u00XX;
// other bytes passed through, so UTF-8 stays UTF-8). Non-finite doubles are written as null.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tally::cli {

class JsonWriter {
 public:
  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();

  const std::string& str() const { return out_; }

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void BeforeValue();
  void Escaped(std::string_view text);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

// `text` as a quoted, escaped JSON string.
std::string JsonQuote(std::string_view text);

}  // namespace tally::cli
