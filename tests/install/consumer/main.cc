// Appends one event to a fresh database through the installed library and reads it back.
#include <cstdio>

#include "tally/db.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto db = tally::DB::Open(argv[1], tally::Options());
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  tally::UsageEvent e;
  e.timestamp_us = 1790812800LL * 1000000;
  e.workspace = "acme";
  e.model = "m";
  e.endpoint = "chat";
  e.input_tokens = 12;
  std::vector<tally::UsageEvent> events = {e};
  if (!(*db)->Append(events).ok()) return 1;
  int64_t tokens = 0;
  tally::Status s = (*db)->ScanEvents({}, {}, [&](const tally::SeriesInfo&, std::span<const tally::EventRow> rows) {
    for (const auto& r : rows) tokens += r.input_tokens;
    return tally::Status::OK();
  });
  if (!s.ok() || tokens != 12) return 1;
  std::puts("consumer: ok");
  return 0;
}
