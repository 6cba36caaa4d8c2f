// EventBuilder: turns an InputRow (text per field) into a valid UsageEvent, or says which field is
// wrong and why.
//
// Conversion uses input_values.h; validation then applies the engine's own rules
// (engine/ingest/validate.h: time range, label length and UTF-8, count bounds), so that a row the
// tool accepts is never refused by DB::Append, and the reasons read the same as the engine's.
//
// Required fields: timestamp, workspace, model, endpoint, input_tokens, output_tokens, one of
// latency_us / latency_ms, outcome. A field the row leaves absent takes its default when one is
// set (the --workspace/--model/--endpoint/--environment flags; the Azure trace's constants).
//
// Labels are interned (label_interner.h): an event's labels view the builder's copies, valid for
// the builder's life.
//
// Thread-safety: none.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tally/usage_event.h"
#include "tools/tally/input_row.h"
#include "tools/tally/label_interner.h"

namespace tally::cli {

// What is wrong with a row: the field (none when the row as a whole is malformed) and why.
struct RowProblem {
  std::optional<InputField> field;
  std::string reason;
};

using FieldDefaults = std::array<std::string_view, kInputFieldCount>;

class EventBuilder {
 public:
  // `defaults` must outlive the builder.
  explicit EventBuilder(const FieldDefaults& defaults) : defaults_(defaults) {}

  // On success fills *event (its labels view the row's text or the defaults) and returns true;
  // otherwise fills *problem and returns false.
  bool Build(const InputRow& row, UsageEvent* event, RowProblem* problem);

  // The required fields that neither `supplied` (the columns an input declares) nor the defaults
  // give, for an up-front error on a CSV header.
  std::vector<InputField> MissingRequired(const std::array<bool, kInputFieldCount>& supplied) const;

 private:
  const FieldDefaults& defaults_;
  LabelInterner labels_;
};

}  // namespace tally::cli
