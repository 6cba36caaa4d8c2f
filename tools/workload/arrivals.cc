#include "tools/workload/arrivals.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tally::workload {
namespace {

constexpr int64_t kSlotUs = kMicrosPerMinute;
constexpr uint64_t kArrivalStream = 201;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

Arrivals::Arrivals(const WorkloadConfig& config)
    : start_us_(config.start_us),
      span_us_(config.span_us),
      events_(config.events),
      peak_hour_(config.peak_hour_utc),
      trough_(config.diurnal_trough),
      weekend_factor_(config.weekend_factor),
      random_(config.seed, kArrivalStream) {
  const int64_t slots = (span_us_ + kSlotUs - 1) / kSlotUs;
  slot_start_weight_.resize(slots + 1);
  slot_start_weight_[0] = 0;
  for (int64_t i = 0; i < slots; ++i) {
    const int64_t width = std::min(kSlotUs, span_us_ - i * kSlotUs);
    slot_start_weight_[i + 1] = slot_start_weight_[i] + RelativeRate(start_us_ + i * kSlotUs + width / 2) * width;
  }
  run_.reserve(kRunLength);
}

double Arrivals::RelativeRate(int64_t t_us) const {
  const int64_t day = FloorDiv(t_us, kMicrosPerDay);
  const double hour = static_cast<double>(t_us - day * kMicrosPerDay) / kMicrosPerHour;
  const double cycle = 0.5 * (1 + std::cos(2 * std::numbers::pi * (hour - peak_hour_) / 24));
  // 1970-01-01 was a Thursday: day + 3 counts weekdays from Monday = 0.
  const int64_t weekday = ((day + 3) % 7 + 7) % 7;
  const double week = weekday >= 5 ? weekend_factor_ : 1.0;
  return (trough_ + (1 - trough_) * cycle) * week;
}

void Arrivals::DrawRun() {
  const uint64_t first = next_index_;
  const uint64_t count = std::min<uint64_t>(kRunLength, events_ - first);
  const double total = slot_start_weight_.back();
  const double from = total * (static_cast<double>(first) / static_cast<double>(events_));
  const double to = total * (static_cast<double>(first + count) / static_cast<double>(events_));
  // count + 1 exponential gaps; the partial sums over the full sum are the order statistics of
  // `count` uniform draws.
  run_.clear();
  double sum = 0;
  for (uint64_t i = 0; i < count; ++i) {
    sum += -std::log(random_.UniformPositive());
    run_.push_back(sum);
  }
  sum += -std::log(random_.UniformPositive());
  const double scale = (to - from) / sum;
  for (double& position : run_) position = from + position * scale;
  run_next_ = 0;
}

int64_t Arrivals::Next() {
  if (run_next_ == run_.size()) DrawRun();
  const double position = run_[run_next_++];
  ++next_index_;

  const size_t slots = slot_start_weight_.size() - 1;
  while (slot_ + 1 < slots && slot_start_weight_[slot_ + 1] <= position) ++slot_;
  const int64_t slot_begin = static_cast<int64_t>(slot_) * kSlotUs;
  const int64_t width = std::min(kSlotUs, span_us_ - slot_begin);
  const double weight = slot_start_weight_[slot_ + 1] - slot_start_weight_[slot_];
  const double fraction = std::clamp((position - slot_start_weight_[slot_]) / weight, 0.0, 1.0);
  int64_t offset = slot_begin + static_cast<int64_t>(fraction * static_cast<double>(width));
  offset = std::min(offset, span_us_ - 1);
  // Rounding at slot edges could step back by a microsecond; time never does.
  last_us_ = std::max(last_us_, start_us_ + offset);
  return last_us_;
}

}  // namespace tally::workload
