// The pure core of the ShardedService controller: parseShardedSpec -> discoverShards (from the
// observed StatefulSet and Pods, or the fixed endpoints) -> renderShardedListener ->
// computeShardedStatus. No I/O; the reconciler (sharded_reconciler.h) gathers and applies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "operator/controllers/json_fields.h"

namespace attache::controller {

struct EndpointShard {
  std::string name;
  std::string host;
  int port = 0;
  int weight = 1;
};

// name, ns and generation come from the resource (ObjectMeta).
struct ShardedSpec : ObjectMeta {
  std::string protocol = "redis";
  int listen_port = 6379;
  std::string distribution = "ketama";
  std::string hash = "fnv1a_64";
  std::string hash_tag;
  int timeout_ms = 400;
  int server_connections = 1;
  bool auto_eject = true;
  int failure_limit = 1;
  int retry_timeout_ms = 2000;
  std::string stateful_set;  // non-empty: shards from this StatefulSet
  int stateful_set_port = 0;
  std::vector<EndpointShard> endpoints;  // else these
  std::string auth_secret;               // non-empty: spec.auth is set
  bool tls_enabled = false;
  std::string tls_server_name;
  bool tls_ca = false;  // tls.caSecretRef set (else the system trust store)
};

// Validates what the CRD schema validates too (the API server may run without it, and a
// resource may predate a schema change); errors name the field ("spec.shards: ...").
Result<ShardedSpec> parseShardedSpec(const nlohmann::json& cr);

// What the shell observed for one StatefulSet pod (from the pod cache).
struct PodInfo {
  std::string ip;  // "" when the pod has none yet
  bool ready = false;
};

struct ShardedObserved {
  std::optional<int> replicas;          // the StatefulSet's spec.replicas; nullopt = not found
  std::map<std::string, PodInfo> pods;  // by pod name
  // The resource's current status.shards: the last known address of each shard.
  std::map<std::string, std::string> last_addresses;
};

struct Shard {
  std::string name;
  std::string address;  // "ip:port"; "" when never known (not listed in the ring)
  bool ready = false;
  int weight = 1;
};

// twemproxy's server order: shorter names first, then bytewise ("redis-2" < "redis-10").
bool shardOrder(const std::string& a, const std::string& b);

// Shards in ring order. A StatefulSet pod without an IP keeps its last known address (the ring
// stays stable); one that never had an address is returned with an empty address.
std::vector<Shard> discoverShards(const ShardedSpec& spec, const ShardedObserved& observed);

// The "sharded" listener file (DESIGN.md); servers are the shards with an address.
nlohmann::json renderShardedListener(const ShardedSpec& spec, const std::vector<Shard>& shards);

// The servers [{name, weight}] of a rendered listener file (for key movement).
struct RingMember {
  std::string name;
  int weight = 1;
  bool operator==(const RingMember&) const = default;
};
std::vector<RingMember> ringMembers(const nlohmann::json& listener);

// Fraction of the ring that changes owner between two server sets ("0.25"); nullopt when the
// sets are equal or either is empty.
std::optional<std::string> expectedKeyMovement(const std::string& distribution,
                                               const std::vector<RingMember>& before,
                                               const std::vector<RingMember>& after);

struct ShardedOutcome {
  std::vector<Shard> shards;
  std::optional<int> replicas;
  std::string config_map;  // "" when no ConfigMap was written (no addresses yet, conflict)
  std::string config_hash;
  std::string key_movement;                     // carried over unless the ring changed
  std::string blocked_reason, blocked_message;  // StatefulSetNotFound, ConfigMapConflict, ...
};

nlohmann::json computeShardedStatus(const ShardedSpec& spec, const ShardedOutcome& outcome,
                                    const nlohmann::json& current_status, const std::string& now);

// The status of a resource whose spec does not parse.
nlohmann::json invalidSpecStatus(int64_t generation, const std::string& message,
                                 const nlohmann::json& current_status, const std::string& now);

}  // namespace attache::controller
