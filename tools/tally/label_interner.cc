#include "tools/tally/label_interner.h"

#include <xxhash.h>

#include "engine/ingest/validate.h"

namespace tally::cli {

size_t LabelInterner::KeyHash::operator()(std::string_view key) const {
  return static_cast<size_t>(XXH3_64bits(key.data(), key.size()));
}

Status LabelInterner::Intern(UsageEvent* event) {
  std::string_view* views[7] = {&event->workspace, &event->model, &event->endpoint, &event->environment,
                                &event->api_key,   &event->user,  &event->version};
  scratch_.clear();
  for (std::string_view* v : views) {
    // Two length bytes are enough: labels longer than 65535 bytes are invalid anyway and are
    // told apart by validation before they are stored.
    const size_t n = v->size();
    scratch_.push_back(static_cast<char>(n & 0xff));
    scratch_.push_back(static_cast<char>(n >> 8 & 0xff));
    scratch_.append(*v);
  }
  if (auto it = index_.find(scratch_); it != index_.end()) [[likely]] {
    for (int i = 0; i < 7; ++i) *views[i] = it->second->labels[i];
    return Status::OK();
  }
  Status valid = ingest::ValidateLabels(*event, 0);
  if (!valid.ok()) return valid;
  Entry& entry = entries_.emplace_back();
  entry.key = scratch_;
  size_t pos = 0;
  for (int i = 0; i < 7; ++i) {
    const size_t n = static_cast<uint8_t>(entry.key[pos]) | static_cast<size_t>(static_cast<uint8_t>(entry.key[pos + 1])) << 8;
    entry.labels[i] = std::string_view(entry.key).substr(pos + 2, n);
    pos += 2 + n;
    *views[i] = entry.labels[i];
  }
  index_.emplace(entry.key, &entry);
  return Status::OK();
}

}  // namespace tally::cli
