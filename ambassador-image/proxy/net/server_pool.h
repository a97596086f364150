// The runtime of one sharded listener's upstream side: its servers, their health, the ring
// snapshot, and the connections to each server (shared by every client of the listener).
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/config/pool_config.h"
#include "ambassador-image/proxy/net/loop.h"
#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/hash.h"
#include "ambassador-image/proxy/upstream/server_health.h"
#include "ambassador-image/proxy/upstream/stats.h"

namespace attache::ambassador::broker {
class TlsClientContext;
}

namespace attache::ambassador::net {

class ServerConnection;

class ServerPool : public std::enable_shared_from_this<ServerPool> {
 public:
  ServerPool(Loop& loop, config::PoolConfig cfg);
  ~ServerPool();
  ServerPool(const ServerPool&) = delete;
  ServerPool& operator=(const ServerPool&) = delete;

  // Loads the TLS credentials (tls.enabled), creates the connections (and connects them when
  // preconnect is set). The error names the bad field.
  [[nodiscard]] Status start();
  // Closes every upstream connection; requests in flight fail.
  void shutdown();

  const config::PoolConfig& config() const { return cfg_; }
  Loop& loop() { return loop_; }

  // The shard for a key (hash tag applied); -1 when no shard is available.
  int route(std::string_view key);
  // Sends `bytes` for `r` to shard `server`. The connection is picked by client id so one
  // client's requests to one shard keep their order. Fails `r` at once when the shard is down.
  void send(int server, uint64_t client_id, Request* r, std::string_view bytes);
  size_t serverCount() const { return servers_.size(); }
  const config::ServerConfig& server(int i) const { return cfg_.servers[static_cast<size_t>(i)]; }

  // Connection events. A failed TLS handshake (certificate, name, protocol) counts like a
  // failed connect; the first of a series is logged with its reason.
  void onConnectFailure(int server, std::string_view why);
  void onHandshakeFailure(int server, std::string_view why);
  void onHandshakeOk(int server);
  void onServerFailure(int server, std::string_view why);
  void onServerOk(int server);
  bool mayConnect(int server) const;
  // The password for upstream AUTH (re-read from auth_file when set).
  std::string password() const;
  // The TLS client context for a new connection, its files re-read when they changed on disk
  // (Secrets rotate; open connections keep theirs). Null when the pool has no TLS.
  broker::TlsClientContext* tlsContext();

  upstream::PoolStats& stats() { return stats_; }
  upstream::ServerStats& serverStats(int i) { return servers_[static_cast<size_t>(i)].stats; }
  bool serverUp(int i) const;
  size_t liveServers() const;

 private:
  struct Slot {
    upstream::ServerHealth health;
    upstream::ServerStats stats;
    std::vector<std::shared_ptr<ServerConnection>> connections;
    bool handshake_failing = false;  // the last TLS handshake failed (logged once per series)
  };
  void rebuildRing();
  void scheduleRetry();
  upstream::HealthPolicy policy() const;

  Loop& loop_;
  config::PoolConfig cfg_;
  routing::HashFn hash_fn_;
  std::unique_ptr<broker::TlsClientContext> tls_;
  std::shared_ptr<const routing::Ring> ring_;
  std::vector<routing::ServerPoint> points_;
  std::vector<Slot> servers_;
  upstream::PoolStats stats_;
  asio::steady_timer retry_timer_;
  bool stopped_ = false;
};

}  // namespace attache::ambassador::net
