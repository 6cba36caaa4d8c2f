// Bad input is refused with InvalidArgument naming the event's index and field, and nothing of the
// batch is stored — not even its good events or its new series.
#include <gtest/gtest.h>

#include "support/event_maker.h"
#include "support/scan_all.h"
#include "support/temp_dir.h"
#include "tally/db.h"

namespace tally {
namespace {

using testing::EventMaker;

constexpr int64_t kT = 1'790'000'000'000'000;

struct BadCase {
  const char* name;
  void (*spoil)(UsageEvent&);
  const char* message;  // expected InvalidArgument message
};

const std::string kLong(257, 'x');
const std::string kBadUtf8 = "caf\xc3";
const std::string kSurrogate = "\xed\xa0\x80";
const std::string kOverlong = "\xc0\xaf";

const BadCase kCases[] = {
    {"empty workspace", [](UsageEvent& e) { e.workspace = ""; }, "event 2: workspace: must not be empty"},
    {"empty model", [](UsageEvent& e) { e.model = ""; }, "event 2: model: must not be empty"},
    {"empty endpoint", [](UsageEvent& e) { e.endpoint = ""; }, "event 2: endpoint: must not be empty"},
    {"long label", [](UsageEvent& e) { e.user = kLong; }, "event 2: user: longer than 256 bytes (257)"},
    {"truncated utf8", [](UsageEvent& e) { e.api_key = kBadUtf8; }, "event 2: api_key: not valid UTF-8"},
    {"surrogate", [](UsageEvent& e) { e.version = kSurrogate; }, "event 2: version: not valid UTF-8"},
    {"overlong", [](UsageEvent& e) { e.environment = kOverlong; }, "event 2: environment: not valid UTF-8"},
    {"negative input", [](UsageEvent& e) { e.input_tokens = -3; }, "event 2: input_tokens: negative value -3"},
    {"negative output", [](UsageEvent& e) { e.output_tokens = -1; }, "event 2: output_tokens: negative value -1"},
    {"negative latency", [](UsageEvent& e) { e.latency_us = -7; }, "event 2: latency_us: negative value -7"},
    {"negative cost", [](UsageEvent& e) { e.cost_micros = -9; }, "event 2: cost_micros: negative value -9"},
    {"huge cost", [](UsageEvent& e) { e.cost_micros = int64_t{1} << 40; },
     "event 2: cost_micros: value 1099511627776 exceeds 2^40-1"},
    {"before 2000", [](UsageEvent& e) { e.timestamp_us = kMinTimestampUs - 1; },
     "event 2: timestamp: 946684799999999 µs is outside [2000-01-01, 2200-01-01)"},
    {"at 2200", [](UsageEvent& e) { e.timestamp_us = kEndTimestampUs; },
     "event 2: timestamp: 7258118400000000 µs is outside [2000-01-01, 2200-01-01)"},
    {"unknown outcome", [](UsageEvent& e) { e.outcome = static_cast<Outcome>(7); }, "event 2: outcome: unknown value 7"},
};

TEST(ValidationTest, EachBadFieldIsNamedAndNothingIsStored) {
  testing::TempDir dir;
  auto db = DB::Open(dir.Sub("db"), Options());
  ASSERT_TRUE(db.ok());
  EventMaker maker(1);
  for (const BadCase& c : kCases) {
    std::vector<UsageEvent> batch;
    for (int i = 0; i < 4; ++i) batch.push_back(maker.Make(kT + i));
    batch[2].workspace = maker.Intern(std::string("fresh-") + c.name);  // a series nobody has seen
    c.spoil(batch[2]);
    AppendStats stats;
    Status s = (*db)->Append(batch, &stats);
    EXPECT_TRUE(s.IsInvalidArgument()) << c.name << ": " << s.ToString();
    EXPECT_EQ(s.message(), c.message) << c.name;
    EXPECT_EQ(stats.accepted, 0u);
  }
  testing::SeriesRows rows;
  ASSERT_TRUE(testing::ScanAll(**db, &rows).ok());
  EXPECT_TRUE(rows.empty());
  auto series = (*db)->ListSeries({});
  ASSERT_TRUE(series.ok());
  EXPECT_TRUE(series->empty());
}

TEST(ValidationTest, BoundaryValuesAreAccepted) {
  testing::TempDir dir;
  auto db = DB::Open(dir.Sub("db"), Options());
  ASSERT_TRUE(db.ok());
  EventMaker maker(2);
  std::vector<UsageEvent> batch = {maker.Make(kMinTimestampUs), maker.Make(kEndTimestampUs - 1)};
  batch[0].user = std::string_view(kLong).substr(0, 256);
  batch[0].version = "versión-ß-日本-😀";
  batch[1].input_tokens = (int64_t{1} << 40) - 1;
  batch[1].latency_us = 0;
  EXPECT_TRUE((*db)->Append(batch).ok());
  testing::SeriesRows rows;
  ASSERT_TRUE(testing::ScanAll(**db, &rows).ok());
  EXPECT_EQ(testing::CountRows(rows), 2u);
}

}  // namespace
}  // namespace tally
