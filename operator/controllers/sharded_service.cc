#include "operator/controllers/sharded_service.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/hash.h"
#include "operator/controllers/json_fields.h"
#include "operator/controllers/owned_config.h"

namespace attache::controller {

using nlohmann::json;

namespace {

Status parseEnums(const json& spec, ShardedSpec& out) {
  for (const auto& st : {readString(spec, "protocol", "spec.", out.protocol),
                         readString(spec, "distribution", "spec.", out.distribution),
                         readString(spec, "hash", "spec.", out.hash),
                         readString(spec, "hashTag", "spec.", out.hash_tag)}) {
    if (!st.ok()) return st;
  }
  if (out.protocol != "redis" && out.protocol != "memcached") {
    return specError("spec.protocol", "must be redis or memcached");
  }
  out.listen_port = out.protocol == "redis" ? 6379 : 11211;
  if (!ambassador::routing::parseDistribution(out.distribution).ok()) {
    return specError("spec.distribution", "unknown distribution \"" + out.distribution + "\"");
  }
  if (!ambassador::routing::parseHashKind(out.hash).ok()) {
    return specError("spec.hash", "unknown hash \"" + out.hash + "\"");
  }
  if (!out.hash_tag.empty() && out.hash_tag.size() != 2) {
    return specError("spec.hashTag", "must be exactly two characters");
  }
  return {};
}

Status parseShards(const json& spec, ShardedSpec& out) {
  const json* shards = objectAt(spec, "shards");
  if (shards == nullptr || shards->empty()) return specError("spec.shards", "is required");
  bool has_sts = shards->contains("statefulSet"), has_eps = shards->contains("endpoints");
  if (has_sts == has_eps) {
    return specError("spec.shards", "exactly one of statefulSet or endpoints must be set");
  }
  if (has_sts) {
    const json* sts = objectAt(*shards, "statefulSet");
    if (sts == nullptr) return specError("spec.shards.statefulSet", "must be an object");
    if (auto st = readString(*sts, "name", "spec.shards.statefulSet.", out.stateful_set); !st.ok())
      return st;
    if (out.stateful_set.empty()) return specError("spec.shards.statefulSet.name", "is required");
    if (!sts->contains("port")) return specError("spec.shards.statefulSet.port", "is required");
    return readInt(*sts, "port", "spec.shards.statefulSet.", out.stateful_set_port, 1, 65535);
  }
  const json& eps = (*shards)["endpoints"];
  if (!eps.is_array() || eps.empty()) {
    return specError("spec.shards.endpoints", "must be a non-empty list");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < eps.size(); ++i) {
    std::string path = "spec.shards.endpoints[" + std::to_string(i) + "].";
    if (!eps[i].is_object()) return specError(path, "must be an object");
    EndpointShard ep;
    for (const auto& st :
         {readString(eps[i], "name", path, ep.name), readString(eps[i], "host", path, ep.host),
          readInt(eps[i], "port", path, ep.port, 1, 65535),
          readInt(eps[i], "weight", path, ep.weight, 1, 10000)}) {
      if (!st.ok()) return st;
    }
    if (ep.name.empty()) return specError(path + "name", "is required");
    if (ep.host.empty()) return specError(path + "host", "is required");
    if (ep.port == 0) return specError(path + "port", "is required");
    if (!names.insert(ep.name).second) return specError(path + "name", "is a duplicate");
    out.endpoints.push_back(ep);
  }
  return {};
}

Status parseOptions(const json& spec, ShardedSpec& out) {
  const json* failure = objectAt(spec, "failure");
  const json* auth = objectAt(spec, "auth");
  const json* tls = objectAt(spec, "tls");
  if (failure == nullptr) return specError("spec.failure", "must be an object");
  if (auth == nullptr) return specError("spec.auth", "must be an object");
  if (tls == nullptr) return specError("spec.tls", "must be an object");
  for (const auto& st :
       {readInt(spec, "listenPort", "spec.", out.listen_port, 1, 65535),
        readInt(spec, "timeoutMs", "spec.", out.timeout_ms, 1, 3600000),
        readInt(spec, "serverConnections", "spec.", out.server_connections, 1, 64),
        readBool(*failure, "autoEject", "spec.failure.", out.auto_eject),
        readInt(*failure, "failureLimit", "spec.failure.", out.failure_limit, 1, 1000),
        readInt(*failure, "retryTimeoutMs", "spec.failure.", out.retry_timeout_ms, 1, 3600000),
        readBool(*tls, "enabled", "spec.tls.", out.tls_enabled),
        readString(*tls, "serverName", "spec.tls.", out.tls_server_name)}) {
    if (!st.ok()) return st;
  }
  out.tls_ca = tls->contains("caSecretRef");
  if (!auth->empty()) {
    const json* ref = objectAt(*auth, "secretRef");
    if (ref == nullptr) return specError("spec.auth.secretRef", "must be an object");
    if (auto st = readString(*ref, "name", "spec.auth.secretRef.", out.auth_secret); !st.ok())
      return st;
    if (out.auth_secret.empty()) return specError("spec.auth.secretRef.name", "is required");
    if (out.protocol != "redis") return specError("spec.auth", "is only supported with redis");
  }
  return {};
}

}  // namespace

Result<ShardedSpec> parseShardedSpec(const json& cr) {
  ShardedSpec out;
  static_cast<ObjectMeta&>(out) = readObjectMeta(cr);
  auto spec_it = cr.find("spec");
  if (spec_it == cr.end() || !spec_it->is_object()) return specError("spec", "is required");
  for (const auto& st :
       {parseEnums(*spec_it, out), parseShards(*spec_it, out), parseOptions(*spec_it, out)}) {
    if (!st.ok()) return st.error();
  }
  return out;
}

bool shardOrder(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

namespace {

std::string joinHostPort(const std::string& host, int port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

std::vector<Shard> discoverShards(const ShardedSpec& spec, const ShardedObserved& observed) {
  std::vector<Shard> shards;
  if (spec.stateful_set.empty()) {
    for (const auto& ep : spec.endpoints) {
      shards.push_back({ep.name, joinHostPort(ep.host, ep.port), true, ep.weight});
    }
  } else {
    for (int i = 0; i < observed.replicas.value_or(0); ++i) {
      Shard shard;
      shard.name = spec.stateful_set + "-" + std::to_string(i);
      auto pod = observed.pods.find(shard.name);
      if (pod != observed.pods.end() && !pod->second.ip.empty()) {
        shard.address = joinHostPort(pod->second.ip, spec.stateful_set_port);
        shard.ready = pod->second.ready;
      } else if (auto last = observed.last_addresses.find(shard.name);
                 last != observed.last_addresses.end()) {
        shard.address = last->second;
      }
      shards.push_back(std::move(shard));
    }
  }
  std::sort(shards.begin(), shards.end(),
            [](const Shard& a, const Shard& b) { return shardOrder(a.name, b.name); });
  return shards;
}

json renderShardedListener(const ShardedSpec& spec, const std::vector<Shard>& shards) {
  json servers = json::array();
  for (const auto& s : shards) {
    if (s.address.empty()) continue;
    servers.push_back({{"name", s.name}, {"address", s.address}, {"weight", s.weight}});
  }
  json out = {{"name", spec.name},
              {"kind", "sharded"},
              {"protocol", spec.protocol},
              {"listen", "127.0.0.1:" + std::to_string(spec.listen_port)},
              {"distribution", spec.distribution},
              {"hash", spec.hash},
              {"hashTag", spec.hash_tag},
              {"timeoutMs", spec.timeout_ms},
              {"autoEject", spec.auto_eject},
              {"failureLimit", spec.failure_limit},
              {"retryTimeoutMs", spec.retry_timeout_ms},
              {"serverConnections", spec.server_connections},
              {"servers", servers}};
  const std::string dir = "/etc/attache/secrets/" + spec.name + "/";
  if (!spec.auth_secret.empty()) out["auth"] = {{"passwordFile", dir + "password"}};
  if (spec.tls_enabled) {
    out["tls"] = {{"enabled", true}};
    if (spec.tls_ca) out["tls"]["caFile"] = dir + "ca.crt";
    if (!spec.tls_server_name.empty()) out["tls"]["serverName"] = spec.tls_server_name;
  }
  return out;
}

std::vector<RingMember> ringMembers(const json& listener) {
  std::vector<RingMember> out;
  auto servers = listener.find("servers");
  if (servers == listener.end() || !servers->is_array()) return out;
  for (const auto& s : *servers) {
    if (!s.is_object()) continue;
    out.push_back({s.value("name", ""), s.value("weight", 1)});
  }
  return out;
}

std::optional<std::string> expectedKeyMovement(const std::string& distribution,
                                               const std::vector<RingMember>& before,
                                               const std::vector<RingMember>& after) {
  namespace routing = ambassador::routing;
  if (before.empty() || after.empty() || before == after) return std::nullopt;
  auto d = routing::parseDistribution(distribution);
  if (!d.ok()) return std::nullopt;
  auto points = [](const std::vector<RingMember>& members) {
    std::vector<routing::ServerPoint> out;
    out.reserve(members.size());
    for (const auto& m : members) out.push_back({m.name, static_cast<uint32_t>(m.weight)});
    return out;
  };
  auto before_points = points(before), after_points = points(after);
  auto ring_before = routing::Ring::build(*d, before_points, {});
  auto ring_after = routing::Ring::build(*d, after_points, {});
  if (!ring_before.ok() || !ring_after.ok()) return std::nullopt;
  double moved = routing::keyMovement(**ring_before, before_points, **ring_after, after_points);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4f", moved);
  std::string text = buf;
  while (text.size() > 3 && text.back() == '0') text.pop_back();
  return text;
}

namespace {

json withConditions(json status, const json& current_status, int64_t generation, bool ready,
                    const std::string& ready_reason, const std::string& degraded_reason,
                    const std::string& message, const std::string& now) {
  json conditions = current_status.is_object() && current_status.contains("conditions")
                        ? current_status["conditions"]
                        : json::array();
  conditions = setCondition(std::move(conditions), "Ready", ready ? "True" : "False", ready_reason,
                            message, generation, now);
  bool degraded = !degraded_reason.empty();
  conditions = setCondition(std::move(conditions), "Degraded", degraded ? "True" : "False",
                            degraded ? degraded_reason : "AsExpected", degraded ? message : "",
                            generation, now);
  status["conditions"] = conditions;
  return status;
}

}  // namespace

json computeShardedStatus(const ShardedSpec& spec, const ShardedOutcome& outcome,
                          const json& current_status, const std::string& now) {
  json shards = json::array();
  int ready = 0;
  std::string not_ready;
  for (const auto& s : outcome.shards) {
    json entry = {{"name", s.name}, {"ready", s.ready}};
    if (!s.address.empty()) entry["address"] = s.address;
    shards.push_back(entry);
    if (s.ready) {
      ++ready;
    } else {
      not_ready += (not_ready.empty() ? "" : ", ") + s.name;
    }
  }
  const int total = static_cast<int>(outcome.shards.size());
  json status = {{"observedGeneration", spec.generation},
                 {"shards", shards},
                 {"readyShards", ready},
                 {"totalShards", total}};
  if (!outcome.config_map.empty()) status["configMap"] = outcome.config_map;
  if (!outcome.config_hash.empty()) status["configHash"] = outcome.config_hash;
  if (!outcome.key_movement.empty()) status["expectedKeyMovement"] = outcome.key_movement;
  if (!outcome.blocked_reason.empty()) {
    return withConditions(status, current_status, spec.generation, false, outcome.blocked_reason,
                          outcome.blocked_reason, outcome.blocked_message, now);
  }
  if (total == 0) {
    return withConditions(status, current_status, spec.generation, false, "NoShards", "NoShards",
                          "statefulSet " + spec.stateful_set + " has 0 replicas", now);
  }
  if (ready < total) {
    std::string message = std::to_string(ready) + "/" + std::to_string(total) +
                          " shards ready; not ready: " + not_ready;
    return withConditions(status, current_status, spec.generation, false, "ShardsNotReady",
                          "ShardNotReady", message, now);
  }
  return withConditions(status, current_status, spec.generation, true, "AllShardsReady", "",
                        std::to_string(total) + " shards ready", now);
}

json invalidSpecStatus(int64_t generation, const std::string& message, const json& current_status,
                       const std::string& now) {
  json status = current_status.is_object() ? current_status : json::object();
  status["observedGeneration"] = generation;
  return withConditions(status, current_status, generation, false, "InvalidSpec", "InvalidSpec",
                        message, now);
}

}  // namespace attache::controller
