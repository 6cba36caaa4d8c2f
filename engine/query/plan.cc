#include "engine/query/plan.h"

#include <algorithm>
#include <chrono>

#include "tally/options.h"
#include "tally/usage_event.h"

namespace tally::query {
namespace {

int64_t FloorTo(int64_t t, int64_t width) {
  int64_t q = t / width;
  if (t % width < 0) --q;
  return q * width;
}

int64_t CeilTo(int64_t t, int64_t width) {
  int64_t f = FloorTo(t, width);
  return f == t ? t : f + width;
}

// The start of the bucket holding `t`, and the start of the next one.
int64_t BucketStart(int64_t t, Step step) {
  using namespace std::chrono;
  switch (step) {
    case Step::kNone: return t;
    case Step::kMinute: return FloorTo(t, kMicrosPerMinute);
    case Step::kHour: return FloorTo(t, kMicrosPerHour);
    case Step::kDay: return FloorTo(t, kMicrosPerDay);
    case Step::kWeek: {
      // 1970-01-01 was a Thursday: Monday-based weeks start 3 days before the epoch's week.
      return FloorTo(t + 3 * kMicrosPerDay, 7 * kMicrosPerDay) - 3 * kMicrosPerDay;
    }
    case Step::kMonth: {
      const int64_t day = FloorTo(t, kMicrosPerDay) / kMicrosPerDay;
      const year_month_day ymd{sys_days{days{day}}};
      const sys_days first{ymd.year() / ymd.month() / 1};
      return static_cast<int64_t>(first.time_since_epoch().count()) * kMicrosPerDay;
    }
  }
  return t;
}

int64_t NextBucket(int64_t start, Step step) {
  using namespace std::chrono;
  switch (step) {
    case Step::kNone: return INT64_MAX;
    case Step::kMinute: return start + kMicrosPerMinute;
    case Step::kHour: return start + kMicrosPerHour;
    case Step::kDay: return start + kMicrosPerDay;
    case Step::kWeek: return start + 7 * kMicrosPerDay;
    case Step::kMonth: {
      const year_month_day ymd{sys_days{days{start / kMicrosPerDay}}};
      const sys_days next{(ymd.year() / ymd.month() + months{1}) / 1};
      return static_cast<int64_t>(next.time_since_epoch().count()) * kMicrosPerDay;
    }
  }
  return INT64_MAX;
}

}  // namespace

Result<std::vector<Bucket>> MakeBuckets(const TimeRange& range, Step step, size_t max_buckets) {
  if (range.from_us >= range.to_us) return Status::InvalidArgument("query range is empty (from >= to)");
  if (range.from_us < kMinTimestampUs - 400 * kMicrosPerDay || range.to_us > kEndTimestampUs + 400 * kMicrosPerDay) {
    return Status::InvalidArgument("query range must lie within the years 1999..2200");
  }
  std::vector<Bucket> buckets;
  if (step == Step::kNone) {
    buckets.push_back(Bucket{range.from_us, range.from_us, range.to_us});
    return buckets;
  }
  for (int64_t start = BucketStart(range.from_us, step); start < range.to_us; start = NextBucket(start, step)) {
    if (buckets.size() == max_buckets) {
      return Status::InvalidArgument("query has more than " + std::to_string(max_buckets) + " buckets; use a coarser step");
    }
    const int64_t end = NextBucket(start, step);
    buckets.push_back(Bucket{start, std::max(start, range.from_us), std::min(end, range.to_us)});
  }
  return buckets;
}

bool Cover(int64_t from, int64_t to, uint32_t bucket, const std::vector<int64_t>& resolutions,
           const Availability& availability, std::vector<Piece>* out) {
  // Walk from the coarsest resolution down; what a level cannot cover exactly goes to the next.
  struct Span {
    int64_t from, to;
  };
  std::vector<Span> pending = {{from, to}}, next;
  for (int level = static_cast<int>(resolutions.size()) - 1; level >= 0 && !pending.empty(); --level) {
    const int64_t w = resolutions[level];
    const int64_t available_from = availability.level_from_us[level];
    next.clear();
    for (const Span& s : pending) {
      const int64_t a = CeilTo(std::max(s.from, available_from), w), b = FloorTo(s.to, w);
      if (a < b) {
        out->push_back(Piece{level, a, b, bucket});
        if (s.from < a) next.push_back({s.from, a});
        if (b < s.to) next.push_back({b, s.to});
      } else {
        next.push_back(s);
      }
    }
    pending.swap(next);
  }
  bool covered = true;
  for (const Span& s : pending) {
    const int64_t a = std::max(s.from, availability.raw_from_us);
    if (a < s.to) out->push_back(Piece{Piece::kRaw, a, s.to, bucket});
    if (s.from < std::min(a, s.to)) covered = false;
  }
  return covered;
}

}  // namespace tally::query
