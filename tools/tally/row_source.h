// RowSource: the rows of one ingest input file, in one of the formats the `ingest` command reads.
//
//   csv          RFC 4180 CSV with a header row naming the fields (input_row.h), in any order
//   jsonl        one flat JSON object per line, keys naming the fields
//   azure-trace  the public Azure LLM inference trace: TIMESTAMP, ContextTokens, GeneratedTokens
//
// A source only splits and names: conversion and validation are EventBuilder's. Rows are views
// into the file's bytes (or into the source's TextArena for unescaped text), valid until
// ReleaseRows().
//
// Thread-safety: none; one source per file.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tally/result.h"
#include "tools/tally/event_builder.h"
#include "tools/tally/input_row.h"

namespace tally::cli {

enum class InputFormat : uint8_t { kCsv, kJsonl, kAzureTrace };

// "csv", "jsonl", "azure-trace".
std::string_view InputFormatName(InputFormat format);
std::optional<InputFormat> ParseInputFormat(std::string_view name);
// The format a file's name implies: .jsonl / .ndjson are JSON lines, anything else CSV.
InputFormat FormatFromPath(std::string_view path);

class RowSource {
 public:
  enum class Read : uint8_t {
    kRow,        // *row holds the next row
    kMalformed,  // the next row cannot be split into fields: row->line / row->text and *problem say why
    kEnd,
  };

  virtual ~RowSource() = default;
  virtual Read Next(InputRow* row, RowProblem* problem) = 0;
  // How the input names `field` (its CSV column or JSON key), for messages.
  virtual std::string_view FieldName(InputField field) const = 0;
  // Bytes of the file consumed so far.
  virtual size_t offset() const = 0;
  // Ends the life of every row returned so far (their unescaped text may be reused).
  virtual void ReleaseRows() = 0;
};

// A source over `data` (a whole file). For CSV formats the header is read here: an unknown,
// repeated or missing column is InvalidArgument naming it. `builder` says which fields have
// defaults and need no column.
Result<std::unique_ptr<RowSource>> MakeRowSource(InputFormat format, std::string_view data,
                                                 const EventBuilder& builder);

// The format-specific constructors behind MakeRowSource (csv_row_source.cc, jsonl_row_source.cc).
Result<std::unique_ptr<RowSource>> MakeCsvRowSource(bool azure_trace, std::string_view data,
                                                    const EventBuilder& builder);
std::unique_ptr<RowSource> MakeJsonlRowSource(std::string_view data);

}  // namespace tally::cli
