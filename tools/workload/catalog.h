// Catalog: the synthetic platform the workload runs on — its models with their prices, token
// profiles and decode speeds; its endpoints, each serving one model in one to three deployment
// versions; its workspaces with their users and API keys; and the series (combinations of those
// labels) that carry traffic, each with its share of all requests.
//
// The catalog is built once from a WorkloadConfig and never changes. It owns every label string;
// the string_views it hands out (and those in generated events) stay valid for its lifetime.
//
// Thread-safety: immutable after construction; safe to read from many threads.
// Not copyable or movable (it hands out views into itself); hold it by pointer to move it.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tools/workload/random.h"
#include "tools/workload/workload_config.h"

namespace tally::workload {

// What a model's requests look like: chat (medium prompts, long answers) or code completion
// (long contexts, short completions; fitted to the Azure code trace).
enum class TokenProfile : uint8_t { kChat = 0, kCode = 1 };

// Price of a model in micro-units of the billing currency ($1 = 1,000,000).
struct ModelPrice {
  int64_t input_per_million = 0;   // per 1,000,000 input tokens
  int64_t output_per_million = 0;  // per 1,000,000 output tokens
  int64_t per_request = 0;         // per successful request
};

// The exact cost of a successful request: token charges rounded half up to a whole micro-unit,
// plus the per-request fee. Overflow-free for tokens up to 10^9 and prices up to $1000 per million.
constexpr int64_t RequestCostMicros(const ModelPrice& price, int64_t input_tokens, int64_t output_tokens) {
  return (input_tokens * price.input_per_million + output_tokens * price.output_per_million + 500000) / 1000000 +
         price.per_request;
}

struct ModelSpec {
  std::string name;
  TokenProfile profile = TokenProfile::kChat;
  ModelPrice price;
  int64_t decode_us_per_token = 0;  // time per output token (TPOT)
  double popularity = 1;            // relative chance that an endpoint serves this model
};

struct DeploymentVersion {
  std::string name;        // "v3"
  uint32_t weight_percent;  // configured traffic split; the versions of an endpoint sum to 100
};

struct EndpointSpec {
  std::string name;
  uint32_t model = 0;  // index into Catalog::models()
  std::vector<DeploymentVersion> versions;
  double popularity = 1;  // relative chance that a workspace uses this endpoint
};

struct ApiKeySpec {
  std::string name;         // an identifier such as "key-3fa9c2d1", never a secret
  uint32_t user = 0;        // index into WorkspaceSpec::users
  bool production = true;   // environment "production", else "staging"
  double share = 0;         // fraction of its workspace's requests made with this key
  std::vector<uint32_t> endpoints;  // the endpoints it calls: indices into WorkspaceSpec::endpoints
};

struct WorkspaceSpec {
  std::string name;
  double activity = 0;  // share of all requests, sums to 1 over workspaces
  std::vector<std::string> users;
  std::vector<ApiKeySpec> keys;
  std::vector<uint32_t> endpoints;  // indices into Catalog::endpoints()
  std::vector<double> endpoint_weights;  // relative use of each of `endpoints` by a key calling it
};

// One combination of labels that carries traffic. The views point into the catalog.
struct SeriesSpec {
  std::string_view workspace, model, endpoint, environment, api_key, user, version;
  uint32_t workspace_index = 0;
  uint32_t model_index = 0;
  uint32_t endpoint_index = 0;
  double share = 0;  // expected fraction of all requests; sums to 1 over series
};

class Catalog {
 public:
  explicit Catalog(const WorkloadConfig& config);
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  const std::vector<ModelSpec>& models() const { return models_; }
  const std::vector<EndpointSpec>& endpoints() const { return endpoints_; }
  const std::vector<WorkspaceSpec>& workspaces() const { return workspaces_; }
  const std::vector<SeriesSpec>& series() const { return series_; }

  // The model with this name, or nullptr.
  const ModelSpec* FindModel(std::string_view name) const;

 private:
  void BuildModels(uint32_t count);
  void BuildEndpoints(uint32_t count, Random& random);
  void BuildWorkspaces(const WorkloadConfig& config, Random& random);
  void BuildSeries();
  std::string_view Intern(std::string_view text);

  std::vector<ModelSpec> models_;
  std::vector<EndpointSpec> endpoints_;
  std::vector<WorkspaceSpec> workspaces_;
  std::vector<SeriesSpec> series_;
  // Label strings, deduplicated; a deque never moves its elements, so views stay valid.
  std::deque<std::string> strings_;
  std::unordered_map<std::string_view, std::string_view> interned_;
};

}  // namespace tally::workload
