// Random usage events with owned label storage, for tests. Deterministic from a seed.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "tally/db.h"
#include "tally/usage_event.h"

namespace tally::testing {

class EventMaker {
 public:
  explicit EventMaker(uint64_t seed, int workspaces = 5, int models = 3, int endpoints = 4)
      : rng_(seed), workspaces_(workspaces), models_(models), endpoints_(endpoints) {}

  // A random valid event at `timestamp_us` (labels drawn from small sets so series repeat).
  UsageEvent Make(int64_t timestamp_us, uint64_t event_id = 0) {
    UsageEvent e;
    e.timestamp_us = timestamp_us;
    e.workspace = Intern("ws-" + std::to_string(Pick(workspaces_)));
    e.model = Intern("model-" + std::to_string(Pick(models_)));
    e.endpoint = Intern("ep-" + std::to_string(Pick(endpoints_)));
    e.environment = Pick(2) == 0 ? "production" : "staging";
    if (Pick(3) > 0) e.api_key = Intern("key-" + std::to_string(Pick(3)));
    e.input_tokens = static_cast<int64_t>(Pick(5000));
    e.output_tokens = static_cast<int64_t>(Pick(800));
    e.latency_us = static_cast<int64_t>(Pick(5'000'000));
    int o = Pick(100);
    e.outcome = o < 97 ? Outcome::kSuccess : (o < 99 ? Outcome::kRetryableError : Outcome::kFatalError);
    e.cost_micros = e.input_tokens * 3 + e.output_tokens * 15;
    e.event_id = event_id;
    return e;
  }

  // Stable storage for a string; the view lives as long as the maker.
  std::string_view Intern(std::string s) { return strings_.emplace_back(std::move(s)); }

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  int workspaces_, models_, endpoints_;
  std::deque<std::string> strings_;
};

inline EventRow RowOf(const UsageEvent& e) {
  return EventRow{e.timestamp_us, e.input_tokens, e.output_tokens, e.latency_us, e.outcome, e.cost_micros, e.event_id};
}

}  // namespace tally::testing
