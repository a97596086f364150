// The ambassador's configuration model: one PoolConfig per listener, whether it came from a
// twemproxy YAML pool or from an operator-rendered listener file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/hash.h"
#include "common/result.h"

namespace attache::ambassador::config {

enum class Protocol { kRedis, kMemcache, kTcp };
enum class ListenerKind { kSharded, kBroker };

std::string_view protocolName(Protocol p);

struct ServerConfig {
  std::string host;
  uint16_t port = 0;
  uint32_t weight = 1;
  std::string name;  // identity on the ring (twemproxy: the name, else "host:port")

  std::string address() const { return host + ":" + std::to_string(port); }
  bool operator==(const ServerConfig&) const = default;
};

struct TlsConfig {
  bool enabled = false;
  std::string server_name;  // SNI and the name to verify (default: the upstream host)
  std::string ca_file;      // empty: system trust store
  std::string cert_file;    // client certificate (mTLS), optional
  std::string key_file;
  bool insecure_skip_verify = false;
  bool operator==(const TlsConfig&) const = default;
};

struct PoolConfig {
  std::string name;
  ListenerKind kind = ListenerKind::kSharded;
  Protocol protocol = Protocol::kMemcache;  // twemproxy's default is memcached (redis: false)
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;
  std::string listen_path;  // unix socket instead of host:port (twemproxy "listen: /path 0666")
  int backlog = 512;

  routing::HashKind hash = routing::HashKind::kFnv1a_64;
  std::string hash_tag;
  routing::Distribution distribution = routing::Distribution::kKetama;

  int timeout_ms = 0;  // 0: wait forever (twemproxy's default)
  bool auto_eject = false;
  int failure_limit = 2;
  int retry_timeout_ms = 30000;
  int server_connections = 1;
  bool preconnect = false;
  int client_connections = 0;  // 0: unlimited
  std::string redis_auth;
  bool require_client_auth = false;  // twemproxy: clients must AUTH with redis_auth too
  int redis_db = 0;
  std::string auth_file;  // listener files: read the password from this file (Secrets rotate)
  TlsConfig tls;          // sharded: TLS to every shard; broker: TLS origination
  int connect_timeout_ms = 1000;
  int idle_timeout_ms = 3600000;  // broker: close a connection idle this long; 0: never

  std::vector<ServerConfig> servers;  // sharded: the shards; broker: ordered candidates

  bool operator==(const PoolConfig&) const = default;
  std::string listenAddress() const;
};

// Checks a pool for consistency (at least one server, unique names, TLS files that go
// together, ...). Each error names the pool and the field.
Status validatePool(const PoolConfig& pool);

}  // namespace attache::ambassador::config
