#include "tools/tally/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "tools/tally/format.h"

namespace tally::cli {
namespace {

void ClearLine() {
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

std::string Clock(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

ProgressBar::ProgressBar(std::string label, uint64_t total_bytes)
    : enabled_(StderrIsTerminal()),
      label_(std::move(label)),
      total_bytes_(total_bytes),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::Update(uint64_t rows, uint64_t bytes_done) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = total_bytes_ == 0 ? 1.0 : static_cast<double>(bytes_done) / static_cast<double>(total_bytes_);
  const double rate = elapsed > 0 ? static_cast<double>(rows) / elapsed : 0;
  const std::string eta = fraction > 0 ? Clock(elapsed / fraction - elapsed) : "?";
  std::fprintf(stderr, "\r\033[K%s  %s rows  %.2f M rows/s  %5.1f%%  ETA %s", label_.c_str(),
               FormatCount(static_cast<int64_t>(rows)).c_str(), rate / 1e6, fraction * 100, eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (drawn_) ClearLine();
  drawn_ = false;
}

StepBar::StepBar(std::string label) : enabled_(StderrIsTerminal()), label_(std::move(label)) {}

void StepBar::Update(const std::string& step, uint64_t done, uint64_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const bool new_step = step != step_;
  if (new_step) {
    step_ = step;
    step_start_ = now;
  } else if (now - last_draw_ < std::chrono::milliseconds(100)) {
    return;
  }
  last_draw_ = now;
  constexpr int kWidth = 24;
  const double fraction = total == 0 ? 0.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const int filled = static_cast<int>(fraction * kWidth);
  const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kWidth - filled), '.');
  const double elapsed = std::chrono::duration<double>(now - step_start_).count();
  const std::string eta = fraction > 0.02 ? Clock(elapsed / fraction - elapsed) : "?";
  std::fprintf(stderr, "\r\033[K%s  %s [%s] %s/%s  %5.1f%%  ETA %s", label_.c_str(), step_.c_str(), bar.c_str(),
               FormatCount(static_cast<int64_t>(done)).c_str(), FormatCount(static_cast<int64_t>(total)).c_str(),
               fraction * 100, eta.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void StepBar::Finish() {
  if (drawn_) ClearLine();
  drawn_ = false;
}

Spinner::Spinner(std::string label) {
  if (!StderrIsTerminal()) return;
  thread_ = std::thread([this, label = std::move(label)] {
    static constexpr char kMarks[] = {'|', '/', '-', '\\'};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; !stop_.load(); ++i) {
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(stderr, "\r\033[K%c %s  %s", kMarks[i % 4], label.c_str(), Clock(elapsed).c_str());
      std::fflush(stderr);
      for (int k = 0; k < 10 && !stop_.load(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ClearLine();
  });
}

Spinner::~Spinner() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace tally::cli
