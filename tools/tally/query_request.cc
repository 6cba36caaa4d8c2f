#include "tools/tally/query_request.h"

#include <charconv>
#include <cstdio>
#include <set>

#include "tally/options.h"
#include "tally/usage_event.h"
#include "tools/tally/format.h"

namespace tally::cli {
namespace {

constexpr Label kFilterLabels[] = {Label::kWorkspace, Label::kModel,  Label::kEndpoint, Label::kEnvironment,
                                   Label::kApiKey,    Label::kUser,   Label::kVersion};

// Flag spelling of a label: api_key is --api-key, like every other multi-word flag.
std::string FlagName(Label label) {
  std::string name(LabelName(label));
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.emplace_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// Label names accept the flag spelling too (api-key), so a user need not remember which is which.
std::optional<Label> ParseLabelName(std::string name) {
  for (char& c : name) {
    if (c == '-') c = '_';
  }
  return ParseLabel(name);
}

bool ParseLabels(std::string_view flag, std::string_view text, std::vector<Label>* out, std::string* error) {
  std::set<Label> seen;
  for (const std::string& part : SplitCommas(text)) {
    std::optional<Label> label = ParseLabelName(part);
    if (!label) {
      *error = "--" + std::string(flag) + ": unknown label '" + part +
               "' (labels: workspace, model, endpoint, environment, api_key, user, version)";
      return false;
    }
    if (!seen.insert(*label).second) {
      *error = "--" + std::string(flag) + ": label '" + part + "' given twice";
      return false;
    }
    out->push_back(*label);
  }
  return true;
}

bool ParseQuantiles(std::string_view text, std::vector<double>* out, std::string* error) {
  std::set<std::string> names;
  for (const std::string& part : SplitCommas(text)) {
    double q = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), q);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || !(q >= 0 && q <= 1)) {
      *error = "--quantiles wants numbers from 0 to 1 separated by commas (0.5,0.95,0.99), not '" + part + "'";
      return false;
    }
    // Two quantiles with one column name would give a JSON object a repeated key.
    if (!names.insert(QuantileName(q)).second) {
      *error = "--quantiles: " + part + " given twice";
      return false;
    }
    out->push_back(q);
  }
  return true;
}

bool ParseStep(std::string_view text, Step* out) {
  static constexpr std::pair<std::string_view, Step> kSteps[] = {
      {"minute", Step::kMinute}, {"hour", Step::kHour}, {"day", Step::kDay}, {"week", Step::kWeek}, {"month", Step::kMonth}};
  for (const auto& [name, step] : kSteps) {
    if (text == name) {
      *out = step;
      return true;
    }
  }
  return false;
}

// The measures --measure accepts: the three short names of the contract, then the engine's own.
bool ParseOrderMeasure(std::string_view text, Measure* out) {
  if (text == "tokens") {
    *out = Measure::kTotalTokens;
    return true;
  }
  if (text == "spend") {
    *out = Measure::kSpend;
    return true;
  }
  // A quantile measure needs --quantiles; top orders by counts and rates only.
  return ParseMeasure(text, out) && *out != Measure::kLatencyQuantile;
}

bool ParseRange(const Args& args, QueryRequest* request, std::string* error) {
  TimeRange* range = &request->query.range;
  const bool absolute = args.Has("from") || args.Has("to");
  const bool relative = args.Has("last") || args.Has("now");
  if (absolute && relative) {
    *error = "give --from and/or --to, or --last and --now, not both";
    return false;
  }
  auto time_flag = [&](const std::string& flag, int64_t* out) {
    const std::string text = *args.Get(flag);
    std::optional<int64_t> t = ParseTime(text);
    if (!t) {
      *error = "--" + flag + ": '" + text +
               "' is not a time (ISO-8601 UTC such as 2026-10-01T12:00:00Z, or µs since the epoch)";
      return false;
    }
    *out = *t;
    return true;
  };
  if (relative) {
    if (!args.Has("last")) {
      *error = "--now needs --last";
      return false;
    }
    if (!args.Has("now")) {
      *error = "--last needs --now T: the tool never reads the clock, so the same command gives the same answer";
      return false;
    }
    const std::string last = *args.Get("last");
    std::optional<int64_t> span = ParseSpan(last);
    if (!span) {
      *error = "--last wants a span such as 30m, 1h, 24h, 7d or 2w (m = minutes), not '" + last + "'";
      return false;
    }
    int64_t now = 0;
    if (!time_flag("now", &now)) return false;
    *range = {now - *span, now};
    return true;
  }
  // An end left open is the end of what the engine can store: no range at all is everything.
  *range = {kMinTimestampUs, kEndTimestampUs};
  request->open_from = !args.Has("from");
  request->open_to = !args.Has("to");
  if (args.Has("from") && !time_flag("from", &range->from_us)) return false;
  if (args.Has("to") && !time_flag("to", &range->to_us)) return false;
  if (range->from_us >= range->to_us) {
    *error = request->open_from || request->open_to
                 ? "the range [" + FormatIsoTime(range->from_us) + ", " + FormatIsoTime(range->to_us) +
                       ") is empty (times are stored from 2000-01-01 to 2200-01-01)"
                 : "--from must be before --to (the range is [from, to))";
    return false;
  }
  return true;
}

bool ParseFormat(const Args& args, OutputFormat* out, std::string* error) {
  const std::string text = args.Get("format").value_or("table");
  if (text == "table") {
    *out = OutputFormat::kTable;
  } else if (text == "csv") {
    *out = OutputFormat::kCsv;
  } else if (text == "json") {
    *out = OutputFormat::kJson;
  } else {
    *error = "--format wants table, csv or json, not '" + text + "'";
    return false;
  }
  return true;
}

// Flags that shape the rows, and the subcommands that take them.
bool CheckAllowed(const Args& args, QueryKind kind, std::string* error) {
  struct Rule {
    const char* flag;
    bool summary, series, top, latency;
  };
  static constexpr Rule kRules[] = {
      {"step", false, true, false, true},   {"group-by", false, true, false, true},
      {"by", false, false, true, false},    {"measure", false, false, true, false},
      {"limit", false, false, true, false},
  };
  static constexpr const char* kNames[] = {"summary", "series", "top", "latency"};
  for (const Rule& rule : kRules) {
    const bool allowed[] = {rule.summary, rule.series, rule.top, rule.latency};
    if (args.Has(rule.flag) && !allowed[static_cast<int>(kind)]) {
      *error = std::string("--") + rule.flag + " does not apply to 'query " + kNames[static_cast<int>(kind)] + "'";
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<FlagSpec> QueryFlagSpecs() {
  std::vector<FlagSpec> specs = {{"db"},     {"from"},    {"to"},      {"last"},  {"now"},
                                 {"step"},   {"group-by"}, {"by"},     {"measure"}, {"limit"},
                                 {"quantiles"}, {"format"}};
  for (Label label : kFilterLabels) specs.push_back({FlagName(label), true, true});
  return specs;
}

bool ParseQueryRequest(const Args& args, QueryRequest* request, std::string* error) {
  const std::vector<std::string>& positional = args.positional();
  if (positional.empty()) {
    *error = "which query? summary, series, top or latency";
    return false;
  }
  static constexpr std::pair<std::string_view, QueryKind> kKinds[] = {
      {"summary", QueryKind::kSummary}, {"series", QueryKind::kSeries}, {"top", QueryKind::kTop},
      {"latency", QueryKind::kLatency}};
  bool known = false;
  for (const auto& [name, kind] : kKinds) {
    if (positional[0] == name) {
      request->kind = kind;
      known = true;
    }
  }
  if (!known) {
    *error = "unknown query '" + positional[0] + "' (summary, series, top or latency)";
    return false;
  }
  if (positional.size() > 1) {
    *error = "unexpected argument '" + positional[1] + "'";
    return false;
  }
  const std::optional<std::string> db = args.Get("db");
  if (!db || db->empty()) {
    *error = "--db DIR is required";
    return false;
  }
  request->db = *db;
  if (!CheckAllowed(args, request->kind, error) || !ParseFormat(args, &request->format, error) ||
      !ParseRange(args, request, error)) {
    return false;
  }

  tally::Query& q = request->query;
  for (Label label : kFilterLabels) {
    std::vector<std::string> values = args.GetAll(FlagName(label));
    if (!values.empty()) q.filter.matchers.push_back(LabelMatcher::In(label, std::move(values)));
  }

  if (request->kind == QueryKind::kSeries || request->kind == QueryKind::kLatency) {
    // A series without a step would be a summary; hourly buckets are what a dashboard draws first.
    const std::string step = args.Get("step").value_or(request->kind == QueryKind::kSeries ? "hour" : "none");
    if (step != "none" && !ParseStep(step, &q.step)) {
      *error = "--step wants minute, hour, day, week or month, not '" + step + "'";
      return false;
    }
  }
  if (request->kind == QueryKind::kSeries && args.Has("group-by")) {
    if (!ParseLabels("group-by", *args.Get("group-by"), &q.group_by, error)) return false;
  }
  if (request->kind == QueryKind::kLatency &&
      !ParseLabels("group-by", args.Get("group-by").value_or("endpoint"), &q.group_by, error)) {
    return false;
  }
  if (request->kind == QueryKind::kTop) {
    if (!args.Has("by")) {
      *error = "--by LABEL is required for 'query top'";
      return false;
    }
    if (!ParseLabels("by", *args.Get("by"), &q.group_by, error)) return false;
    const std::string measure = args.Get("measure").value_or("requests");
    if (!ParseOrderMeasure(measure, &q.order_by)) {
      *error = "--measure wants requests, tokens or spend (or input_tokens, output_tokens, success_rate, "
               "avg_latency_us, ...), not '" + measure + "'";
      return false;
    }
    q.limit = 10;
    if (auto text = args.Get("limit")) {
      std::optional<int64_t> limit = ParseInteger(*text, 1, 1'000'000);
      if (!limit) {
        *error = "--limit wants a whole number from 1 to 1000000, not '" + *text + "'";
        return false;
      }
      q.limit = static_cast<size_t>(*limit);
    }
  }
  const std::optional<std::string> quantiles =
      request->kind == QueryKind::kLatency ? args.Get("quantiles").value_or("0.5,0.95,0.99") : args.Get("quantiles");
  if (quantiles && !ParseQuantiles(*quantiles, &q.quantiles, error)) return false;
  return true;
}

std::optional<int64_t> ParseSpan(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t unit = 0;
  switch (text.back()) {
    case 'm': unit = kMicrosPerMinute; break;
    case 'h': unit = kMicrosPerHour; break;
    case 'd': unit = kMicrosPerDay; break;
    case 'w': unit = 7 * kMicrosPerDay; break;
    default: return std::nullopt;
  }
  const std::string number(text.substr(0, text.size() - 1));
  // At most 400 years, far beyond any range the engine answers, and no overflow when multiplied.
  std::optional<int64_t> n = ParseInteger(number, 1, 400 * 366 * kMicrosPerDay / unit);
  if (!n || number[0] == '+') return std::nullopt;
  return *n * unit;
}

std::string QuantileName(double q) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", q * 100);
  std::string text = buf;
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return "p" + text;
}

}  // namespace tally::cli
