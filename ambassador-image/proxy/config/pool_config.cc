#include "ambassador-image/proxy/config/pool_config.h"

#include <set>

namespace attache::ambassador::config {

std::string_view protocolName(Protocol p) {
  switch (p) {
    case Protocol::kRedis:
      return "redis";
    case Protocol::kMemcache:
      return "memcached";
    case Protocol::kTcp:
      return "tcp";
  }
  return "unknown";
}

std::string PoolConfig::listenAddress() const {
  if (!listen_path.empty()) return listen_path;
  if (listen_host.find(':') != std::string::npos) {
    return "[" + listen_host + "]:" + std::to_string(listen_port);
  }
  return listen_host + ":" + std::to_string(listen_port);
}

Status validatePool(const PoolConfig& pool) {
  auto fail = [&](const std::string& why) {
    return invalidArgument("pool '" + pool.name + "': " + why);
  };
  if (pool.servers.empty()) return fail("has no servers");
  if (!pool.hash_tag.empty() && pool.hash_tag.size() != 2) {
    return fail("hash_tag must be two characters");
  }
  if (pool.server_connections < 1) return fail("server_connections must be at least 1");
  if (pool.protocol != Protocol::kRedis && (!pool.redis_auth.empty() || !pool.auth_file.empty())) {
    return fail("redis_auth needs redis: true");
  }
  if (pool.tls.cert_file.empty() != pool.tls.key_file.empty()) {
    return fail("tls.certFile and tls.keyFile go together");
  }
  if (pool.idle_timeout_ms < 0) return fail("idleTimeoutMs must not be negative");
  std::set<std::string> names;
  for (const auto& s : pool.servers) {
    if (!names.insert(s.name).second) return fail("server name '" + s.name + "' is not unique");
  }
  return {};
}

}  // namespace attache::ambassador::config
