// DB::Query: answers a usage question from rollup cells, raw blocks and the head, on one snapshot.
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <unordered_map>

#include "engine/db/db_impl.h"
#include "engine/query/accumulator.h"
#include "engine/query/plan.h"
#include "engine/rollup/cell_row.h"
#include "engine/rollup/resolutions.h"
#include "engine/store/layout.h"
#include "engine/util/status_macros.h"

namespace tally::db {
namespace {

using query::Piece;

// A series' rows at one level are read by point lookups when the range needs fewer than this many.
constexpr int64_t kMaxPointRows = 4;

// Pieces of one level, sorted by start (they are disjoint), with a lookup by instant.
struct LevelPieces {
  std::vector<Piece> pieces;
  int64_t from = INT64_MAX, to = INT64_MIN;

  void Add(const Piece& p) {
    pieces.push_back(p);
    from = std::min(from, p.from_us);
    to = std::max(to, p.to_us);
  }
  void Sort() {
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.from_us < b.from_us; });
  }
  // True when some piece overlaps [from, to).
  bool Overlaps(int64_t from, int64_t to) const {
    auto it = std::lower_bound(pieces.begin(), pieces.end(), to, [](const Piece& p, int64_t v) { return p.from_us < v; });
    return it != pieces.begin() && std::prev(it)->to_us > from;
  }
  // The piece holding `t`, or nullptr.
  const Piece* Find(int64_t t) const {
    auto it = std::upper_bound(pieces.begin(), pieces.end(), t,
                               [](int64_t v, const Piece& p) { return v < p.from_us; });
    if (it == pieces.begin()) return nullptr;
    --it;
    return t < it->to_us ? &*it : nullptr;
  }
};

// Adds the cached cells that lie in the level's pieces, walking both in time order.
template <typename AccumulatorOf>
Status AddCachedCells(const query::CachedCells& cells, const LevelPieces& lp, uint32_t group,
                      AccumulatorOf& accumulator, rollup::RollupCell* scratch, uint64_t* cells_read) {
  auto c = std::lower_bound(cells.starts.begin(), cells.starts.end(), lp.from) - cells.starts.begin();
  const auto n = static_cast<ptrdiff_t>(cells.starts.size());
  for (const Piece& piece : lp.pieces) {
    while (c < n && cells.starts[c] < piece.from_us) ++c;
    for (; c < n && cells.starts[c] < piece.to_us; ++c) {
      query::Accumulator& a = accumulator(group, piece.bucket);
      if (a.with_latencies()) {
        TALLY_RETURN_IF_ERROR(a.AddCachedCell(cells.totals[c], cells.Encoded(c), scratch));
      } else {
        a.AddTotals(cells.totals[c]);
      }
      ++*cells_read;
    }
    if (c == n) break;
  }
  return Status::OK();
}

}  // namespace

Result<QueryResult> DBImpl::Query(const tally::Query& q) {
  for (double quantile : q.quantiles) {
    if (!(quantile >= 0 && quantile <= 1)) {
      return Status::InvalidArgument("quantile " + std::to_string(quantile) + " is outside [0, 1]");
    }
  }
  TALLY_ASSIGN_OR_RETURN(std::vector<query::Bucket> buckets, query::MakeBuckets(q.range, q.step));
  const std::vector<int64_t>& resolutions = options_.rollup_resolutions_us;
  QueryResult result;
  result.stats.resolutions_us = resolutions;
  result.stats.cells.assign(resolutions.size(), 0);
  const std::vector<uint32_t> matched = catalog_.Match(q.filter);
  result.stats.series = matched.size();

  // Everything below reads one view: the snapshot, the head rows and the retention that goes with
  // them, taken together under the lock that orders flushes and retention changes.
  std::shared_lock view_lock(view_mu_);
  const rocksdb::Snapshot* snapshot = nullptr;
  std::shared_lock snapshot_lock(snapshot_mu_);
  snapshot = TakeSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Release() {
      if (s != nullptr) db->ReleaseSnapshot(s);
    }
  } release{store_->db(), snapshot};
  const query::Availability availability = availability_;
  const uint64_t epoch = flush_epoch_;
  result.stats.raw_from_us = availability.raw_from_us;
  result.stats.rollups_from_us = availability.level_from_us;

  // Where raw events have expired, bucket edges move to the boundaries of the finest retained
  // cells: the range's start and every bucket start down, the range's end up, so buckets still
  // tile the range and nothing is counted twice.
  if (!query::Complete(availability)) {
    bool moved = false;
    for (size_t b = 0; b < buckets.size(); ++b) {
      buckets[b].from_us = query::SnapToRetained(buckets[b].from_us, false, availability, resolutions, &moved);
      const bool last = b + 1 == buckets.size();
      buckets[b].to_us = query::SnapToRetained(buckets[b].to_us, last, availability, resolutions, &moved);
    }
    result.stats.approximate = moved;
  }

  // The plan: per level, the pieces of every bucket.
  std::vector<LevelPieces> levels(resolutions.size());
  LevelPieces raw;
  {
    std::vector<Piece> pieces;
    for (uint32_t b = 0; b < buckets.size(); ++b) {
      if (buckets[b].from_us >= buckets[b].to_us) continue;
      if (!query::Cover(buckets[b].from_us, buckets[b].to_us, b, resolutions, availability, &pieces)) {
        result.stats.approximate = true;
      }
    }
    for (const Piece& p : pieces) (p.level == Piece::kRaw ? raw : levels[p.level]).Add(p);
    for (LevelPieces& l : levels) l.Sort();
    raw.Sort();
  }
  std::vector<int64_t> bucket_starts;  // for placing head events
  for (const query::Bucket& b : buckets) bucket_starts.push_back(b.from_us);
  const TimeRange head_range{buckets.front().from_us, buckets.back().to_us};

  // Groups: the values of the group-by labels; one accumulator per (group, bucket) that has data.
  // Groups are found by their label values packed into one string (each value after its length,
  // so that no two tuples pack alike), which a hash map finds without building a vector per series.
  std::unordered_map<std::string, uint32_t> group_ids;
  std::vector<std::vector<std::string>> group_keys;
  std::string packed_group;
  std::unordered_map<uint64_t, query::Accumulator> accumulators;
  const bool with_latencies = !q.quantiles.empty();
  // Consecutive cells and events usually land in the same row: remember the last one looked up.
  uint64_t last_key = UINT64_MAX;
  query::Accumulator* last = nullptr;
  auto accumulator = [&](uint32_t group, uint32_t bucket) -> query::Accumulator& {
    const uint64_t key = uint64_t{group} << 32 | bucket;
    if (key != last_key) {
      last = &accumulators.try_emplace(key, with_latencies).first->second;
      last_key = key;
    }
    return *last;
  };

  std::vector<std::vector<EventRow>> head_rows(matched.size());
  {
    std::shared_lock head_lock(head_mu_);
    for (size_t i = 0; i < matched.size(); ++i) {
      if (frozen_) frozen_->CollectRows(matched[i], head_range, &head_rows[i]);
      active_->CollectRows(matched[i], head_range, &head_rows[i]);
    }
  }
  snapshot_lock.unlock();

  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  // One iterator per rollup family for the whole query, re-positioned for each series.
  std::vector<std::unique_ptr<rocksdb::Iterator>> level_iterators(levels.size());
  std::vector<bool> level_positioned(levels.size(), false);
  const int max_steps = matched.size() * 4 >= catalog_.size() ? 8 : 0;
  std::vector<EventRow> rows;
  rollup::RollupCell cell;
  rollup::CellRowView view;
  for (size_t i = 0; i < matched.size(); ++i) {
    const series::CatalogEntry& entry = catalog_.at(matched[i]);
    packed_group.clear();
    for (Label l : q.group_by) {
      const std::string& value = entry.labels.Get(l);
      const uint32_t length = static_cast<uint32_t>(value.size());
      packed_group.append(reinterpret_cast<const char*>(&length), sizeof length).append(value);
    }
    auto [git, added] = group_ids.try_emplace(packed_group, static_cast<uint32_t>(group_keys.size()));
    if (added) {
      std::vector<std::string>& values = group_keys.emplace_back();
      for (Label l : q.group_by) values.push_back(entry.labels.Get(l));
    }
    const uint32_t group = git->second;

    // Rollup cells, level by level.
    for (size_t level = 0; level < levels.size(); ++level) {
      const LevelPieces& lp = levels[level];
      if (lp.pieces.empty()) continue;
      const int64_t w = resolutions[level];
      // Coarse levels: all the series' cells, cached in memory.
      const bool cached = level > 0;
      std::shared_ptr<const query::CachedCells> cells;
      if (cached && (cells = rollup_cache_->Find(level, matched[i], epoch)) != nullptr) {
        Status s = AddCachedCells(*cells, lp, group, accumulator, &cell, &result.stats.cells[level]);
        if (!s.ok()) return s.WithContext("series " + entry.labels.ToString() + ", cached " + rollup::FamilyName(w));
        continue;
      }
      // A miss reads all the series' cells for the cache, while it has room; else just the range.
      std::shared_ptr<query::CachedCells> filling;
      if (cached && rollup_cache_->HasRoom(level)) {
        filling = std::make_shared<query::CachedCells>();
        filling->read_epoch = epoch;
      }
      // Adds the cells of one stored row to the accumulators (or to the cache entry being filled).
      auto add_row = [&](int64_t row_start, std::string_view value) -> Status {
        Status s = rollup::ParseCellRow(value, &view);
        for (uint64_t bits = view.presence; s.ok() && bits != 0; bits &= bits - 1) {
          const int index = std::countr_zero(bits);
          if (filling) {
            s = rollup::RollupCell::Decode(view.cells[index], &cell, false);
            filling->Add(row_start + index * w, query::CountersOf(cell), view.cells[index]);
            continue;
          }
          const Piece* piece = lp.Find(row_start + index * w);
          if (piece == nullptr) continue;
          s = accumulator(group, piece->bucket).AddEncodedCell(view.cells[index], &cell);
          ++result.stats.cells[level];
        }
        if (s.ok()) return s;
        return s.WithContext("series " + entry.labels.ToString() + ", " + rollup::FamilyName(w) + " row at " +
                             std::to_string(row_start) + " µs");
      };
      const int64_t first_row = rollup::RowStart(lp.from, w);
      const int64_t last_row = rollup::RowStart(lp.to - 1, w);
      if (!filling && (last_row - first_row) / (w * rollup::kCellsPerRow) < kMaxPointRows) {
        // A few rows, whose keys are known: point lookups cost less than positioning an iterator.
        for (int64_t row_start = first_row; row_start <= last_row; row_start += w * rollup::kCellsPerRow) {
          rocksdb::PinnableSlice value;
          const rocksdb::Status got =
              store_->db()->Get(ro, store_->rollup_cf(level), store::RollupKey(entry.id, row_start), &value);
          if (got.IsNotFound()) continue;
          if (!got.ok()) return store::FromRocks(got, "read rollups of " + entry.labels.ToString());
          TALLY_RETURN_IF_ERROR(add_row(row_start, value.ToStringView()));
        }
        continue;
      }
      const std::string lower = store::RollupKey(entry.id, filling ? 0 : first_row);
      const std::string upper = store::RollupKey(entry.id, filling ? INT64_MAX : last_row + 1);
      std::unique_ptr<rocksdb::Iterator>& it = level_iterators[level];
      if (!it) it.reset(store_->db()->NewIterator(ro, store_->rollup_cf(level)));
      // Series come in id order, which is key order, so the iterator already stands at the first
      // row at or after the previous series' range — at or just before this series' first row.
      // When most series match, stepping there is far cheaper than seeking; when few do, the rows
      // of the others lie between and a seek is cheaper than stepping over them.
      if (!it->Valid()) {
        if (it->status().ok() && level_positioned[level]) continue;  // nothing at or after: no rows
        it->Seek(lower);
      } else {
        int steps = 0;
        while (it->Valid() && it->key().compare(lower) < 0 && ++steps <= max_steps) it->Next();
        if (it->Valid() && it->key().compare(lower) < 0) it->Seek(lower);
      }
      level_positioned[level] = true;
      int64_t resume_row = filling ? 0 : first_row;  // the first row not yet added
      for (; it->Valid() && it->key().compare(upper) < 0; it->Next()) {
        const int64_t row_start = static_cast<int64_t>(store::DecodeFixed64BE(it->key().data() + 8));
        TALLY_RETURN_IF_ERROR(add_row(row_start, it->value().ToStringView()));
        resume_row = row_start + 1;
      }
      if (!it->status().ok()) {
        // RocksDB merges a row's operands when the iterator reaches it, so a damaged row of another
        // series, stepped onto on the way to or past this one's rows, fails this iterator too. Read
        // the rest of this series' range again, bounded to it, and report only damage inside it.
        it.reset();
        level_positioned[level] = false;
        const rocksdb::Slice bound(upper);
        rocksdb::ReadOptions bounded = ro;
        bounded.iterate_upper_bound = &bound;
        std::unique_ptr<rocksdb::Iterator> again(store_->db()->NewIterator(bounded, store_->rollup_cf(level)));
        for (again->Seek(store::RollupKey(entry.id, resume_row)); again->Valid(); again->Next()) {
          const int64_t row_start = static_cast<int64_t>(store::DecodeFixed64BE(again->key().data() + 8));
          TALLY_RETURN_IF_ERROR(add_row(row_start, again->value().ToStringView()));
        }
        if (!again->status().ok()) {
          return store::FromRocks(again->status(), "read rollups of " + entry.labels.ToString() + ", " +
                                                       rollup::FamilyName(w));
        }
      }
      if (filling) {
        Status s = AddCachedCells(*filling, lp, group, accumulator, &cell, &result.stats.cells[level]);
        if (!s.ok()) return s.WithContext("series " + entry.labels.ToString() + ", " + rollup::FamilyName(w));
        filling->ShrinkToFit();
        rollup_cache_->Store(level, matched[i], std::move(filling));
      }
    }

    // Raw events for what no rollup covers exactly.
    if (!raw.pieces.empty()) {
      rows.clear();
      // Blocks are cut at window boundaries: decode only those whose window meets a raw piece.
      const int64_t window = options_.block_window_us;
      TALLY_RETURN_IF_ERROR(ReadBlockRows(entry, TimeRange{raw.from, raw.to}, snapshot, &rows,
                                          [&raw, window](int64_t start) { return raw.Overlaps(start, start + window); }));
      for (const EventRow& r : rows) {
        if (const Piece* piece = raw.Find(r.timestamp_us)) {
          accumulator(group, piece->bucket).AddEvent(r);
          ++result.stats.raw_events;
        }
      }
    }

    // The head: events not yet in blocks or rollups, whatever the plan.
    for (const EventRow& r : head_rows[i]) {
      auto b = std::upper_bound(bucket_starts.begin(), bucket_starts.end(), r.timestamp_us) - bucket_starts.begin() - 1;
      accumulator(group, static_cast<uint32_t>(b)).AddEvent(r);
      ++result.stats.head_events;
    }
  }

  for (const auto& [id, acc] : accumulators) {
    if (acc.totals().requests == 0) continue;
    ResultRow row;
    row.time_us = buckets[id & 0xffffffffu].start_us;
    row.group = group_keys[id >> 32];
    row.totals = acc.totals();
    row.quantiles = acc.Quantiles(q.quantiles);
    result.rows.push_back(std::move(row));
  }
  auto by_time_then_group = [](const ResultRow& a, const ResultRow& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.group < b.group;
  };
  if (q.limit == 0) {
    std::sort(result.rows.begin(), result.rows.end(), by_time_then_group);
  } else {
    const Measure m = q.order_by;
    auto larger = [m, &by_time_then_group](const ResultRow& a, const ResultRow& b) {
      const double va = MeasureValue(a, m), vb = MeasureValue(b, m);
      if (va != vb && !(std::isnan(va) && std::isnan(vb))) {
        if (std::isnan(va)) return false;  // rows without a value go last
        if (std::isnan(vb)) return true;
        return va > vb;
      }
      return a.group != b.group ? a.group < b.group : by_time_then_group(a, b);
    };
    const size_t k = std::min(q.limit, result.rows.size());
    std::partial_sort(result.rows.begin(), result.rows.begin() + static_cast<ptrdiff_t>(k), result.rows.end(), larger);
    result.rows.resize(k);
  }
  return result;
}

}  // namespace tally::db
