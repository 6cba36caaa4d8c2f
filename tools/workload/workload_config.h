// WorkloadConfig: what synthetic usage to generate — how many events, over which time span, for how
// many workspaces, models and endpoints, from which seed. docs/workload.md explains every figure.
//
// The same config (seed included) always gives the same catalog and the same events; changing any
// field may change all of them.
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>

#include "tally/options.h"
#include "tally/status.h"

namespace tally::workload {

// 2026-10-01T00:00:00Z, a Thursday.
inline constexpr int64_t kDefaultWorkloadStartUs = 1790812800LL * kMicrosPerSecond;
// Models in the built-in model table (see catalog.cc); `models` picks the first ones.
inline constexpr uint32_t kBuiltInModelCount = 20;
// Every generated timestamp lies in [start_us, start_us + span_us); the span is cut into one-minute
// slots for the arrival-rate curve, so it is limited to keep that table small (5 years: 21 MB).
inline constexpr int64_t kMaxWorkloadSpanUs = 5 * 365 * kMicrosPerDay;

struct WorkloadConfig {
  // Everything random derives from this. Default: 1.
  uint64_t seed = 1;

  // First instant of the generated period, µs since the Unix epoch (UTC). Default: 2026-10-01.
  int64_t start_us = kDefaultWorkloadStartUs;
  // Length of the period. Default: 30 days. Range: [1 s, 5 years].
  int64_t span_us = 30 * kMicrosPerDay;

  // Exactly this many events are generated. Default: 10,000,000.
  uint64_t events = 10'000'000;

  // Number of workspaces (tenants); activity is Zipf-like with exponent workspace_zipf_s.
  // Default: 200. Range: [1, 100000].
  uint32_t workspaces = 200;
  double workspace_zipf_s = 1.1;  // Range: [0, 4].
  // Number of models, the first ones of the built-in table. Default: 20. Range: [1, 20].
  uint32_t models = kBuiltInModelCount;
  // Number of endpoints; each serves one model, and every model has at least one when
  // endpoints >= models. Default: 60. Range: [1, 10000].
  uint32_t endpoints = 60;

  // Give each event a unique non-zero event_id, Mix64(Mix64(seed ^ K) + index) (see workload.h);
  // otherwise event_id is 0 ("no id"). Default: false.
  bool with_event_ids = false;

  // Make late_fraction of the events late: their timestamp is moved back by seconds to minutes,
  // while they keep their place in the stream (as if a gateway had held them in a retry queue).
  // With late events the stream is no longer in time order. Default: false, late_fraction 0.001.
  bool late_events = false;
  double late_fraction = 0.001;  // Range: [0, 1].

  // Shares of requests that end in a retryable error (rate limited, overloaded) and in a fatal error;
  // the rest succeed. Defaults: 1% and 0.5%. Range: each in [0, 1], sum <= 1.
  double retryable_error_rate = 0.01;
  double fatal_error_rate = 0.005;

  // Arrival-rate curve: the rate peaks at peak_hour_utc and falls to diurnal_trough times the peak
  // twelve hours later, on a cosine; Saturdays and Sundays (UTC) run at weekend_factor.
  // Defaults: 15.0 h, 0.35, 0.6. Ranges: [0, 24), (0, 1], (0, 1].
  double peak_hour_utc = 15.0;
  double diurnal_trough = 0.35;
  double weekend_factor = 0.6;

  // OK, or InvalidArgument naming the first field out of its range.
  Status Validate() const;
};

}  // namespace tally::workload
