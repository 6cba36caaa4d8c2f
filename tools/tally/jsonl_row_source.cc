// The JSON-lines row source: one flat object per line, keys naming the fields. Blank lines are
// skipped; an unknown or repeated key, or a label given as a number, makes the row malformed.
#include <cstring>
#include <vector>

#include "tools/tally/json_line.h"
#include "tools/tally/row_source.h"

namespace tally::cli {
namespace {

// Labels and the outcome are text; every other field is a number, given as a JSON number or as a
// string that holds one.
bool TakesNumber(InputField f) {
  switch (f) {
    case InputField::kTimestamp:
    case InputField::kInputTokens:
    case InputField::kOutputTokens:
    case InputField::kLatencyUs:
    case InputField::kLatencyMs:
    case InputField::kCostMicros:
    case InputField::kEventId:
      return true;
    default:
      return false;
  }
}

class JsonlRowSource final : public RowSource {
 public:
  explicit JsonlRowSource(std::string_view data) : data_(data) {
    if (data_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  }

  Read Next(InputRow* row, RowProblem* problem) override {
    while (pos_ < data_.size()) {
      const char* begin = data_.data() + pos_;
      const size_t left = data_.size() - pos_;
      const char* newline = static_cast<const char*>(std::memchr(begin, '\n', left));
      const size_t length = newline != nullptr ? static_cast<size_t>(newline - begin) : left;
      std::string_view line(begin, length);
      pos_ += newline != nullptr ? length + 1 : length;
      const uint64_t line_number = line_++;
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      row->line = line_number;
      row->text = line;
      row->Clear();
      if (!ParseJsonObjectLine(line, &members_, &arena_, &error_)) [[unlikely]] {
        return Malformed(problem, std::nullopt, "bad JSON: " + error_);
      }
      uint32_t seen = 0;
      for (const JsonMember& m : members_) {
        std::optional<InputField> field = ParseInputFieldName(m.key);
        if (!field) [[unlikely]] {
          return Malformed(problem, std::nullopt, "unknown field '" + std::string(m.key) + "'");
        }
        const uint32_t bit = 1u << static_cast<int>(*field);
        if (seen & bit) [[unlikely]] return Malformed(problem, field, "given twice");
        seen |= bit;
        if (m.kind == JsonKind::kNumber && !TakesNumber(*field)) [[unlikely]] {
          return Malformed(problem, field, "must be a string, not a number");
        }
        row->Set(*field, m.value);
      }
      return Read::kRow;
    }
    return Read::kEnd;
  }

  std::string_view FieldName(InputField field) const override { return InputFieldName(field); }
  size_t offset() const override { return pos_; }
  void ReleaseRows() override { arena_.Reset(); }

 private:
  static Read Malformed(RowProblem* problem, std::optional<InputField> field, std::string reason) {
    problem->field = field;
    problem->reason = std::move(reason);
    return Read::kMalformed;
  }

  std::string_view data_;
  size_t pos_ = 0;
  uint64_t line_ = 1;
  std::vector<JsonMember> members_;
  TextArena arena_;
  std::string error_;
};

}  // namespace

std::unique_ptr<RowSource> MakeJsonlRowSource(std::string_view data) {
  return std::make_unique<JsonlRowSource>(data);
}

}  // namespace tally::cli
