// tally-write-usage-csv: writes the synthetic workload (docs/workload.md) as a CSV file that
// `tally ingest` reads, to measure the tool's end-to-end ingest speed (docs/benchmarks.md, "CSV ingest").
//
//   tally-write-usage-csv --events 10000000 --out /tmp/usage.csv [--seed 1] [--with-ids]
//
// Columns: timestamp (ISO-8601 with µs), the seven labels, input_tokens, output_tokens,
// latency_us, outcome, cost_micros, and event_id with --with-ids. Writing is buffered; the file is
// the input of the benchmark, so its speed does not matter much, but it writes about 10 M rows a
// minute or better.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tools/workload/workload.h"

namespace {

int Usage() {
  std::fprintf(stderr, "usage: tally-write-usage-csv --events N --out FILE [--seed N] [--with-ids]\n");
  return 2;
}

// "2026-10-01T00:00:00.000000Z" for µs since the epoch (civil-from-days, proleptic Gregorian).
void AppendTime(std::string* out, int64_t us) {
  int64_t days = us / 86'400'000'000;
  int64_t rest = us % 86'400'000'000;
  if (rest < 0) {
    rest += 86'400'000'000;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[64];
  const int64_t secs = rest / 1'000'000;
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                static_cast<long long>(rest % 1'000'000));
  out->append(buf);
}

template <typename T>
void AppendNumber(std::string* out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out->append(buf, end);
}

}  // namespace

int main(int argc, char** argv) {
  tally::workload::WorkloadConfig config;
  std::string out_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--with-ids") {
      config.with_event_ids = true;
    } else if ((arg == "--events" || arg == "--seed" || arg == "--out") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--out") {
        out_path = value;
      } else {
        uint64_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size()) return Usage();
        (arg == "--events" ? config.events : config.seed) = n;
      }
    } else {
      return Usage();
    }
  }
  if (out_path.empty()) return Usage();
  std::FILE* out = std::fopen(out_path.c_str(), "w");
  if (out == nullptr) {
    std::fprintf(stderr, "tally-write-usage-csv: cannot create %s: %s\n", out_path.c_str(), std::strerror(errno));
    return 1;
  }
  tally::workload::WorkloadGenerator generator(config);
  if (!generator.status().ok()) {
    std::fprintf(stderr, "tally-write-usage-csv: %s\n", generator.status().ToString().c_str());
    return 1;
  }
  std::string buffer =
      "timestamp,workspace,model,endpoint,environment,api_key,user,version,input_tokens,output_tokens,"
      "latency_us,outcome,cost_micros";
  buffer += config.with_event_ids ? ",event_id\n" : "\n";
  std::vector<tally::UsageEvent> batch;
  while (generator.NextBatch(4096, &batch) > 0) {
    for (const tally::UsageEvent& e : batch) {
      AppendTime(&buffer, e.timestamp_us);
      // Labels of the workload are plain identifiers: no quoting needed.
      for (std::string_view label : {e.workspace, e.model, e.endpoint, e.environment, e.api_key, e.user, e.version}) {
        buffer += ',';
        buffer.append(label);
      }
      for (int64_t v : {e.input_tokens, e.output_tokens, e.latency_us}) {
        buffer += ',';
        AppendNumber(&buffer, v);
      }
      buffer += ',';
      buffer.append(tally::OutcomeName(e.outcome));
      buffer += ',';
      AppendNumber(&buffer, e.cost_micros);
      if (config.with_event_ids) {
        buffer += ',';
        AppendNumber(&buffer, e.event_id);
      }
      buffer += '\n';
    }
    if (buffer.size() >= (1u << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  if (std::fclose(out) != 0) {
    std::fprintf(stderr, "tally-write-usage-csv: cannot write %s\n", out_path.c_str());
    return 1;
  }
  return 0;
}
