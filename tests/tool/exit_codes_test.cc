// The tool's exit codes and messages: 0 success, 1 runtime error with one "tally: " line on stderr,
// 2 usage error; --help for every command.
#include <filesystem>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tally/db.h"
#include "tool/tool_runner.h"

namespace tally::testing {
namespace {

void ExpectUsageError(const std::vector<std::string>& args, const std::string& scratch) {
  ToolResult r = RunTool(args, scratch);
  EXPECT_EQ(r.exit_code, 2) << args[0] << ": " << r.err;
  EXPECT_FALSE(r.err.empty());
}

// Exit 1 and exactly one line on stderr, starting "tally: " and holding `needle`.
void ExpectRuntimeError(const std::vector<std::string>& args, const std::string& scratch, const std::string& needle) {
  ToolResult r = RunTool(args, scratch);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(r.err.starts_with("tally: ")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(ExitCodesTest, UsageErrorsExitTwo) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  ExpectUsageError({}, dir.path());
  ExpectUsageError({"frobnicate"}, dir.path());
  ExpectUsageError({"ingest", "--db", db, "--nope", "x.csv"}, dir.path());
  ExpectUsageError({"ingest", "x.csv"}, dir.path());
  ExpectUsageError({"ingest", "--db", db}, dir.path());
  ExpectUsageError({"ingest", "--db", db, "--format", "xml", "x.csv"}, dir.path());
  ExpectUsageError({"ingest", "--db", db, "--batch", "0", "x.csv"}, dir.path());
  ExpectUsageError({"ingest", "--db", db, "--workspace", std::string(300, 'w'), "x.csv"}, dir.path());
  ExpectUsageError({"inspect"}, dir.path());
  ExpectUsageError({"inspect", "--db"}, dir.path());
  ExpectUsageError({"inspect", "--db", db, "extra"}, dir.path());
  ExpectUsageError({"verify", "--db", db, "--json=yes"}, dir.path());
  ExpectUsageError({"compact", "--db", db, "--db", db}, dir.path());
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(ExitCodesTest, HelpForEveryCommand) {
  TempDir dir;
  for (const std::string command : {"ingest", "inspect", "compact", "verify"}) {
    ToolResult r = RunTool({command, "--help"}, dir.path());
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.out.starts_with("usage: tally " + command)) << r.out;
    ToolResult h = RunTool({"help", command}, dir.path());
    EXPECT_EQ(h.out, r.out);
  }
  ToolResult overview = RunTool({"--help"}, dir.path());
  EXPECT_EQ(overview.exit_code, 0);
  const size_t demo = overview.out.find("  demo"), ingest = overview.out.find("  ingest"),
               inspect = overview.out.find("  inspect"), compact = overview.out.find("  compact"),
               verify = overview.out.find("  verify");
  EXPECT_TRUE(demo < ingest && ingest < inspect && inspect < compact && compact < verify) << overview.out;
}

TEST(ExitCodesTest, RuntimeErrorsExitOneWithOneLine) {
  TempDir dir;
  const std::string missing = dir.Sub("missing");
  ExpectRuntimeError({"inspect", "--db", missing}, dir.path(), "no tally database");
  ExpectRuntimeError({"verify", "--db", missing}, dir.path(), "no tally database");
  ExpectRuntimeError({"compact", "--db", missing}, dir.path(), "no tally database");
  EXPECT_FALSE(std::filesystem::exists(missing));

  // A missing input file: nothing is created.
  ExpectRuntimeError({"ingest", "--db", missing, dir.Sub("nope.csv")}, dir.path(), "nope.csv");
  EXPECT_FALSE(std::filesystem::exists(missing));

  // A CSV with an unknown column: nothing is created either.
  const std::string odd = dir.Sub("odd.csv");
  WriteFile(odd, "timestamp,workspace,colour\n1,2,3\n");
  ExpectRuntimeError({"ingest", "--db", missing, odd}, dir.path(), "unknown column 'colour'");
  EXPECT_FALSE(std::filesystem::exists(missing));

  // A foreign directory.
  const std::string foreign = dir.Sub("foreign");
  std::filesystem::create_directories(foreign);
  WriteFile(foreign + "/notes.txt", "not a database");
  ExpectRuntimeError({"inspect", "--db", foreign}, dir.path(), "foreign");
  const std::string good = dir.Sub("good.csv");
  WriteFile(good,
            "timestamp,workspace,model,endpoint,input_tokens,output_tokens,latency_us,outcome\n"
            "2026-11-01T12:00:00Z,a,m,e,1,1,1,success\n");
  ExpectRuntimeError({"ingest", "--db", foreign, good}, dir.path(), "not empty");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(foreign), std::filesystem::directory_iterator()), 1);
}

TEST(ExitCodesTest, ABusyDirectoryIsARuntimeError) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  auto writer = DB::Open(db, Options());
  ASSERT_TRUE(writer.ok());
  const std::string good = dir.Sub("good.csv");
  WriteFile(good,
            "timestamp,workspace,model,endpoint,input_tokens,output_tokens,latency_us,outcome\n"
            "2026-11-01T12:00:00Z,a,m,e,1,1,1,success\n");
  ExpectRuntimeError({"ingest", "--db", db, good}, dir.path(), "another process is writing");
  ExpectRuntimeError({"compact", "--db", db}, dir.path(), "Busy");
  // Readers work beside the writer.
  EXPECT_EQ(RunTool({"inspect", "--db", db}, dir.path()).exit_code, 0);
  EXPECT_EQ(RunTool({"verify", "--db", db}, dir.path()).exit_code, 0);
}

}  // namespace
}  // namespace tally::testing
