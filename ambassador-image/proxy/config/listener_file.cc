#include "ambassador-image/proxy/config/listener_file.h"

#include <nlohmann/json.hpp>

#include "common/host_port.h"

namespace attache::ambassador::config {
namespace {

using nlohmann::json;

constexpr int64_t kMaxInt = 86400000;  // a day in milliseconds bounds every integer field

Error fieldError(const std::string& field, const std::string& why) {
  return invalidArgument(field + ": " + why);
}

// Reads an optional field of the expected type; absent keeps `out` unchanged.
template <typename T>
Status readField(const json& obj, const char* key, T& out, const std::string& prefix = "") {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return fieldError(prefix + key, "must be a boolean");
    out = it->template get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_integer()) return fieldError(prefix + key, "must be an integer");
    auto v = it->template get<int64_t>();
    if (v < 0 || v > kMaxInt) {
      return fieldError(prefix + key, "is out of range (0-" + std::to_string(kMaxInt) + ")");
    }
    out = static_cast<T>(v);
  } else {
    if (!it->is_string()) return fieldError(prefix + key, "must be a string");
    out = it->template get<std::string>();
  }
  return {};
}

Result<std::pair<std::string, uint16_t>> splitHostPort(const std::string& field,
                                                       const std::string& addr) {
  auto hp = parseHostPort(addr, /*allow_port_zero=*/false);
  if (!hp.ok()) return fieldError(field, hp.error().message);
  return std::make_pair(std::move(hp->host), hp->port);
}

Status readTls(const json& doc, PoolConfig& pool) {
  auto it = doc.find("tls");
  if (it == doc.end() || it->is_null()) return {};
  if (!it->is_object()) return fieldError("tls", "must be an object");
  std::string mode;
  if (auto st = readField(*it, "mode", mode, "tls."); !st.ok()) return st;
  if (!mode.empty() && mode != "originate" && mode != "disable") {
    return fieldError("tls.mode", "must be \"originate\" or \"disable\"");
  }
  pool.tls.enabled = mode == "originate";
  if (auto e = it->find("enabled");
      e != it->end() && e->is_boolean() && !mode.empty() && e->get<bool>() != pool.tls.enabled) {
    return fieldError("tls.enabled", "contradicts tls.mode \"" + mode + "\"");
  }
  for (const auto& st :
       {readField(*it, "enabled", pool.tls.enabled, "tls."),
        readField(*it, "serverName", pool.tls.server_name, "tls."),
        readField(*it, "caFile", pool.tls.ca_file, "tls."),
        readField(*it, "certFile", pool.tls.cert_file, "tls."),
        readField(*it, "keyFile", pool.tls.key_file, "tls."),
        readField(*it, "insecureSkipVerify", pool.tls.insecure_skip_verify, "tls.")}) {
    if (!st.ok()) return st;
  }
  if (!pool.tls.enabled) {
    // A CA or a server name with TLS off is almost surely a forgotten `enabled: true`: refused,
    // so that a listener the user meant to protect never goes out in plain text.
    const std::pair<const char*, bool> settings[] = {
        {"caFile", !pool.tls.ca_file.empty()},
        {"certFile", !pool.tls.cert_file.empty()},
        {"keyFile", !pool.tls.key_file.empty()},
        {"serverName", !pool.tls.server_name.empty()},
        {"insecureSkipVerify", pool.tls.insecure_skip_verify}};
    for (const auto& [field, set] : settings) {
      if (set) {
        return fieldError(std::string("tls.") + field,
                          "is set but TLS is off (tls.enabled is false or tls.mode is "
                          "\"disable\"): enable TLS or remove it");
      }
    }
  }
  if (!pool.tls.cert_file.empty() && pool.tls.key_file.empty()) {
    return fieldError("tls.keyFile", "is required with tls.certFile");
  }
  if (pool.tls.cert_file.empty() && !pool.tls.key_file.empty()) {
    return fieldError("tls.certFile", "is required with tls.keyFile");
  }
  return {};
}

Status readServers(const json& doc, PoolConfig& pool) {
  const char* key = pool.kind == ListenerKind::kBroker ? "upstreams" : "servers";
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) return fieldError(key, "must be a list");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& s = (*it)[i];
    const std::string prefix = std::string(key) + "[" + std::to_string(i) + "].";
    if (!s.is_object()) return fieldError(prefix.substr(0, prefix.size() - 1), "must be an object");
    ServerConfig server;
    std::string address;
    int64_t port = 0;
    for (const auto& st :
         {readField(s, "name", server.name, prefix), readField(s, "address", address, prefix),
          readField(s, "host", server.host, prefix), readField(s, "port", port, prefix),
          readField(s, "weight", server.weight, prefix)}) {
      if (!st.ok()) return st;
    }
    if (!address.empty()) {
      auto hp = splitHostPort(prefix + "address", address);
      if (!hp.ok()) return hp.error();
      std::tie(server.host, server.port) = *hp;
    } else {
      if (server.host.empty()) return fieldError(prefix + "host", "is required");
      if (port < 1 || port > 65535) return fieldError(prefix + "port", "must be 1-65535");
      server.port = static_cast<uint16_t>(port);
    }
    if (server.name.empty()) server.name = server.address();
    if (server.weight == 0) return fieldError(prefix + "weight", "must be at least 1");
    pool.servers.push_back(std::move(server));
  }
  return {};
}

Status readEnums(const json& doc, PoolConfig& pool) {
  std::string protocol = "redis", distribution, hash;
  for (const auto& st :
       {readField(doc, "protocol", protocol), readField(doc, "distribution", distribution),
        readField(doc, "hash", hash), readField(doc, "hashTag", pool.hash_tag)}) {
    if (!st.ok()) return st;
  }
  if (pool.kind == ListenerKind::kBroker) {
    pool.protocol = Protocol::kTcp;
  } else if (protocol == "redis" || protocol == "memcached") {
    pool.protocol = protocol == "redis" ? Protocol::kRedis : Protocol::kMemcache;
  } else {
    return fieldError("protocol", "must be \"redis\" or \"memcached\"");
  }
  if (!distribution.empty()) {
    auto d = routing::parseDistribution(distribution);
    if (!d.ok()) return fieldError("distribution", d.error().message);
    pool.distribution = *d;
  }
  if (!hash.empty()) {
    auto h = routing::parseHashKind(hash);
    if (!h.ok()) return fieldError("hash", h.error().message);
    pool.hash = *h;
  }
  return {};
}

Status readScalars(const json& doc, PoolConfig& pool) {
  pool.auto_eject = true;  // listener files default to the book's settings
  pool.failure_limit = 1;
  pool.retry_timeout_ms = 2000;
  pool.timeout_ms = 400;
  for (const auto& st :
       {readField(doc, "timeoutMs", pool.timeout_ms), readField(doc, "autoEject", pool.auto_eject),
        readField(doc, "failureLimit", pool.failure_limit),
        readField(doc, "retryTimeoutMs", pool.retry_timeout_ms),
        readField(doc, "serverConnections", pool.server_connections),
        readField(doc, "preconnect", pool.preconnect),
        readField(doc, "connectTimeoutMs", pool.connect_timeout_ms)}) {
    if (!st.ok()) return st;
  }
  if (auto it = doc.find("idleTimeoutMs"); it != doc.end() && !it->is_null()) {
    if (pool.kind != ListenerKind::kBroker) {
      return fieldError("idleTimeoutMs", "only broker listeners have an idle timeout");
    }
    if (auto st = readField(doc, "idleTimeoutMs", pool.idle_timeout_ms); !st.ok()) return st;
  }
  if (auto it = doc.find("auth"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) return fieldError("auth", "must be an object");
    if (auto st = readField(*it, "passwordFile", pool.auth_file, "auth."); !st.ok()) return st;
    if (auto st = readField(*it, "password", pool.redis_auth, "auth."); !st.ok()) return st;
  }
  return {};
}

}  // namespace

Result<PoolConfig> parseListenerFile(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalidArgument("not valid JSON");
  if (!doc.is_object()) return invalidArgument("a listener file is a JSON object");
  PoolConfig pool;
  std::string kind = "sharded", listen;
  for (const auto& st : {readField(doc, "name", pool.name), readField(doc, "kind", kind),
                         readField(doc, "listen", listen)}) {
    if (!st.ok()) return st.error();
  }
  if (pool.name.empty()) return fieldError("name", "is required");
  if (kind != "sharded" && kind != "broker") {
    return fieldError("kind", "must be \"sharded\" or \"broker\"");
  }
  pool.kind = kind == "broker" ? ListenerKind::kBroker : ListenerKind::kSharded;
  auto hp = splitHostPort("listen", listen);
  if (!hp.ok()) return hp.error();
  std::tie(pool.listen_host, pool.listen_port) = *hp;
  for (const auto& st :
       {readEnums(doc, pool), readScalars(doc, pool), readTls(doc, pool), readServers(doc, pool)}) {
    if (!st.ok()) return st.error();
  }
  if (auto st = validatePool(pool); !st.ok()) return st.error();
  return pool;
}

nlohmann::json poolToJson(const PoolConfig& pool) {
  json servers = json::array();
  for (const auto& s : pool.servers) {
    servers.push_back({{"name", s.name}, {"address", s.address()}, {"weight", s.weight}});
  }
  json out = {{"name", pool.name},
              {"kind", pool.kind == ListenerKind::kBroker ? "broker" : "sharded"},
              {"protocol", protocolName(pool.protocol)},
              {"listen", pool.listenAddress()},
              {"servers", servers},
              {"timeoutMs", pool.timeout_ms},
              {"serverConnections", pool.server_connections},
              {"autoEject", pool.auto_eject},
              {"failureLimit", pool.failure_limit},
              {"retryTimeoutMs", pool.retry_timeout_ms},
              {"auth", !pool.redis_auth.empty() || !pool.auth_file.empty()}};
  if (pool.kind == ListenerKind::kSharded) {
    out["distribution"] = routing::distributionName(pool.distribution);
    out["hash"] = routing::hashKindName(pool.hash);
    out["hashTag"] = pool.hash_tag;
  } else {
    out["connectTimeoutMs"] = pool.connect_timeout_ms;
    out["idleTimeoutMs"] = pool.idle_timeout_ms;
  }
  out["tls"] = {{"enabled", pool.tls.enabled},
                {"serverName", pool.tls.server_name},
                {"caFile", pool.tls.ca_file},
                {"insecureSkipVerify", pool.tls.insecure_skip_verify},
                {"clientCert", !pool.tls.cert_file.empty()}};
  return out;
}

}  // namespace attache::ambassador::config
