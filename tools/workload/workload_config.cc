#include "tools/workload/workload_config.h"

#include <string>

#include "tally/usage_event.h"

namespace tally::workload {
namespace {

Status OutOfRange(const char* field, const std::string& value, const char* range) {
  return Status::InvalidArgument(std::string("workload config: ") + field + " = " + value + " is outside " + range);
}

bool InUnit(double x) { return x >= 0 && x <= 1; }  // false for NaN too

}  // namespace

Status WorkloadConfig::Validate() const {
  if (span_us < kMicrosPerSecond || span_us > kMaxWorkloadSpanUs) {
    return OutOfRange("span_us", std::to_string(span_us), "[1 s, 5 years]");
  }
  if (start_us < kMinTimestampUs || start_us > kEndTimestampUs - span_us) {
    return OutOfRange("start_us", std::to_string(start_us), "[2000-01-01, 2200-01-01 - span]");
  }
  if (workspaces < 1 || workspaces > 100000) return OutOfRange("workspaces", std::to_string(workspaces), "[1, 100000]");
  if (!(workspace_zipf_s >= 0 && workspace_zipf_s <= 4)) {
    return OutOfRange("workspace_zipf_s", std::to_string(workspace_zipf_s), "[0, 4]");
  }
  if (models < 1 || models > kBuiltInModelCount) return OutOfRange("models", std::to_string(models), "[1, 20]");
  if (endpoints < 1 || endpoints > 10000) return OutOfRange("endpoints", std::to_string(endpoints), "[1, 10000]");
  if (!InUnit(late_fraction)) return OutOfRange("late_fraction", std::to_string(late_fraction), "[0, 1]");
  if (!InUnit(retryable_error_rate)) {
    return OutOfRange("retryable_error_rate", std::to_string(retryable_error_rate), "[0, 1]");
  }
  if (!InUnit(fatal_error_rate)) return OutOfRange("fatal_error_rate", std::to_string(fatal_error_rate), "[0, 1]");
  if (retryable_error_rate + fatal_error_rate > 1) {
    return OutOfRange("retryable_error_rate + fatal_error_rate",
                      std::to_string(retryable_error_rate + fatal_error_rate), "[0, 1]");
  }
  if (!(peak_hour_utc >= 0 && peak_hour_utc < 24)) return OutOfRange("peak_hour_utc", std::to_string(peak_hour_utc), "[0, 24)");
  if (!(diurnal_trough > 0 && diurnal_trough <= 1)) {
    return OutOfRange("diurnal_trough", std::to_string(diurnal_trough), "(0, 1]");
  }
  if (!(weekend_factor > 0 && weekend_factor <= 1)) {
    return OutOfRange("weekend_factor", std::to_string(weekend_factor), "(0, 1]");
  }
  return Status::OK();
}

}  // namespace tally::workload
