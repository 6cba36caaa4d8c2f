// Rollup cells and rows: the builder's bytes equal a cell-by-cell reference, rows merge to the same
// bytes however events are split and in whatever order or grouping the parts are merged, version 1
// rows are still read and merged, and damaged rows are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <xxhash.h>

#include "engine/codec/coding.h"
#include "engine/rollup/cell_row.h"
#include "engine/rollup/merge_operator.h"
#include "engine/rollup/resolutions.h"
#include "engine/rollup/rollup_builder.h"
#include "engine/rollup/rollup_cell.h"
#include "support/temp_dir.h"
#include "tally/options.h"

namespace tally::rollup {
namespace {

const std::vector<int64_t> kResolutions = kStandardRollupResolutions;

// Events of one series in time order. `density` events per minute on average, in bursts, so that
// some cells hold one request, some a few, some more than kExactLatencies.
std::vector<EventRow> RandomEvents(std::mt19937_64& rng, size_t n, double density) {
  std::vector<EventRow> rows;
  int64_t t = 1'790'000'000'000'000 + static_cast<int64_t>(rng() % 1'000'000'000);
  std::exponential_distribution<double> gap(density / 60e6);
  for (size_t i = 0; i < n; ++i) {
    if (rng() % 50 == 0) t += static_cast<int64_t>(rng() % (3 * kMicrosPerDay));  // a quiet spell
    t += static_cast<int64_t>(gap(rng));
    EventRow e;
    e.timestamp_us = t;
    const int o = static_cast<int>(rng() % 100);
    e.outcome = o < 90 ? Outcome::kSuccess : (o < 95 ? Outcome::kRetryableError : Outcome::kFatalError);
    e.input_tokens = static_cast<int64_t>(rng() % 20000);
    e.output_tokens = e.outcome == Outcome::kSuccess ? static_cast<int64_t>(rng() % 3000) : 0;
    e.cost_micros = e.outcome == Outcome::kSuccess ? e.input_tokens * 3 + e.output_tokens * 15 : 0;
    switch (rng() % 4) {  // latencies of several scales, zero and repeats included
      case 0: e.latency_us = static_cast<int64_t>(rng() % 100); break;
      case 1: e.latency_us = 250'000; break;
      case 2: e.latency_us = static_cast<int64_t>(rng() % 600'000'000); break;
      default: e.latency_us = static_cast<int64_t>(rng() % 20'000'000); break;
    }
    rows.push_back(e);
  }
  return rows;
}

using RowKey = std::pair<int, int64_t>;  // resolution index, row start

// The reference: cells built event by event with RollupCell, encoded one by one, rows assembled
// through EncodeCellRow.
std::map<RowKey, std::string> ReferenceRows(const std::vector<EventRow>& events) {
  std::map<RowKey, std::map<int, RollupCell>> cells;
  for (const EventRow& e : events) {
    for (int r = 0; r < static_cast<int>(kResolutions.size()); ++r) {
      cells[{r, RowStart(e.timestamp_us, kResolutions[r])}][CellIndex(e.timestamp_us, kResolutions[r])].Add(e);
    }
  }
  std::map<RowKey, std::string> rows;
  for (const auto& [key, row_cells] : cells) {
    std::vector<std::string> encoded(kCellsPerRow);
    CellRowView view;
    for (const auto& [index, cell] : row_cells) {
      cell.Encode(&encoded[index]);
      view.presence |= uint64_t{1} << index;
      view.cells[index] = encoded[index];
    }
    EncodeCellRow(view, &rows[key]);
  }
  return rows;
}

std::map<RowKey, std::string> BuilderRows(RollupBuilder* builder, const std::vector<EventRow>& events) {
  std::vector<RowBytes> out;
  builder->AddSeries(events, &out);
  std::map<RowKey, std::string> rows;
  for (const RowBytes& r : out) {
    EXPECT_TRUE(rows.emplace(RowKey{r.resolution, r.row_start_us}, std::string(r.bytes)).second) << "row twice";
  }
  return rows;
}

// The first format, written the way version 1 wrote it (docs/format.md keeps its description).
std::string Version1Cell(const RollupCell& c) {
  std::string out;
  out.push_back(1);
  const bool errors = c.retryable + c.fatal > 0;
  out.push_back(static_cast<char>((errors ? 1 : 0) | (c.has_sketch() ? 2 : 0)));
  codec::PutVarint64(&out, c.count);
  if (errors) {
    codec::PutVarint64(&out, c.retryable);
    codec::PutVarint64(&out, c.fatal);
  }
  codec::PutVarint64(&out, static_cast<uint64_t>(c.input_tokens));
  codec::PutVarint64(&out, static_cast<uint64_t>(c.output_tokens));
  codec::PutVarint64(&out, static_cast<uint64_t>(c.cost_micros));
  if (c.successes() == 0) return out;
  if (c.has_sketch()) {
    codec::PutVarint64(&out, static_cast<uint64_t>(c.latency_sum_us()));
    codec::PutVarint64(&out, static_cast<uint64_t>(c.latency_min_us()));
    codec::PutVarint64(&out, static_cast<uint64_t>(c.latency_max_us() - c.latency_min_us()));
    Sketch sketch;
    EXPECT_TRUE(c.AddLatenciesTo(&sketch).ok());
    const std::string bytes = sketch.Serialize();
    codec::PutVarint64(&out, bytes.size());
    out += bytes;
    return out;
  }
  int64_t previous = 0;
  for (int64_t v : c.exact_latencies()) {
    codec::PutVarint64(&out, static_cast<uint64_t>(v - previous));
    previous = v;
  }
  return out;
}

std::string Version1Row(std::string_view v2_row) {
  CellRowView view;
  EXPECT_TRUE(ParseCellRow(v2_row, &view).ok());
  std::string out;
  out.push_back(1);
  codec::PutFixed64(&out, view.presence);
  for (uint64_t bits = view.presence; bits != 0; bits &= bits - 1) {
    RollupCell cell;
    EXPECT_TRUE(RollupCell::Decode(view.cells[std::countr_zero(bits)], &cell).ok());
    const std::string encoded = Version1Cell(cell);
    codec::PutVarint64(&out, encoded.size());
    out += encoded;
  }
  codec::PutFixed32(&out, static_cast<uint32_t>(XXH3_64bits(out.data(), out.size())));
  return out;
}

std::string WithChecksum(std::string body) {
  body.resize(body.size() + kRowChecksumBytes);
  EncodeRowChecksum(body.data(), body.data() + body.size() - kRowChecksumBytes);
  return body;
}

TEST(RollupFormatTest, BuilderMatchesCellByCellReference) {
  RollupBuilder builder(kResolutions);
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    std::mt19937_64 rng(seed);
    const double density = seed % 3 == 0 ? 40.0 : (seed % 3 == 1 ? 0.5 : 5.0);
    const std::vector<EventRow> events = RandomEvents(rng, 200 + rng() % 3000, density);
    EXPECT_EQ(BuilderRows(&builder, events), ReferenceRows(events)) << "seed " << seed;
  }
}

TEST(RollupFormatTest, BuilderRowsStayValidAcrossSeriesAndKeepTheirOrder) {
  RollupBuilder builder(kResolutions);
  std::mt19937_64 rng(7);
  std::vector<RowBytes> all;
  std::vector<std::map<RowKey, std::string>> expected;
  for (int series = 0; series < 80; ++series) {
    const std::vector<EventRow> events = RandomEvents(rng, 3000 + rng() % 4000, 0.2);
    const size_t before = all.size();
    builder.AddSeries(events, &all);
    expected.push_back(ReferenceRows(events));
    // Resolution by resolution, each in time order.
    for (size_t i = before + 1; i < all.size(); ++i) {
      EXPECT_TRUE(all[i - 1].resolution < all[i].resolution ||
                  (all[i - 1].resolution == all[i].resolution && all[i - 1].row_start_us < all[i].row_start_us));
    }
    EXPECT_EQ(all.size() - before, expected.back().size());
  }
  // Every earlier row's bytes are still intact after the arena grew.
  size_t i = 0;
  for (const auto& rows : expected) {
    for (const auto& [key, bytes] : rows) {
      ASSERT_LT(i, all.size());
      EXPECT_EQ(all[i].bytes, bytes);
      ++i;
    }
  }
  EXPECT_GT(builder.arena_bytes(), size_t{4} << 20) << "the test should fill more than one arena chunk";
}

TEST(RollupFormatTest, CellsRoundTripAndMeasureThemselves) {
  std::mt19937_64 rng(3);
  const std::vector<EventRow> events = RandomEvents(rng, 5000, 20.0);
  size_t cells = 0, sketches = 0;
  for (const auto& [key, row] : ReferenceRows(events)) {
    CellRowView view;
    ASSERT_TRUE(ParseCellRow(row, &view).ok());
    for (uint64_t bits = view.presence; bits != 0; bits &= bits - 1) {
      const std::string_view bytes = view.cells[std::countr_zero(bits)];
      size_t length = 0;
      ASSERT_TRUE(MeasureCell(std::string(bytes) + "trailing", &length).ok());
      EXPECT_EQ(length, bytes.size());
      RollupCell cell;
      ASSERT_TRUE(RollupCell::Decode(bytes, &cell).ok());
      std::string again;
      cell.Encode(&again);
      EXPECT_EQ(again, bytes);
      RollupCell counters_only;
      ASSERT_TRUE(RollupCell::Decode(bytes, &counters_only, /*with_latencies=*/false).ok());
      EXPECT_EQ(counters_only.count, cell.count);
      EXPECT_EQ(counters_only.latency_sum_us(), cell.latency_sum_us());
      EXPECT_EQ(counters_only.latency_max_us(), cell.latency_max_us());
      ++cells;
      sketches += cell.has_sketch();
    }
  }
  EXPECT_GT(sketches, 0u);
  EXPECT_GT(cells, sketches);
}

TEST(RollupFormatTest, CountsAroundTheHeadByteEscape) {
  for (uint64_t count : {1u, 2u, 16u, 17u, 62u, 63u, 64u, 200u, 100000u}) {
    RollupCell cell;
    for (uint64_t i = 0; i < count; ++i) {
      EventRow e;
      e.outcome = i % 10 == 3 ? Outcome::kFatalError : Outcome::kSuccess;
      e.latency_us = static_cast<int64_t>(1000 + i * 7 % 5000);
      e.input_tokens = 5;
      cell.Add(e);
    }
    std::string bytes;
    cell.Encode(&bytes);
    RollupCell back;
    ASSERT_TRUE(RollupCell::Decode(bytes, &back).ok()) << count;
    EXPECT_EQ(back.count, count);
    EXPECT_TRUE(back == cell);
    size_t length = 0;
    ASSERT_TRUE(MeasureCell(bytes, &length).ok());
    EXPECT_EQ(length, bytes.size());
  }
}

// Splits the events into `parts` random subsets (each kept in time order), builds each subset's
// rows, and returns them per row key.
std::map<RowKey, std::vector<std::string>> PartRows(std::mt19937_64& rng, const std::vector<EventRow>& events,
                                                    int parts) {
  std::vector<std::vector<EventRow>> split(static_cast<size_t>(parts));
  for (const EventRow& e : events) split[rng() % split.size()].push_back(e);
  std::map<RowKey, std::vector<std::string>> rows;
  for (const auto& part : split) {
    RollupBuilder builder(kResolutions);
    for (auto& [key, bytes] : BuilderRows(&builder, part)) rows[key].push_back(std::move(bytes));
  }
  return rows;
}

TEST(RollupFormatTest, MergedPartsEqualTheWholeInAnyOrderAndGrouping) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    const std::vector<EventRow> events = RandomEvents(rng, 4000, seed % 2 ? 30.0 : 2.0);
    const std::map<RowKey, std::string> whole = ReferenceRows(events);
    const auto parts = PartRows(rng, events, 2 + static_cast<int>(seed % 5));
    ASSERT_EQ(parts.size(), whole.size());
    for (const auto& [key, pieces] : parts) {
      const std::string& expected = whole.at(key);
      // All at once, shuffled.
      std::vector<std::string> shuffled = pieces;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      RowMerger merger;
      for (const std::string& p : shuffled) ASSERT_TRUE(merger.Add(p).ok());
      std::string merged;
      merger.Finish(&merged);
      EXPECT_EQ(merged, expected);
      // Pairwise, in a random tree.
      std::vector<std::string> pool = pieces;
      while (pool.size() > 1) {
        const size_t a = rng() % pool.size();
        std::string left = std::move(pool[a]);
        pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(a));
        const size_t b = rng() % pool.size();
        std::string out;
        ASSERT_TRUE(MergeCellRows(left, pool[b], &out).ok());
        pool[b] = std::move(out);
      }
      EXPECT_EQ(pool[0], expected);
    }
  }
}

TEST(RollupFormatTest, MergeEncodedEqualsMergeOfDecodedCells) {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 200; ++round) {
    RollupCell a, b;
    const int na = static_cast<int>(rng() % 40), nb = 1 + static_cast<int>(rng() % 40);
    for (const EventRow& e : RandomEvents(rng, static_cast<size_t>(na), 1)) a.Add(e);
    for (const EventRow& e : RandomEvents(rng, static_cast<size_t>(nb), 1)) b.Add(e);
    std::string eb;
    b.Encode(&eb);
    RollupCell via_bytes = a, via_cells = a;
    ASSERT_TRUE(via_bytes.MergeEncoded(eb).ok());
    ASSERT_TRUE(via_cells.Merge(b).ok());
    EXPECT_TRUE(via_bytes == via_cells) << "round " << round;
  }
}

TEST(RollupFormatTest, Version1RowsAreReadAndRewrittenWhenMerged) {
  std::mt19937_64 rng(5);
  const std::vector<EventRow> events = RandomEvents(rng, 3000, 25.0);
  const std::map<RowKey, std::string> whole = ReferenceRows(events);
  const auto parts = PartRows(rng, events, 3);
  for (const auto& [key, pieces] : parts) {
    // A version 1 row reads as the same cells.
    const std::string old = Version1Row(pieces[0]);
    CellRowView v1, v2;
    ASSERT_TRUE(ParseCellRow(old, &v1).ok());
    ASSERT_TRUE(ParseCellRow(pieces[0], &v2).ok());
    EXPECT_TRUE(v1.converted);
    EXPECT_FALSE(v2.converted);
    EXPECT_EQ(v1.presence, v2.presence);
    for (uint64_t bits = v1.presence; bits != 0; bits &= bits - 1) {
      const int i = std::countr_zero(bits);
      EXPECT_EQ(v1.cells[i], v2.cells[i]);
    }
    // Old and new rows merge into the current format.
    std::vector<std::string> mixed;
    for (size_t i = 0; i < pieces.size(); ++i) mixed.push_back(i % 2 == 0 ? Version1Row(pieces[i]) : pieces[i]);
    RowMerger merger;
    for (const std::string& row : mixed) ASSERT_TRUE(merger.Add(row).ok());
    std::string merged;
    merger.Finish(&merged);
    EXPECT_EQ(merged, whole.at(key));
  }
}

TEST(RollupFormatTest, PresenceIsListedForFewCellsAndABitmapForMany) {
  RollupCell cell;
  EventRow e;
  e.latency_us = 1000;
  cell.Add(e);
  std::string bytes;
  cell.Encode(&bytes);
  for (int cells : {1, 7, 8, 64}) {
    CellRowView view;
    for (int i = 0; i < cells; ++i) {
      view.presence |= uint64_t{1} << (63 - i);
      view.cells[63 - i] = bytes;
    }
    std::string row;
    EncodeCellRow(view, &row);
    EXPECT_EQ(row[0], 2);
    const size_t prefix = cells <= 7 ? 2 + static_cast<size_t>(cells) : 10;
    EXPECT_EQ(row.size(), prefix + cells * bytes.size() + kRowChecksumBytes) << cells;
    CellRowView back;
    ASSERT_TRUE(ParseCellRow(row, &back).ok());
    EXPECT_EQ(back.presence, view.presence);
  }
}

TEST(RollupFormatTest, DamagedRowsAreRefused) {
  std::mt19937_64 rng(9);
  const std::vector<EventRow> events = RandomEvents(rng, 400, 20.0);
  for (const auto& [key, row] : ReferenceRows(events)) {
    for (size_t i = 0; i < row.size(); ++i) {
      std::string bad = row;
      bad[i] ^= 0x20;
      CellRowView view;
      EXPECT_TRUE(ParseCellRow(bad, &view).IsCorruption()) << "byte " << i;
    }
    CellRowView view;
    EXPECT_TRUE(ParseCellRow(row.substr(0, row.size() - 1), &view).IsCorruption());
    break;  // one row is enough for the byte flips
  }
  std::string cell;
  RollupCell c;
  EventRow e;
  e.latency_us = 42;
  c.Add(e);
  c.Encode(&cell);
  auto parse = [](const std::string& body) {
    CellRowView view;
    return ParseCellRow(WithChecksum(body), &view);
  };
  EXPECT_TRUE(parse(std::string("\x02\x01\x05", 3) + cell).ok());
  EXPECT_TRUE(parse(std::string("\x03\x01\x05", 3) + cell).IsNotSupported());
  EXPECT_TRUE(parse(std::string("\x02\x01\x40", 3) + cell).IsCorruption()) << "index 64";
  EXPECT_TRUE(parse(std::string("\x02\x02\x05\x05", 4) + cell + cell).IsCorruption()) << "index twice";
  EXPECT_TRUE(parse(std::string("\x02\x02\x06\x05", 4) + cell + cell).IsCorruption()) << "descending";
  EXPECT_TRUE(parse(std::string("\x02\x08", 2) + std::string(8, '\0') + cell).IsCorruption()) << "8 listed";
  std::string bitmap("\x02\x00", 2);
  codec::PutFixed64(&bitmap, 0x3);
  EXPECT_TRUE(parse(bitmap + cell + cell).IsCorruption()) << "bitmap of two cells";
  EXPECT_TRUE(parse(std::string("\x02\x01\x05", 3) + cell + "x").IsCorruption()) << "trailing";
  EXPECT_TRUE(parse(std::string("\x02\x01\x05", 3) + cell.substr(0, cell.size() - 1)).IsCorruption()) << "short";
  // A cell that claims more failures than requests, or errors without any.
  EXPECT_TRUE(parse(std::string("\x02\x01\x05\x05\x03\x00\x00\x00\x00", 9)).IsCorruption());
  RollupCell decoded;
  EXPECT_TRUE(RollupCell::Decode(std::string("\x05\x00\x00\x00\x00\x00", 6), &decoded).IsCorruption());
  // A sketch flag on a short list.
  EXPECT_TRUE(RollupCell::Decode(std::string("\x06\x00\x00\x00\x01\x01\x00\x0c", 8), &decoded).IsCorruption());
}

TEST(RollupFormatTest, MergeOperatorInRocksDB) {
  testing::TempDir dir;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.merge_operator = NewRollupMergeOperator();
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  EXPECT_STREQ(options.merge_operator->Name(), "tally.RollupRowMerge.v2");

  std::mt19937_64 rng(21);
  const std::vector<EventRow> events = RandomEvents(rng, 6000, 15.0);
  const std::map<RowKey, std::string> whole = ReferenceRows(events);
  const auto parts = PartRows(rng, events, 6);
  auto key_of = [](const RowKey& k) { return std::to_string(k.first) + "/" + std::to_string(k.second); };
  // Operands in several writes, flushed to several files, some as version 1.
  size_t written = 0;
  for (size_t round = 0; round < 6; ++round) {
    for (const auto& [key, pieces] : parts) {
      if (round >= pieces.size()) continue;
      const std::string operand = round == 2 ? Version1Row(pieces[round]) : pieces[round];
      ASSERT_TRUE(db->Merge(rocksdb::WriteOptions(), key_of(key), operand).ok());
      ++written;
    }
    if (round % 2 == 1) {
      ASSERT_TRUE(db->Flush(rocksdb::FlushOptions()).ok());
    }
  }
  ASSERT_GT(written, whole.size());
  auto check = [&](const char* when) {
    for (const auto& [key, expected] : whole) {
      std::string value;
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), key_of(key), &value).ok()) << when;
      EXPECT_EQ(value, expected) << when;
    }
  };
  check("before compaction");
  ASSERT_TRUE(db->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).ok());
  check("after compaction");

  // A damaged operand fails the read instead of being skipped.
  std::string bad = whole.begin()->second;
  bad[bad.size() / 2] ^= 1;
  ASSERT_TRUE(db->Merge(rocksdb::WriteOptions(), key_of(whole.begin()->first), bad).ok());
  std::string value;
  const rocksdb::Status got = db->Get(rocksdb::ReadOptions(), key_of(whole.begin()->first), &value);
  EXPECT_TRUE(got.IsCorruption()) << got.ToString();
}

// The worked example of docs/format.md ("Cell"), byte for byte, inside a one-cell row; a change of
// the encoding shows up here before it reaches a store.
TEST(RollupFormatTest, GoldenVersion2CellAndRow) {
  RollupCell cell;
  for (int64_t latency : {1200, 900, 5000, 1000, 1200}) {
    EventRow e;
    e.outcome = Outcome::kSuccess;
    e.latency_us = latency;
    cell.Add(e);
  }
  cell.input_tokens = 812;
  cell.output_tokens = 96;
  cell.cost_micros = 3470;
  std::string bytes;
  cell.Encode(&bytes);
  const std::string expected_cell("\x14\xac\x06\x60\x8e\x1b\x84\x07\x64\xc8\x01\x00\xd8\x1d", 14);
  EXPECT_EQ(bytes, expected_cell);

  CellRowView view;
  view.presence = uint64_t{1} << 5;
  view.cells[5] = bytes;
  std::string row;
  EncodeCellRow(view, &row);
  std::string expected_row = std::string("\x02\x01\x05", 3) + expected_cell;
  const uint32_t checksum = static_cast<uint32_t>(XXH3_64bits(expected_row.data(), expected_row.size()));
  for (int i = 0; i < 4; ++i) expected_row.push_back(static_cast<char>(checksum >> (8 * i)));
  EXPECT_EQ(row, expected_row);
}

}  // namespace
}  // namespace tally::rollup
