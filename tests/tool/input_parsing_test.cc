// Unit tests of the ingest parsers: CSV records, JSON lines, timestamps and numbers.
#include <gtest/gtest.h>

#include <random>

#include "tools/tally/csv_reader.h"
#include "tools/tally/input_values.h"
#include "tools/tally/json_line.h"

namespace tally::cli {
namespace {

std::vector<std::vector<std::string>> ReadCsv(std::string_view text, std::vector<uint64_t>* lines = nullptr,
                                              std::vector<std::string>* errors = nullptr) {
  CsvReader reader(text);
  CsvRecord record;
  TextArena arena;
  std::vector<std::vector<std::string>> out;
  while (reader.Next(&record, &arena)) {
    out.emplace_back(record.fields.begin(), record.fields.end());
    if (lines) lines->push_back(record.line);
    if (errors) errors->push_back(record.error ? record.error : "");
  }
  return out;
}

using Rows = std::vector<std::vector<std::string>>;

TEST(CsvReaderTest, SplitsPlainRecordsAndSkipsBlankLines) {
  std::vector<uint64_t> lines;
  EXPECT_EQ(ReadCsv("a,b,c\n1,,3\r\n\n\r\nx,y,z", &lines), (Rows{{"a", "b", "c"}, {"1", "", "3"}, {"x", "y", "z"}}));
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 5}));
  EXPECT_EQ(ReadCsv("\xEF\xBB\xBFh\n"), (Rows{{"h"}}));
  EXPECT_EQ(ReadCsv(""), Rows{});
  EXPECT_EQ(ReadCsv("a,\n"), (Rows{{"a", ""}}));
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  std::vector<uint64_t> lines;
  EXPECT_EQ(ReadCsv("\"a,b\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",x\r\nnext,\"q\"", &lines),
            (Rows{{"a,b", "say \"hi\"", ""}, {"two\nlines", "x"}, {"next", "q"}}));
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 4}));
}

TEST(CsvReaderTest, MalformedRecordsAreFlaggedAndReadingGoesOn) {
  std::vector<uint64_t> lines;
  std::vector<std::string> errors;
  Rows rows = ReadCsv("a\"b,c\n\"x\"y,z\nok,1\n\"open,end", &lines, &errors);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(errors[0], "quote inside an unquoted field");
  EXPECT_EQ(errors[1], "text after a closing quote");
  EXPECT_EQ(errors[2], "");
  EXPECT_EQ(rows[2], (std::vector<std::string>{"ok", "1"}));
  EXPECT_EQ(errors[3], "unterminated quoted field");
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 3, 4}));
}

// Random unquoted text, long lines and short, split by the reader and by a plain reference that
// cuts lines at '\n' (dropping one '\r' before it), skips blank lines and splits at every ',':
// the sixteen-bytes-at-a-time scan finds every separator, also at and across block edges.
TEST(CsvReaderTest, UnquotedTextSplitsAsTheReferenceSays) {
  std::mt19937_64 rng(3);
  const std::string alphabet = "ab,,\n\r 0123456789-:.TZ";
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    const size_t n = rng() % (trial % 10 == 0 ? 2000 : 80);
    for (size_t i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    Rows want;
    std::vector<uint64_t> want_lines;
    uint64_t line = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      const bool last = nl == std::string::npos;
      if (last) nl = text.size();
      ++line;
      std::string_view l(text.data() + start, nl - start);
      if (l.ends_with('\r')) l.remove_suffix(1);
      if (!l.empty()) {
        std::vector<std::string> fields;
        size_t f = 0;
        while (true) {
          const size_t comma = l.find(',', f);
          if (comma == std::string_view::npos) {
            fields.emplace_back(l.substr(f));
            break;
          }
          fields.emplace_back(l.substr(f, comma - f));
          f = comma + 1;
        }
        want.push_back(fields);
        want_lines.push_back(line);
      }
      if (last) break;
      start = nl + 1;
    }
    std::vector<uint64_t> lines;
    EXPECT_EQ(ReadCsv(text, &lines), want) << "trial " << trial;
    EXPECT_EQ(lines, want_lines) << "trial " << trial;
  }
}

TEST(CsvReaderTest, RecordTextIsTheRowAsWritten) {
  CsvReader reader("a,\"b\"\"c\"\r\nd\n");
  CsvRecord record;
  TextArena arena;
  ASSERT_TRUE(reader.Next(&record, &arena));
  EXPECT_EQ(record.text, "a,\"b\"\"c\"");
  ASSERT_TRUE(reader.Next(&record, &arena));
  EXPECT_EQ(record.text, "d");
  EXPECT_FALSE(reader.Next(&record, &arena));
}

std::vector<JsonMember> ParseJson(std::string_view line, std::string* error, TextArena* arena) {
  std::vector<JsonMember> members;
  if (!ParseJsonObjectLine(line, &members, arena, error)) members.clear();
  return members;
}

TEST(JsonLineTest, ParsesStringsNumbersAndNull) {
  TextArena arena;
  std::string error;
  auto m = ParseJson(R"( {"a":"x", "b" : -12.5e3 ,"c":null,"d":0, "e":"\"\\\/\b\f\n\r\t"} )", &error, &arena);
  ASSERT_EQ(m.size(), 5u) << error;
  EXPECT_EQ(m[0].key, "a");
  EXPECT_EQ(m[0].value, "x");
  EXPECT_EQ(m[0].kind, JsonKind::kString);
  EXPECT_EQ(m[1].value, "-12.5e3");
  EXPECT_EQ(m[1].kind, JsonKind::kNumber);
  EXPECT_EQ(m[2].kind, JsonKind::kNull);
  EXPECT_EQ(m[3].value, "0");
  EXPECT_EQ(m[4].value, "\"\\/\b\f\n\r\t");
  EXPECT_EQ(ParseJson("{}", &error, &arena).size(), 0u);
}

TEST(JsonLineTest, UnicodeEscapesAndSurrogatePairs) {
  TextArena arena;
  std::string error;
  auto m = ParseJson(R"({"k\u0065y":"\u00e9\u20ac\ud83d\ude00A"})", &error, &arena);
  ASSERT_EQ(m.size(), 1u) << error;
  EXPECT_EQ(m[0].key, "key");
  EXPECT_EQ(m[0].value, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "A");
}

TEST(JsonLineTest, RejectsWhatIsNotAFlatObject) {
  TextArena arena;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"a":1,})", "expected a quoted key"},
      {R"({"a":[1]})", "nested objects and arrays"},
      {R"({"a":{"b":1}})", "nested objects and arrays"},
      {R"({"a":true})", "true and false are not accepted"},
      {R"({"a":01})", "leading zero"},
      {R"({"a":1.})", "no digits after '.'"},
      {R"({"a":"\ud83d"})", "high surrogate not followed by a low one"},
      {R"({"a":"\ude00"})", "lone low surrogate"},
      {R"({"a":"\x"})", "unknown escape"},
      {"{\"a\":\"tab\there\"}", "unescaped control character"},
      {R"({"a":"open)", "unterminated string"},
      {R"({"a":1} x)", "unexpected text after the object"},
      {R"([1])", "expected '{'"},
      {R"({'a':1})", "expected a quoted key"},
  };
  for (const auto& [line, reason] : cases) {
    std::string error;
    std::vector<JsonMember> members;
    EXPECT_FALSE(ParseJsonObjectLine(line, &members, &arena, &error)) << line;
    EXPECT_NE(error.find(reason), std::string::npos) << line << " -> " << error;
    EXPECT_NE(error.find(" at byte "), std::string::npos) << error;
  }
}

int64_t Time(std::string_view text) {
  int64_t us = -1;
  const char* why = ParseTimestampText(text, &us);
  EXPECT_EQ(why, nullptr) << text << ": " << (why ? why : "");
  return us;
}

const char* TimeError(std::string_view text) {
  int64_t us;
  return ParseTimestampText(text, &us);
}

TEST(InputValuesTest, Timestamps) {
  EXPECT_EQ(Time("2026-11-01T12:00:00Z"), 1'793'534'400'000'000);
  EXPECT_EQ(Time("2026-11-01T12:00:00.123456Z"), 1'793'534'400'123'456);
  EXPECT_EQ(Time("2026-11-01 12:00:00.1"), 1'793'534'400'100'000);
  EXPECT_EQ(Time("2023-11-16 18:17:03.9799600"), 1'700'158'623'979'960);  // 100 ns digit dropped
  EXPECT_EQ(Time("2023-11-16 18:17:03.979960999"), 1'700'158'623'979'960);
  EXPECT_EQ(Time("2026-11-01T13:30:00+01:30"), 1'793'534'400'000'000);
  EXPECT_EQ(Time("2026-11-01T10:00:00-02:00"), 1'793'534'400'000'000);
  EXPECT_EQ(Time("1793534400000000"), 1'793'534'400'000'000);
  EXPECT_EQ(Time("2000-02-29T00:00:00Z"), 951'782'400'000'000);
  EXPECT_EQ(Time("1970-01-01T00:00:00Z"), 0);
  EXPECT_NE(TimeError("2026-02-29T00:00:00Z"), nullptr);  // not a leap year
  EXPECT_NE(TimeError("2100-02-29T00:00:00Z"), nullptr);
  EXPECT_NE(TimeError("2026-11-01T24:00:00Z"), nullptr);
  EXPECT_NE(TimeError("2026-11-01T12:00:60Z"), nullptr);
  EXPECT_NE(TimeError("2026-11-01"), nullptr);
  EXPECT_NE(TimeError("2026-11-01T12:00:00.Z"), nullptr);
  EXPECT_NE(TimeError("2026-11-01T12:00:00.1234567890Z"), nullptr);
  EXPECT_NE(TimeError("2026-11-01T12:00:00ZZ"), nullptr);
  EXPECT_NE(TimeError("2026-11-01T12:00:00+0100"), nullptr);
  EXPECT_NE(TimeError("-5"), nullptr);
  EXPECT_NE(TimeError("12x"), nullptr);
  EXPECT_NE(TimeError(""), nullptr);
  EXPECT_NE(TimeError("99999999999999999999"), nullptr);
}

TEST(InputValuesTest, IntegersMillisAndEventIds) {
  int64_t v = 0;
  EXPECT_EQ(ParseIntegerText("0", &v), nullptr);
  EXPECT_EQ(v, 0);
  EXPECT_EQ(ParseIntegerText("-42", &v), nullptr);
  EXPECT_EQ(v, -42);
  EXPECT_EQ(ParseIntegerText("999999999999999999", &v), nullptr);
  EXPECT_NE(ParseIntegerText("9999999999999999999", &v), nullptr);
  EXPECT_NE(ParseIntegerText("1.0", &v), nullptr);
  EXPECT_NE(ParseIntegerText("", &v), nullptr);
  EXPECT_NE(ParseIntegerText("-", &v), nullptr);
  EXPECT_NE(ParseIntegerText(" 1", &v), nullptr);

  EXPECT_EQ(ParseMillisText("12", &v), nullptr);
  EXPECT_EQ(v, 12'000);
  EXPECT_EQ(ParseMillisText("12.5", &v), nullptr);
  EXPECT_EQ(v, 12'500);
  EXPECT_EQ(ParseMillisText("0.0425", &v), nullptr);
  EXPECT_EQ(v, 43);
  EXPECT_EQ(ParseMillisText("0.0424999", &v), nullptr);
  EXPECT_EQ(v, 42);
  EXPECT_EQ(ParseMillisText("-1.5", &v), nullptr);
  EXPECT_EQ(v, -1'500);
  EXPECT_NE(ParseMillisText("1.", &v), nullptr);
  EXPECT_NE(ParseMillisText(".5", &v), nullptr);
  EXPECT_NE(ParseMillisText("1e3", &v), nullptr);

  uint64_t id = 0;
  EXPECT_EQ(ParseEventIdText("18446744073709551615", &id), nullptr);
  EXPECT_EQ(id, UINT64_MAX);
  EXPECT_NE(ParseEventIdText("18446744073709551616", &id), nullptr);
  EXPECT_EQ(ParseEventIdText("0", &id), nullptr);
  EXPECT_EQ(id, 0u);
  uint64_t a = 0, b = 0, a2 = 0;
  EXPECT_EQ(ParseEventIdText("3f2a-uuid", &a), nullptr);
  EXPECT_EQ(ParseEventIdText("3f2a-uuiD", &b), nullptr);
  EXPECT_EQ(ParseEventIdText("3f2a-uuid", &a2), nullptr);
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, a2);
}

}  // namespace
}  // namespace tally::cli
