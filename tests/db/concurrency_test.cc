// Four appender threads and a reader at once: every append lands whole, and a reader never sees
// part of an append (each batch carries one series, so a series' count is a multiple of the size).
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "support/event_maker.h"
#include "support/temp_dir.h"
#include "tally/db.h"

namespace tally {
namespace {

constexpr int64_t kT = 1'790'000'000'000'000;
constexpr int kThreads = 4;
constexpr int kBatches = 150;
constexpr int kBatchSize = 40;

TEST(ConcurrencyTest, AppendersAndReaderAgree) {
  testing::TempDir dir;
  Options options;
  options.head_flush_bytes = 64u << 10;  // many flushes while the threads run
  auto opened = DB::Open(dir.Sub("db"), options);
  ASSERT_TRUE(opened.ok());
  DB& db = **opened;

  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      Status s = db.ScanEvents({}, {}, [&](const SeriesInfo&, std::span<const EventRow> rows) {
        if (rows.size() % kBatchSize != 0) torn.fetch_add(1);
        return Status::OK();
      });
      EXPECT_TRUE(s.ok()) << s.ToString();
      reads.fetch_add(1);
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kThreads; ++w) {
    writers.emplace_back([&db, w] {
      testing::EventMaker maker(100 + w);
      for (int b = 0; b < kBatches; ++b) {
        // Every batch is one series of its own, so torn reads show as odd counts.
        std::string ws = "writer-" + std::to_string(w) + "-batch-" + std::to_string(b % 7);
        std::string_view workspace = maker.Intern(ws);
        std::vector<UsageEvent> batch;
        for (int i = 0; i < kBatchSize; ++i) {
          UsageEvent e = maker.Make(kT + b * 1000 + i, static_cast<uint64_t>(w) << 32 | (b * kBatchSize + i + 1));
          e.workspace = workspace;
          e.model = "m";
          e.endpoint = "e";
          e.environment = "";
          e.api_key = "";
          batch.push_back(e);
        }
        Status s = db.Append(batch);
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);

  uint64_t total = 0;
  ASSERT_TRUE(db.ScanEvents({}, {}, [&](const SeriesInfo&, std::span<const EventRow> rows) {
                  total += rows.size();
                  return Status::OK();
                }).ok());
  EXPECT_EQ(total, static_cast<uint64_t>(kThreads) * kBatches * kBatchSize);
  auto stats = db.GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GT(stats->blocks, 0u);  // flushes did run concurrently
}

}  // namespace
}  // namespace tally
