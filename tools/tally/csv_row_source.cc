// The CSV and Azure-trace row sources: a header row maps columns to fields, then every record
// must have one field per column.
#include <array>
#include <vector>

#include "tools/tally/csv_reader.h"
#include "tools/tally/row_source.h"

namespace tally::cli {
namespace {

// The Azure LLM inference trace's columns; everything else comes from flags and constants.
std::optional<InputField> AzureColumn(std::string_view name) {
  if (name == "TIMESTAMP") return InputField::kTimestamp;
  if (name == "ContextTokens") return InputField::kInputTokens;
  if (name == "GeneratedTokens") return InputField::kOutputTokens;
  return std::nullopt;
}

class CsvRowSource final : public RowSource {
 public:
  explicit CsvRowSource(std::string_view data) : reader_(data) {}

  Status ReadHeader(bool azure_trace, const EventBuilder& builder) {
    const std::string_view format = azure_trace ? "azure-trace" : "csv";
    if (!reader_.Next(&record_, &arena_)) return Status::InvalidArgument("empty file: no header row");
    if (record_.error != nullptr) {
      return Status::InvalidArgument("header row (line " + std::to_string(record_.line) + "): " + record_.error);
    }
    std::array<bool, kInputFieldCount> supplied{};
    for (size_t i = 0; i < record_.fields.size(); ++i) {
      const std::string name(record_.fields[i]);
      std::optional<InputField> field = azure_trace ? AzureColumn(name) : ParseInputFieldName(name);
      if (!field) {
        std::string message = "unknown column '" + name + "' (column " + std::to_string(i + 1) + " of the header)";
        if (!azure_trace && (name == "TIMESTAMP" || name == "ContextTokens" || name == "GeneratedTokens")) {
          message += "; for the Azure LLM inference trace use --format azure-trace";
        } else if (azure_trace) {
          message += "; an azure-trace file has the columns TIMESTAMP, ContextTokens, GeneratedTokens";
        }
        return Status::InvalidArgument(message);
      }
      if (supplied[static_cast<int>(*field)]) return Status::InvalidArgument("column '" + name + "' given twice");
      supplied[static_cast<int>(*field)] = true;
      column_field_.push_back(*field);
      names_[static_cast<int>(*field)] = name;
    }
    if (supplied[static_cast<int>(InputField::kLatencyUs)] && supplied[static_cast<int>(InputField::kLatencyMs)]) {
      return Status::InvalidArgument("give a latency_us or a latency_ms column, not both");
    }
    std::vector<InputField> missing = builder.MissingRequired(supplied);
    if (!missing.empty()) {
      std::string message = "no column for ";
      for (size_t i = 0; i < missing.size(); ++i) {
        message += i == 0 ? "" : ", ";
        message += InputFieldName(missing[i]);
      }
      message += azure_trace ? " (give --workspace, --model and --endpoint for the " + std::string(format) + " format)"
                             : " (labels may also come from --workspace, --model, --endpoint)";
      return Status::InvalidArgument(message);
    }
    for (int f = 0; f < kInputFieldCount; ++f) {
      if (names_[f].empty()) names_[f] = InputFieldName(static_cast<InputField>(f));
    }
    return Status::OK();
  }

  Read Next(InputRow* row, RowProblem* problem) override {
    if (!reader_.Next(&record_, &arena_)) return Read::kEnd;
    row->line = record_.line;
    row->text = record_.text;
    if (record_.error != nullptr) [[unlikely]] {
      problem->field.reset();
      problem->reason = record_.error;
      return Read::kMalformed;
    }
    if (record_.fields.size() != column_field_.size()) [[unlikely]] {
      problem->field.reset();
      problem->reason = "expected " + std::to_string(column_field_.size()) + " fields, found " +
                        std::to_string(record_.fields.size());
      return Read::kMalformed;
    }
    row->Clear();
    for (size_t i = 0; i < column_field_.size(); ++i) row->Set(column_field_[i], record_.fields[i]);
    return Read::kRow;
  }

  std::string_view FieldName(InputField field) const override { return names_[static_cast<int>(field)]; }
  size_t offset() const override { return reader_.offset(); }
  void ReleaseRows() override { arena_.Reset(); }

 private:
  CsvReader reader_;
  CsvRecord record_;
  TextArena arena_;
  std::vector<InputField> column_field_;  // by column
  std::array<std::string, kInputFieldCount> names_;  // as the header spells them
};

}  // namespace

Result<std::unique_ptr<RowSource>> MakeCsvRowSource(bool azure_trace, std::string_view data,
                                                    const EventBuilder& builder) {
  auto source = std::make_unique<CsvRowSource>(data);
  Status s = source->ReadHeader(azure_trace, builder);
  if (!s.ok()) return s;
  return std::unique_ptr<RowSource>(std::move(source));
}

}  // namespace tally::cli
