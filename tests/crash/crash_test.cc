// Crash safety: a child process appends batches in a loop and reports each acknowledged batch on a
// pipe; the test kills it with SIGKILL at random moments (while appends, flushes and their log
// deletions are in flight) and reopens the directory each time. Every acknowledged batch must be
// present in full and no batch may be partly present.
//
// The child is this same executable, started with --crash-child DIR FIRST_BATCH.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <random>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "tally/db.h"

extern char** environ;

namespace tally {
namespace {

constexpr int kBatchSize = 300;
constexpr int kKills = 24;
constexpr int64_t kT = 1'790'000'000'000'000;

// Batch b holds event ids b*kBatchSize+1 .. (b+1)*kBatchSize over 60 series and two block windows.
std::vector<UsageEvent> MakeBatch(uint64_t b, std::vector<std::string>* names) {
  std::vector<UsageEvent> batch;
  for (int i = 0; i < kBatchSize; ++i) {
    UsageEvent e;
    e.timestamp_us = kT + static_cast<int64_t>(b) * 7'000'000'000 % (2 * kMicrosPerDay) + i;
    e.workspace = (*names)[i % names->size()];
    e.model = "model";
    e.endpoint = "endpoint";
    e.input_tokens = i;
    e.output_tokens = static_cast<int64_t>(b);
    e.latency_us = 1000 + i;
    e.cost_micros = 3 * i;
    e.event_id = b * kBatchSize + static_cast<uint64_t>(i) + 1;
    batch.push_back(e);
  }
  return batch;
}

std::vector<std::string> WorkspaceNames() {
  std::vector<std::string> names;
  for (int i = 0; i < 60; ++i) names.push_back("ws-" + std::to_string(i));
  return names;
}

int RunChild(const char* path, uint64_t first_batch) {
  Options options;
  options.head_flush_bytes = 128u << 10;  // flushes all the time
  options.rollup_resolutions_us = kStandardRollupResolutions;
  auto db = DB::Open(path, options);
  if (!db.ok()) {
    std::fprintf(stderr, "child: %s\n", db.status().ToString().c_str());
    return 3;
  }
  std::vector<std::string> names = WorkspaceNames();
  for (uint64_t b = first_batch;; ++b) {
    std::vector<UsageEvent> batch = MakeBatch(b, &names);
    Status s = (*db)->Append(batch);
    if (!s.ok()) {
      std::fprintf(stderr, "child: %s\n", s.ToString().c_str());
      return 4;
    }
    if (b % 17 == 0) (void)(*db)->Compact();
    char line[32];
    int n = std::snprintf(line, sizeof line, "%llu\n", static_cast<unsigned long long>(b));
    if (write(1, line, n) != n) return 5;
  }
}

std::string SelfPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  return std::string(buf, n);
}

TEST(CrashTest, AcknowledgedBatchesSurviveKillNineAndNoneIsTorn) {
  testing::TempDir dir;
  const std::string path = dir.Sub("db");
  const std::string self = SelfPath();
  ASSERT_FALSE(self.empty());
  std::mt19937_64 rng(20261203);
  std::set<uint64_t> acknowledged;
  uint64_t next_batch = 0;
  int kills_mid_flight = 0;
  int rounds_with_rollups = 0;

  for (int round = 0; round < kKills; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::string first = std::to_string(next_batch);
    char* argv[] = {const_cast<char*>(self.c_str()), const_cast<char*>("--crash-child"),
                    const_cast<char*>(path.c_str()), const_cast<char*>(first.c_str()), nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);

    // Let it run a random while (it needs ~100 ms to open), then kill it without warning.
    std::this_thread::sleep_for(std::chrono::milliseconds(120 + rng() % 400));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child ended by itself with status " << status;

    std::string acks;
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) acks.append(buf, n);
    close(fds[0]);
    size_t pos = 0, acked_now = 0;
    while ((pos = acks.find('\n')) != std::string::npos) {
      uint64_t b = std::stoull(acks.substr(0, pos));
      acknowledged.insert(b);
      next_batch = std::max(next_batch, b + 1);
      acks.erase(0, pos + 1);
      ++acked_now;
    }
    // The batch in flight when the kill came may or may not be stored; skip its number.
    next_batch += 1;
    if (acked_now > 0) ++kills_mid_flight;

    auto db = DB::Open(path, Options());
    ASSERT_TRUE(db.ok()) << "round " << round << ": " << db.status().ToString();
    std::map<uint64_t, int> rows_per_batch;
    Status s = (*db)->ScanEvents({}, {}, [&](const SeriesInfo&, std::span<const EventRow> rows) {
      for (const EventRow& r : rows) {
        rows_per_batch[(r.event_id - 1) / kBatchSize]++;
        if (r.output_tokens != static_cast<int64_t>((r.event_id - 1) / kBatchSize)) {
          return Status::Corruption("row of batch " + std::to_string((r.event_id - 1) / kBatchSize) + " has wrong data");
        }
      }
      return Status::OK();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (uint64_t b : acknowledged) {
      ASSERT_EQ(rows_per_batch[b], kBatchSize) << "round " << round << ": acknowledged batch " << b << " is not whole";
    }
    for (auto [b, count] : rows_per_batch) {
      ASSERT_EQ(count, kBatchSize) << "round " << round << ": batch " << b << " is partly present";
    }
    // Rollups (merged by flushes in the same write as the blocks) plus the head agree exactly with
    // the raw events: no contribution lost or counted twice by a crash between append and flush.
    uint64_t raw_rows = 0;
    int64_t raw_input = 0, raw_output = 0;
    for (auto [b, count] : rows_per_batch) {
      raw_rows += static_cast<uint64_t>(count);
      raw_output += static_cast<int64_t>(b) * count;
      raw_input += static_cast<int64_t>(kBatchSize) * (kBatchSize - 1) / 2;
    }
    Query q;
    q.range = {kT - kMicrosPerDay, kT + 3 * kMicrosPerDay};
    q.step = Step::kHour;
    auto answer = (*db)->Query(q);
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    Totals sum;
    for (const ResultRow& row : answer->rows) {
      sum.requests += row.totals.requests;
      sum.input_tokens += row.totals.input_tokens;
      sum.output_tokens += row.totals.output_tokens;
    }
    ASSERT_EQ(sum.requests, raw_rows) << "round " << round;
    ASSERT_EQ(sum.input_tokens, raw_input) << "round " << round;
    ASSERT_EQ(sum.output_tokens, raw_output) << "round " << round;
    if (answer->stats.cells[1] > 0) ++rounds_with_rollups;
  }
  EXPECT_GE(kills_mid_flight, kKills / 2) << "most kills should land while batches are being acknowledged";
  EXPECT_GT(acknowledged.size(), 100u);
  EXPECT_GT(rounds_with_rollups, kKills / 2) << "the checks should read flushed rollup cells";
}

}  // namespace
}  // namespace tally

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--crash-child") == 0) {
    return tally::RunChild(argv[2], std::stoull(argv[3]));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
