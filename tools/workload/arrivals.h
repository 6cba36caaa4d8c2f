// Arrivals: when the workload's requests happen — exactly N timestamps spread over a period,
// in non-decreasing order, following a daily and weekly rhythm.
//
// The arrival rate is a function of UTC time, constant within each one-minute slot: a cosine over
// the day that peaks at the configured hour and falls to a trough fraction of the peak twelve hours
// later, times a weekend factor on Saturdays and Sundays. Its running integral maps "position in the
// stream" (0 to 1) to time.
//
// Positions come from a Poisson process conditioned on the count: the N events are cut into runs of
// kRunLength; the boundaries between runs sit at their expected positions (run k starts at k·L/N),
// and within a run the events are uniform order statistics, drawn as normalised sums of exponential
// gaps. So the total is exactly N, gaps within a run are exponential-like (bursty, as real traffic),
// and the stream never goes back in time. Timestamps are whole microseconds; sub-millisecond digits
// are as random as the rest.
//
// Thread-safety: not safe to share; one Arrivals per stream.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/workload/random.h"
#include "tools/workload/workload_config.h"

namespace tally::workload {

class Arrivals {
 public:
  static constexpr uint32_t kRunLength = 4096;

  // Uses config's start_us, span_us, events, seed and the rate-curve fields.
  // REQUIRES: config.Validate().ok().
  explicit Arrivals(const WorkloadConfig& config);

  // The timestamp of the next event, µs since the epoch, in [start, start + span).
  // REQUIRES: fewer than `events` calls so far.
  int64_t Next();

  // The arrival rate of the slot that holds `t_us`, relative to the peak (0 < rate <= 1).
  double RelativeRate(int64_t t_us) const;

 private:
  void DrawRun();

  int64_t start_us_;
  int64_t span_us_;
  uint64_t events_;
  double peak_hour_;
  double trough_;
  double weekend_factor_;
  Random random_;

  std::vector<double> slot_start_weight_;  // integral of the rate up to each slot (size slots + 1)
  uint64_t next_index_ = 0;                // index of the next event in the whole stream
  std::vector<double> run_;                // positions (scaled to the integral) of the current run
  size_t run_next_ = 0;
  size_t slot_ = 0;                        // cursor: positions only grow
  int64_t last_us_ = INT64_MIN;
};

}  // namespace tally::workload
