// `tally demo` end to end: a month of usage written and summarised, and a second run on the same
// directory storing nothing twice.
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tool/tool_runner.h"

namespace tally::testing {
namespace {

TEST(DemoTest, WritesAMonthAndASecondRunAddsNothing) {
  TempDir dir;
  const std::string db = dir.Sub("demo");
  ToolResult first = RunTool({"demo", "--db", db, "--events", "30000"}, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("30,000 events written, 0 already stored (duplicates)"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("period 2026-10-01T00:00:00Z .. 2026-10-31T00:00:00Z"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("  requests         30,000\n"), std::string::npos) << first.out;
  for (const char* section : {"Usage summary", "Top models by spend", "Latency per endpoint"}) {
    EXPECT_NE(first.out.find(section), std::string::npos) << section;
  }

  // The month's ids are remembered across the whole month: the first day's events too.
  ToolResult second = RunTool({"demo", "--db", db, "--events", "30000"}, dir.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("0 events written, 30,000 already stored (duplicates)"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.substr(second.out.find("Usage summary")), first.out.substr(first.out.find("Usage summary")));

  ToolResult summary = RunTool({"query", "summary", "--db", db, "--format", "csv"}, dir.path());
  ASSERT_EQ(summary.exit_code, 0) << summary.err;
  EXPECT_NE(summary.out.find("\n30000,"), std::string::npos) << summary.out;
}

}  // namespace
}  // namespace tally::testing
