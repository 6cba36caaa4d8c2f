// Progress shown on stderr while a command works — only when stderr is a terminal, so that logs and
// scripts see nothing but the final lines.
//
//   ProgressBar   rows, rows/s, percent of the input's bytes and the time left (ingest)
//   StepBar       a bar per step of a long task, with done/total and the step's time left (compact)
//   Spinner       a turning mark and the time elapsed, for one long call without progress reports
//
// Thread-safety: a ProgressBar or StepBar belongs to one thread; a Spinner draws from a thread of
// its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace tally::cli {

// True when stderr is a terminal.
bool StderrIsTerminal();

class ProgressBar {
 public:
  ProgressBar(std::string label, uint64_t total_bytes);
  ~ProgressBar() { Finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Cheap enough to call once per batch: redraws at most ten times a second.
  void Update(uint64_t rows, uint64_t bytes_done);
  // Clears the line (idempotent).
  void Finish();

 private:
  bool enabled_;
  std::string label_;
  uint64_t total_bytes_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

class StepBar {
 public:
  explicit StepBar(std::string label);
  ~StepBar() { Finish(); }
  StepBar(const StepBar&) = delete;
  StepBar& operator=(const StepBar&) = delete;

  // `done` of `total` units of the step named `step` (a new name starts the step's clock again).
  // Redraws at most ten times a second, and whenever the step changes.
  void Update(const std::string& step, uint64_t done, uint64_t total);
  // Clears the line (idempotent).
  void Finish();

 private:
  bool enabled_;
  std::string label_;
  std::string step_;
  std::chrono::steady_clock::time_point step_start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

class Spinner {
 public:
  explicit Spinner(std::string label);
  ~Spinner();  // stops and clears the line
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tally::cli
