#include "tools/tally/row_source.h"

namespace tally::cli {

std::string_view InputFormatName(InputFormat format) {
  switch (format) {
    case InputFormat::kCsv: return "csv";
    case InputFormat::kJsonl: return "jsonl";
    case InputFormat::kAzureTrace: return "azure-trace";
  }
  return "unknown";
}

std::optional<InputFormat> ParseInputFormat(std::string_view name) {
  for (InputFormat f : {InputFormat::kCsv, InputFormat::kJsonl, InputFormat::kAzureTrace}) {
    if (InputFormatName(f) == name) return f;
  }
  return std::nullopt;
}

InputFormat FormatFromPath(std::string_view path) {
  return path.ends_with(".jsonl") || path.ends_with(".ndjson") ? InputFormat::kJsonl : InputFormat::kCsv;
}

Result<std::unique_ptr<RowSource>> MakeRowSource(InputFormat format, std::string_view data,
                                                 const EventBuilder& builder) {
  if (format == InputFormat::kJsonl) return MakeJsonlRowSource(data);
  return MakeCsvRowSource(format == InputFormat::kAzureTrace, data, builder);
}

}  // namespace tally::cli
