#include "tools/workload/catalog.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "tools/workload/distributions.h"

namespace tally::workload {
namespace {

constexpr int64_t kDollar = 1'000'000;  // micro-units
constexpr int64_t kCent = kDollar / 100;
constexpr int64_t kMilli = 1000;  // µs per ms

struct ModelRow {
  const char* name;
  TokenProfile profile;
  int64_t input_per_million;
  int64_t output_per_million;
  int64_t per_request;
  int64_t decode_ms_tenths;  // time per output token in tenths of a millisecond
  double popularity;
};

// Fictional models in three price bands, modelled on public list prices of 2024-2025 LLM APIs:
// cheap ($0.075-0.25 in, $0.30-1.25 out per million tokens), mid ($1-3.5 in, $4-15 out) and
// expensive ($15 in, $60-75 out); open-weight models priced the same for input and output; one
// model with a per-request fee (a search-augmented model). Faster decode for smaller models.
// The order is part of the workload: WorkloadConfig::models takes a prefix.
constexpr std::array<ModelRow, kBuiltInModelCount> kModelTable = {{
    {"lark-mini", TokenProfile::kChat, 15 * kCent, 60 * kCent, 0, 120, 8},
    {"lark-large", TokenProfile::kChat, 3 * kDollar, 15 * kDollar, 0, 280, 6},
    {"quill-code", TokenProfile::kCode, 150 * kCent, 6 * kDollar, 0, 180, 3},
    {"lark-ultra", TokenProfile::kChat, 15 * kDollar, 75 * kDollar, 0, 400, 2},
    {"wren-flash", TokenProfile::kChat, 75 * kCent / 10, 30 * kCent, 0, 100, 5},
    {"heron-8b", TokenProfile::kChat, 20 * kCent, 20 * kCent, 0, 110, 4},
    {"quill-code-mini", TokenProfile::kCode, 25 * kCent, 125 * kCent, 0, 100, 4},
    {"lark-medium", TokenProfile::kChat, 1 * kDollar, 4 * kDollar, 0, 200, 4},
    {"heron-70b", TokenProfile::kChat, 90 * kCent, 90 * kCent, 0, 220, 3},
    {"wren-pro", TokenProfile::kChat, 125 * kCent, 5 * kDollar, 0, 240, 3},
    {"lark-small", TokenProfile::kChat, 50 * kCent, 150 * kCent, 0, 150, 5},
    {"quill-code-pro", TokenProfile::kCode, 3 * kDollar, 15 * kDollar, 0, 260, 2},
    {"finch-reasoner-mini", TokenProfile::kChat, 110 * kCent, 440 * kCent, 0, 160, 2},
    {"kestrel-coder-7b", TokenProfile::kCode, 20 * kCent, 20 * kCent, 0, 120, 2},
    {"heron-405b", TokenProfile::kChat, 350 * kCent, 350 * kCent, 0, 350, 1},
    {"osprey-search", TokenProfile::kChat, 3 * kDollar, 15 * kDollar, 25 * kMilli, 270, 1},
    {"finch-reasoner", TokenProfile::kChat, 15 * kDollar, 60 * kDollar, 0, 320, 1},
    {"lark-nano", TokenProfile::kChat, 10 * kCent, 40 * kCent, 0, 100, 3},
    {"kestrel-coder-34b", TokenProfile::kCode, 80 * kCent, 80 * kCent, 0, 200, 1},
    {"osprey-vision", TokenProfile::kChat, 250 * kCent, 10 * kDollar, 0, 250, 1},
}};

constexpr std::array<const char*, 10> kChatPurposes = {"support-bot", "summarize", "search",    "agent",
                                                       "extract",     "translate", "classify",  "assistant",
                                                       "rag",         "moderation"};
constexpr std::array<const char*, 4> kCodePurposes = {"autocomplete", "code-review", "codegen", "refactor"};
constexpr std::array<const char*, 10> kUserNames = {"ana", "ben", "chen", "dara", "emma",
                                                    "farid", "gita", "hugo", "ines", "jonas"};

// Streams of the setup random generator, so that each part of the catalog is independent of the
// size of the others.
constexpr uint64_t kEndpointStream = 101;
constexpr uint64_t kWorkspaceStream = 102;

// Picks `count` distinct indices with chances proportional to `weights` (count <= weights.size()).
std::vector<uint32_t> PickDistinct(const std::vector<double>& weights, size_t count, Random& random) {
  std::vector<double> left = weights;
  std::vector<uint32_t> picked;
  while (picked.size() < count) {
    double total = 0;
    for (double w : left) total += w;
    double target = random.Uniform() * total;
    uint32_t i = 0;
    while (i + 1 < left.size() && (target >= left[i] || left[i] == 0)) target -= left[i++];
    if (left[i] == 0) continue;  // rounding walked off the end onto a picked one
    picked.push_back(i);
    left[i] = 0;
  }
  return picked;
}

// Relative weights with a lognormal spread (log-sd 1): some keys or endpoints are used much more
// than others, none is zero.
std::vector<double> SpreadWeights(size_t n, const NormalSampler& normal, Random& random) {
  std::vector<double> weights(n);
  for (double& w : weights) w = LogNormal{0, 1}.Sample(normal, random);
  return weights;
}

}  // namespace

Catalog::Catalog(const WorkloadConfig& config) {
  BuildModels(std::clamp<uint32_t>(config.models, 1, kBuiltInModelCount));
  Random endpoint_random(config.seed, kEndpointStream);
  BuildEndpoints(std::max<uint32_t>(config.endpoints, 1), endpoint_random);
  Random workspace_random(config.seed, kWorkspaceStream);
  BuildWorkspaces(config, workspace_random);
  BuildSeries();
}

const ModelSpec* Catalog::FindModel(std::string_view name) const {
  for (const ModelSpec& model : models_) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

std::string_view Catalog::Intern(std::string_view text) {
  if (auto it = interned_.find(text); it != interned_.end()) return it->second;
  const std::string_view stored = strings_.emplace_back(text);
  interned_.emplace(stored, stored);
  return stored;
}

void Catalog::BuildModels(uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    const ModelRow& row = kModelTable[i];
    models_.push_back({row.name, row.profile, {row.input_per_million, row.output_per_million, row.per_request},
                       row.decode_ms_tenths * 100, row.popularity});
  }
}

void Catalog::BuildEndpoints(uint32_t count, Random& random) {
  // Popularity is Zipf-like (s = 1) over a shuffled order, so it is not tied to the model order.
  std::vector<double> popularity = ZipfWeights(count, 1.0);
  for (uint32_t i = count; i > 1; --i) std::swap(popularity[i - 1], popularity[random.Below(i)]);

  std::vector<double> model_popularity;
  for (const ModelSpec& model : models_) model_popularity.push_back(model.popularity);
  const AliasTable model_choice(model_popularity);

  for (uint32_t i = 0; i < count; ++i) {
    EndpointSpec endpoint;
    // Every model gets an endpoint first; the rest follow model popularity.
    endpoint.model = i < models_.size() ? i : model_choice.Sample(random);
    const bool code = models_[endpoint.model].profile == TokenProfile::kCode;
    const char* purpose =
        code ? kCodePurposes[random.Below(kCodePurposes.size())] : kChatPurposes[random.Below(kChatPurposes.size())];
    char name[64];
    std::snprintf(name, sizeof name, "%s-%02u", purpose, i + 1);
    endpoint.name = name;

    // Half the endpoints run one version; the others are mid-rollout: a 90/10 canary or a 50/50
    // split, or an 80/15/5 three-way split. The newest version gets the smallest share.
    const uint32_t first = 1 + static_cast<uint32_t>(random.Below(5));
    const double shape = random.Uniform();
    std::vector<uint32_t> split;
    if (shape < 0.50) {
      split = {100};
    } else if (shape < 0.70) {
      split = {90, 10};
    } else if (shape < 0.85) {
      split = {50, 50};
    } else {
      split = {80, 15, 5};
    }
    for (size_t v = 0; v < split.size(); ++v) {
      char version[16];
      std::snprintf(version, sizeof version, "v%u", static_cast<unsigned>(first + v));
      endpoint.versions.push_back({version, split[v]});
    }
    endpoint.popularity = popularity[i];
    endpoints_.push_back(std::move(endpoint));
  }
}

void Catalog::BuildWorkspaces(const WorkloadConfig& config, Random& random) {
  const NormalSampler normal;
  const uint32_t count = std::max<uint32_t>(config.workspaces, 1);
  std::vector<double> activity = ZipfWeights(count, config.workspace_zipf_s);
  double total_activity = 0;
  for (double a : activity) total_activity += a;

  std::vector<double> endpoint_popularity;
  for (const EndpointSpec& endpoint : endpoints_) endpoint_popularity.push_back(endpoint.popularity);

  for (uint32_t w = 0; w < count; ++w) {
    WorkspaceSpec workspace;
    char name[32];
    std::snprintf(name, sizeof name, "ws-%04u", w + 1);  // ws-0001 is the busiest
    workspace.name = name;
    workspace.activity = activity[w] / total_activity;

    const size_t user_count = 1 + random.Below(kUserNames.size());
    const size_t first_user = random.Below(kUserNames.size());
    for (size_t u = 0; u < user_count; ++u) workspace.users.push_back(kUserNames[(first_user + u) % kUserNames.size()]);

    const size_t endpoint_count = std::min<size_t>(1 + random.Below(6), endpoints_.size());
    workspace.endpoints = PickDistinct(endpoint_popularity, endpoint_count, random);
    for (uint32_t e : workspace.endpoints) {
      workspace.endpoint_weights.push_back(endpoints_[e].popularity * LogNormal{0, 1}.Sample(normal, random));
    }

    // Keys: the first is the workspace's production key; each other key is a staging key with
    // probability 0.3. Each key calls each of the workspace's endpoints with probability 0.6 (at
    // least one).
    const size_t key_count = 1 + random.Below(8);
    bool has_staging = false;
    for (size_t k = 0; k < key_count; ++k) {
      ApiKeySpec key;
      char key_name[32];
      std::snprintf(key_name, sizeof key_name, "key-%08x",
                    static_cast<unsigned>(Mix64(config.seed ^ Mix64((uint64_t{w} << 8) | k)) & 0xffffffffu));
      key.name = key_name;
      key.user = k == 0 ? 0 : static_cast<uint32_t>(random.Below(user_count));
      key.production = k == 0 || !random.Bernoulli(0.3);
      has_staging |= !key.production;
      for (uint32_t e = 0; e < workspace.endpoints.size(); ++e) {
        if (random.Bernoulli(0.6)) key.endpoints.push_back(e);
      }
      if (key.endpoints.empty()) key.endpoints.push_back(static_cast<uint32_t>(random.Below(workspace.endpoints.size())));
      workspace.keys.push_back(std::move(key));
    }

    // Production carries 70% of a workspace's requests when it has staging keys, all otherwise;
    // within an environment, keys share by a lognormal spread.
    const std::vector<double> key_weights = SpreadWeights(key_count, normal, random);
    double production_total = 0, staging_total = 0;
    for (size_t k = 0; k < key_count; ++k) (workspace.keys[k].production ? production_total : staging_total) += key_weights[k];
    const double production_share = has_staging ? 0.7 : 1.0;
    for (size_t k = 0; k < key_count; ++k) {
      ApiKeySpec& key = workspace.keys[k];
      key.share = key.production ? production_share * key_weights[k] / production_total
                                 : (1 - production_share) * key_weights[k] / staging_total;
    }
    workspaces_.push_back(std::move(workspace));
  }
}

void Catalog::BuildSeries() {
  const std::string_view production = Intern("production");
  const std::string_view staging = Intern("staging");
  for (uint32_t w = 0; w < workspaces_.size(); ++w) {
    const WorkspaceSpec& workspace = workspaces_[w];
    const std::string_view workspace_name = Intern(workspace.name);
    for (const ApiKeySpec& key : workspace.keys) {
      double endpoint_total = 0;
      for (uint32_t e : key.endpoints) endpoint_total += workspace.endpoint_weights[e];
      for (uint32_t e : key.endpoints) {
        const uint32_t endpoint_index = workspace.endpoints[e];
        const EndpointSpec& endpoint = endpoints_[endpoint_index];
        const double endpoint_share = workspace.endpoint_weights[e] / endpoint_total;
        for (const DeploymentVersion& version : endpoint.versions) {
          SeriesSpec series;
          series.workspace = workspace_name;
          series.model = Intern(models_[endpoint.model].name);
          series.endpoint = Intern(endpoint.name);
          series.environment = key.production ? production : staging;
          series.api_key = Intern(key.name);
          series.user = Intern(workspace.users[key.user]);
          series.version = Intern(version.name);
          series.workspace_index = w;
          series.model_index = endpoint.model;
          series.endpoint_index = endpoint_index;
          series.share = workspace.activity * key.share * endpoint_share * version.weight_percent / 100.0;
          series_.push_back(series);
        }
      }
    }
  }
}

}  // namespace tally::workload
