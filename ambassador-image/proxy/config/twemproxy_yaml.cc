#include "ambassador-image/proxy/config/twemproxy_yaml.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>

#include "ambassador-image/proxy/routing/server_name.h"

namespace attache::ambassador::config {
namespace {

Result<long> parseInt(std::string_view s, std::string_view what) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return invalidArgument(std::string(what) + " '" + std::string(s) + "' is not a number");
  }
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Error directiveError(const std::string& pool, const std::string& key, const std::string& why) {
  return invalidArgument("pool '" + pool + "': directive \"" + key + "\" " + why);
}

Result<bool> asBool(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return invalidArgument("is not a boolean");
}

Result<int> asInt(const YAML::Node& n, long lo, long hi) {
  auto v = parseInt(n.Scalar(), "value");
  if (!v.ok()) return v.error();
  if (*v < lo || *v > hi) {
    return invalidArgument("must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  return static_cast<int>(*v);
}

Status parseListen(std::string_view v, PoolConfig& pool) {
  v = trim(v);
  if (!v.empty() && v.front() == '/') {  // "/path/to.sock 0666"
    pool.listen_path = std::string(v.substr(0, v.find(' ')));
    return {};
  }
  auto colon = v.rfind(':');
  if (colon == std::string_view::npos) return invalidArgument("has no port");
  auto port = parseInt(v.substr(colon + 1), "port");
  if (!port.ok() || *port < 0 || *port > 65535) return invalidArgument("has an invalid port");
  std::string_view host = v.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  pool.listen_host = std::string(host);
  pool.listen_port = static_cast<uint16_t>(*port);
  return {};
}

Status applyScalar(const std::string& key, const YAML::Node& v, PoolConfig& pool);
Status applyBoolOrInt(const std::string& key, const YAML::Node& v, PoolConfig& pool);

Status applyServers(const YAML::Node& v, PoolConfig& pool) {
  if (!v.IsSequence()) return invalidArgument("must be a list of \"host:port:weight [name]\"");
  for (const auto& item : v) {
    if (!item.IsScalar()) return invalidArgument("must be a list of \"host:port:weight [name]\"");
    auto server = parseServerLine(item.Scalar());
    if (!server.ok()) return server.error();
    pool.servers.push_back(std::move(server).value());
  }
  return {};
}

Status applyDirective(const std::string& key, const YAML::Node& v, PoolConfig& pool) {
  if (key == "servers") return applyServers(v, pool);
  if (!v.IsScalar()) return invalidArgument("must be a scalar");
  return applyScalar(key, v, pool);
}

Status applyScalar(const std::string& key, const YAML::Node& v, PoolConfig& pool) {
  const std::string& s = v.Scalar();
  if (key == "listen") return parseListen(s, pool);
  if (key == "hash") {
    auto h = routing::parseHashKind(s);
    if (!h.ok()) return h.error();
    pool.hash = *h;
    return {};
  }
  if (key == "distribution") {
    auto d = routing::parseDistribution(s);
    if (!d.ok()) return d.error();
    pool.distribution = *d;
    return {};
  }
  if (key == "hash_tag") {
    if (s.size() != 2) return invalidArgument("must be exactly two characters, e.g. \"{}\"");
    pool.hash_tag = s;
    return {};
  }
  if (key == "redis_auth") {
    pool.redis_auth = s;
    pool.require_client_auth = !s.empty();
    return {};
  }
  return applyBoolOrInt(key, v, pool);
}

Status applyBoolOrInt(const std::string& key, const YAML::Node& v, PoolConfig& pool) {
  struct BoolField {
    const char* key;
    bool PoolConfig::*field;
  };
  static const BoolField kBools[] = {{"redis", nullptr},
                                     {"preconnect", &PoolConfig::preconnect},
                                     {"auto_eject_hosts", &PoolConfig::auto_eject},
                                     {"tcpkeepalive", nullptr},
                                     {"reuseport", nullptr}};
  for (const auto& b : kBools) {
    if (key != b.key) continue;
    auto parsed = asBool(v);
    if (!parsed.ok()) return parsed.error();
    if (key == "redis") pool.protocol = *parsed ? Protocol::kRedis : Protocol::kMemcache;
    if (b.field != nullptr) pool.*b.field = *parsed;
    return {};
  }
  struct IntField {
    const char* key;
    int PoolConfig::*field;
    long lo, hi;
  };
  static const IntField kInts[] = {
      {"timeout", &PoolConfig::timeout_ms, -1, 86400000},
      {"backlog", &PoolConfig::backlog, 1, 65535},
      {"client_connections", &PoolConfig::client_connections, 0, 1 << 24},
      {"server_connections", &PoolConfig::server_connections, 1, 1024},
      {"server_retry_timeout", &PoolConfig::retry_timeout_ms, 0, 86400000},
      {"server_failure_limit", &PoolConfig::failure_limit, 0, 1 << 20},
      {"redis_db", &PoolConfig::redis_db, 0, 1 << 20}};
  for (const auto& f : kInts) {
    if (key != f.key) continue;
    auto parsed = asInt(v, f.lo, f.hi);
    if (!parsed.ok()) return parsed.error();
    pool.*f.field = *parsed;
    if (key == "timeout" && *parsed < 0) pool.timeout_ms = 0;
    return {};
  }
  return invalidArgument("is unknown");
}

Result<PoolConfig> parsePool(const std::string& name, const YAML::Node& node) {
  PoolConfig pool;
  pool.name = name;
  if (!node.IsMap()) return invalidArgument("pool '" + name + "' must be a mapping of directives");
  for (const auto& kv : node) {
    const std::string key = kv.first.Scalar();
    if (auto st = applyDirective(key, kv.second, pool); !st.ok()) {
      return directiveError(name, key, st.error().message);
    }
  }
  if (pool.listen_port == 0 && pool.listen_path.empty()) {
    return directiveError(name, "listen", "is missing");
  }
  if (auto st = validatePool(pool); !st.ok()) return st.error();
  return pool;
}

}  // namespace

Result<ServerConfig> parseServerLine(std::string_view line) {
  line = trim(line);
  ServerConfig server;
  std::string_view addr = line;
  if (auto space = line.find_first_of(" \t"); space != std::string_view::npos) {
    addr = line.substr(0, space);
    server.name = std::string(trim(line.substr(space + 1)));
  }
  const std::string shown = "server \"" + std::string(line) + "\"";
  auto wcolon = addr.rfind(':');
  if (wcolon == std::string_view::npos) {
    return invalidArgument(shown + " is not \"host:port:weight [name]\"");
  }
  auto weight = parseInt(addr.substr(wcolon + 1), "weight");
  if (!weight.ok() || *weight < 1 || *weight > 100000) {
    return invalidArgument(shown + " has an invalid weight");
  }
  server.weight = static_cast<uint32_t>(*weight);
  std::string_view hostport = addr.substr(0, wcolon);
  if (!hostport.empty() && hostport.front() == '/') {  // unix socket: "/path:weight"
    server.host = std::string(hostport);
  } else {
    auto pcolon = hostport.rfind(':');
    if (pcolon == std::string_view::npos) return invalidArgument(shown + " has no port");
    auto port = parseInt(hostport.substr(pcolon + 1), "port");
    if (!port.ok() || *port < 1 || *port > 65535) {
      return invalidArgument(shown + " has an invalid port");
    }
    server.port = static_cast<uint16_t>(*port);
    std::string_view host = hostport.substr(0, pcolon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    if (host.empty()) return invalidArgument(shown + " has no host");
    server.host = std::string(host);
  }
  if (server.name.empty()) {
    server.name =
        server.port == 0 ? server.host : routing::twemproxyServerName(server.host, server.port);
  }
  return server;
}

Result<std::vector<PoolConfig>> parseTwemproxyYaml(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return invalidArgument("invalid YAML: " + std::string(e.what()));
  }
  if (!root.IsMap() || root.size() == 0) {
    return invalidArgument("a twemproxy configuration is a mapping of pool names to pools");
  }
  std::vector<PoolConfig> pools;
  std::set<std::string> listens;
  for (const auto& kv : root) {
    auto pool = parsePool(kv.first.Scalar(), kv.second);
    if (!pool.ok()) return pool.error();
    if (!listens.insert(pool->listenAddress()).second) {
      return invalidArgument("pool '" + pool->name + "': listen address " + pool->listenAddress() +
                             " is used by another pool");
    }
    pools.push_back(std::move(pool).value());
  }
  return pools;
}

}  // namespace attache::ambassador::config
