#include "engine/series/catalog.h"

#include <algorithm>
#include <mutex>

#include <xxhash.h>

#include "engine/series/series_key.h"

namespace tally::series {

uint64_t SeriesCatalog::DefaultHash(std::string_view key, uint64_t seed) {
  return seed == 0 ? XXH3_64bits(key.data(), key.size())
                   : XXH3_64bits_withSeed(key.data(), key.size(), seed);
}

size_t SeriesCatalog::KeyHash::operator()(std::string_view key) const {
  return XXH3_64bits(key.data(), key.size());
}

SeriesCatalog::SeriesCatalog(HashFunction hash) : hash_(hash) {}

std::optional<uint32_t> SeriesCatalog::Find(std::string_view canonical_key) const {
  auto it = by_key_.find(canonical_key);
  if (it == by_key_.end()) return std::nullopt;
  return it->second;
}

Result<uint32_t> SeriesCatalog::Add(std::string_view canonical_key) {
  auto labels = DecodeSeriesKey(canonical_key);
  if (!labels.ok()) return labels.status();
  // Probe seeds until the id is free; 2^64 ids and a good hash make a second probe rare, and a
  // long run of them a sign of a broken hash function.
  uint64_t id = 0;
  bool found = false;
  for (uint64_t seed = 0; seed < 64; ++seed) {
    id = hash_(canonical_key, seed);
    if (!by_id_.contains(id)) {
      found = true;
      break;
    }
  }
  if (!found) return Status::Aborted("series id: no free id after 64 probes");
  std::unique_lock lock(mu_);
  entries_.push_back(CatalogEntry{id, std::string(canonical_key), std::move(labels).value()});
  uint32_t dense = static_cast<uint32_t>(entries_.size() - 1);
  IndexEntry(dense);
  return dense;
}

Status SeriesCatalog::Load(uint64_t id, std::string_view canonical_key) {
  auto labels = DecodeSeriesKey(canonical_key);
  if (!labels.ok()) return labels.status().WithContext("series " + std::to_string(id));
  if (by_id_.contains(id)) return Status::Corruption("series id " + std::to_string(id) + " stored twice");
  if (by_key_.contains(canonical_key)) {
    return Status::Corruption("series " + labels->ToString() + " stored under two ids");
  }
  std::unique_lock lock(mu_);
  entries_.push_back(CatalogEntry{id, std::string(canonical_key), std::move(labels).value()});
  IndexEntry(static_cast<uint32_t>(entries_.size() - 1));
  return Status::OK();
}

void SeriesCatalog::TruncateTo(size_t count) {
  std::unique_lock lock(mu_);
  while (entries_.size() > count) {
    UnindexEntry(static_cast<uint32_t>(entries_.size() - 1));
    entries_.pop_back();
  }
}

void SeriesCatalog::IndexEntry(uint32_t dense) {
  ++generation_;
  const CatalogEntry& e = entries_[dense];
  by_key_.emplace(e.canonical_key, dense);
  by_id_.emplace(e.id, dense);
  for (int l = 0; l < kLabelCount; ++l) {
    postings_[{static_cast<uint8_t>(l), e.labels.values[l]}].push_back(dense);
  }
}

void SeriesCatalog::UnindexEntry(uint32_t dense) {
  ++generation_;
  const CatalogEntry& e = entries_[dense];
  by_key_.erase(e.canonical_key);
  by_id_.erase(e.id);
  for (int l = 0; l < kLabelCount; ++l) {
    auto it = postings_.find(std::pair<uint8_t, std::string>{static_cast<uint8_t>(l), e.labels.values[l]});
    if (it == postings_.end()) continue;
    std::erase(it->second, dense);
    if (it->second.empty()) postings_.erase(it);
  }
}

bool SeriesCatalog::LabelsEqual(uint32_t dense, const UsageEvent& e) const {
  const std::array<std::string, kLabelCount>& v = entries_[dense].labels.values;
  return v[0] == e.workspace && v[1] == e.model && v[2] == e.endpoint && v[3] == e.environment &&
         v[4] == e.api_key && v[5] == e.user && v[6] == e.version;
}

size_t SeriesCatalog::size() const {
  std::shared_lock lock(mu_);
  return entries_.size();
}

const CatalogEntry& SeriesCatalog::at(uint32_t dense) const {
  std::shared_lock lock(mu_);
  return entries_[dense];
}

std::optional<uint32_t> SeriesCatalog::FindById(uint64_t id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

std::vector<uint32_t> SeriesCatalog::Match(const SeriesFilter& filter) const {
  std::shared_lock lock(mu_);
  // Candidates come from the postings of the most selective positive matcher; every matcher is
  // then checked against the labels, which keeps negations and multi-matcher logic in one place.
  const LabelMatcher* narrowest = nullptr;
  size_t narrowest_count = SIZE_MAX;
  for (const LabelMatcher& m : filter.matchers) {
    if (m.op != LabelMatcher::Op::kIn) continue;
    size_t count = 0;
    for (const std::string& v : m.values) {
      auto it = postings_.find(std::pair<uint8_t, std::string>{static_cast<uint8_t>(m.label), v});
      if (it != postings_.end()) count += it->second.size();
    }
    if (count < narrowest_count) {
      narrowest = &m;
      narrowest_count = count;
    }
  }
  const std::shared_ptr<const IdOrder> order = CurrentIdOrder();
  std::vector<uint32_t> out;
  if (narrowest == nullptr) {
    // Every series is a candidate: walking them in id order gives the answer sorted.
    for (uint32_t dense : order->by_id) {
      if (filter.Matches(entries_[dense].labels)) out.push_back(dense);
    }
    return out;
  }
  for (const std::string& v : narrowest->values) {
    auto it = postings_.find(std::pair<uint8_t, std::string>{static_cast<uint8_t>(narrowest->label), v});
    if (it == postings_.end()) continue;
    for (uint32_t dense : it->second) {
      if (filter.Matches(entries_[dense].labels)) out.push_back(dense);
    }
  }
  const std::vector<uint32_t>& rank = order->rank;
  std::sort(out.begin(), out.end(), [&rank](uint32_t a, uint32_t b) { return rank[a] < rank[b]; });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::shared_ptr<const SeriesCatalog::IdOrder> SeriesCatalog::CurrentIdOrder() const {
  std::lock_guard lock(order_mu_);
  if (order_ != nullptr && order_->generation == generation_) return order_;
  auto order = std::make_shared<IdOrder>();
  order->generation = generation_;
  order->by_id.resize(entries_.size());
  for (uint32_t i = 0; i < order->by_id.size(); ++i) order->by_id[i] = i;
  std::sort(order->by_id.begin(), order->by_id.end(),
            [this](uint32_t a, uint32_t b) { return entries_[a].id < entries_[b].id; });
  order->rank.resize(entries_.size());
  for (uint32_t r = 0; r < order->by_id.size(); ++r) order->rank[order->by_id[r]] = r;
  order_ = order;
  return order_;
}

}  // namespace tally::series
