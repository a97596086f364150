// The ambassador's runtime: one listener per pool, each with its ServerPool (sharded) or its
// BrokerRuntime (broker). apply() moves the running set to a new configuration without dropping
// client connections.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "ambassador-image/proxy/config/pool_config.h"
#include "ambassador-image/proxy/net/loop.h"

namespace attache::ambassador::broker {
class BrokerRuntime;
}

namespace attache::ambassador::net {

class ServerPool;
class ClientConnection;

// What the admin endpoint reads.
struct ListenerView {
  const config::PoolConfig* config;
  std::shared_ptr<ServerPool> pool;               // sharded listeners
  std::shared_ptr<broker::BrokerRuntime> broker;  // broker listeners
};

class Proxy {
 public:
  explicit Proxy(Loop& loop);
  ~Proxy();

  // Starts, replaces or removes listeners to match `pools`. A listener whose pool changed keeps
  // its socket and its clients (they move to the new pool between requests). Fails when a new
  // listen address cannot be bound; listeners already applied stay.
  Status apply(const std::vector<config::PoolConfig>& pools);
  // Graceful stop, first step: accept nothing more; open connections carry on.
  void drain();
  // Broker connections still open (what a drain waits for).
  int64_t openBrokerConnections() const;
  void shutdown();

  std::vector<ListenerView> listeners() const;
  // Every listener is bound and has at least one shard it can use.
  bool ready(std::string* why) const;

 private:
  struct Listener;
  Status applyOne(std::unique_ptr<Listener>& slot, const config::PoolConfig& cfg);
  Status open(Listener& l);
  void stopAccepting(Listener& l);
  void accept(Listener& l);
  void adopt(Listener& l, int fd);

  Loop& loop_;
  std::map<std::string, std::unique_ptr<Listener>> listeners_;
  uint64_t next_client_id_ = 1;
  bool draining_ = false;
};

}  // namespace attache::ambassador::net
