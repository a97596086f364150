#include "ambassador-image/proxy/net/proxy.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ambassador-image/proxy/broker/broker_runtime.h"
#include "ambassador-image/proxy/net/client_connection.h"
#include "ambassador-image/proxy/net/server_pool.h"

namespace attache::ambassador::net {

using tcp = asio::ip::tcp;
using unix_stream = asio::local::stream_protocol;

struct Proxy::Listener {
  explicit Listener(asio::io_context& io) : acceptor(io), unix_acceptor(io) {}
  config::PoolConfig cfg;
  std::shared_ptr<ServerPool> pool;               // sharded
  std::shared_ptr<broker::BrokerRuntime> broker;  // broker
  tcp::acceptor acceptor;
  unix_stream::acceptor unix_acceptor;
  std::vector<std::weak_ptr<ClientConnection>> clients;
  bool open = false;
};

Proxy::Proxy(Loop& loop) : loop_(loop) {}

Proxy::~Proxy() { shutdown(); }

Status Proxy::open(Listener& l) {
  boost::system::error_code ec;
  const auto& c = l.cfg;
  if (!c.listen_path.empty()) {
    ::unlink(c.listen_path.c_str());
    l.unix_acceptor.open(unix_stream(), ec);
    if (!ec) l.unix_acceptor.bind(unix_stream::endpoint(c.listen_path), ec);
    if (!ec) l.unix_acceptor.listen(c.backlog, ec);
  } else {
    auto addr =
        asio::ip::make_address(c.listen_host == "localhost" ? "127.0.0.1" : c.listen_host, ec);
    if (ec)
      return invalidArgument("listener '" + c.name + "': bad listen host '" + c.listen_host + "'");
    tcp::endpoint ep(addr, c.listen_port);
    l.acceptor.open(ep.protocol(), ec);
    if (!ec) l.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) l.acceptor.bind(ep, ec);
    if (!ec) l.acceptor.listen(c.backlog, ec);
  }
  if (ec) {
    return unavailable("listener '" + c.name + "': cannot listen on " + c.listenAddress() + ": " +
                       ec.message());
  }
  l.open = true;
  accept(l);
  return {};
}

void Proxy::accept(Listener& l) {
  auto on_accept = [this, &l](const boost::system::error_code& ec, auto socket) {
    if (ec == asio::error::operation_aborted || !l.open) return;
    if (!ec) {
      int one = 1;
      ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      adopt(l, socket.release());
    }
    accept(l);
  };
  if (!l.cfg.listen_path.empty()) {
    l.unix_acceptor.async_accept(on_accept);
  } else {
    l.acceptor.async_accept(on_accept);
  }
}

void Proxy::adopt(Listener& l, int fd) {
  if (l.broker != nullptr) {
    l.broker->adopt(fd);
    return;
  }
  auto client = std::make_shared<ClientConnection>(loop_, l.pool, fd, next_client_id_++);
  client->start();
  std::erase_if(l.clients, [](const auto& w) { return w.expired(); });
  l.clients.push_back(client);
}

Status Proxy::apply(const std::vector<config::PoolConfig>& pools) {
  std::map<std::string, const config::PoolConfig*> wanted;
  for (const auto& p : pools) wanted[p.name] = &p;
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (wanted.count(it->first) == 0) {
      loop_.log->info("listener removed name={}", it->first);
      stopAccepting(*it->second);
      it = listeners_.erase(it);
    } else {
      ++it;
    }
  }
  Status result;
  for (const auto& [name, cfg] : wanted) {
    auto& slot = listeners_[name];
    if (slot != nullptr && slot->cfg == *cfg) continue;
    if (auto st = applyOne(slot, *cfg); !st.ok()) {
      if (slot == nullptr) listeners_.erase(name);
      if (result.ok()) result = st;  // the other listeners still apply
    }
  }
  return result;
}

Status Proxy::applyOne(std::unique_ptr<Listener>& slot, const config::PoolConfig& cfg) {
  const bool broker = cfg.kind == config::ListenerKind::kBroker;
  if (slot != nullptr && slot->cfg.kind != cfg.kind) {  // the other kind: start afresh
    stopAccepting(*slot);
    slot.reset();
  }
  const bool same_socket = slot != nullptr && slot->cfg.listenAddress() == cfg.listenAddress();
  if (same_socket && broker) {  // open connections keep their upstream
    if (auto st = slot->broker->reconfigure(cfg); !st.ok()) return st;
    slot->cfg = cfg;
    loop_.log->info("listener updated name={} upstreams={}", cfg.name, cfg.servers.size());
    return {};
  }
  std::shared_ptr<ServerPool> pool;
  std::shared_ptr<broker::BrokerRuntime> runtime;
  if (broker) {
    runtime = std::make_shared<broker::BrokerRuntime>(loop_.io, cfg, loop_.log);
    if (auto st = runtime->start(); !st.ok()) return st;
  } else {
    pool = std::make_shared<ServerPool>(loop_, cfg);
    if (auto st = pool->start(); !st.ok()) return st;  // the running pool, if any, stays
  }
  if (same_socket) {
    slot->cfg = cfg;
    slot->pool = pool;
    for (auto& w : slot->clients) {
      if (auto c = w.lock()) c->setPendingPool(pool);
    }
    loop_.log->info("listener updated name={} shards={}", cfg.name, cfg.servers.size());
    return {};
  }
  auto fresh = std::make_unique<Listener>(loop_.io);
  fresh->cfg = cfg;
  fresh->pool = pool;
  fresh->broker = runtime;
  if (auto st = open(*fresh); !st.ok()) return st;
  loop_.log->info("listening name={} address={} protocol={} {}={}", cfg.name, cfg.listenAddress(),
                  config::protocolName(cfg.protocol), broker ? "upstreams" : "shards",
                  cfg.servers.size());
  slot = std::move(fresh);
  return {};
}

void Proxy::stopAccepting(Listener& l) {
  l.open = false;
  boost::system::error_code ignored;
  l.acceptor.close(ignored);
  l.unix_acceptor.close(ignored);
}

void Proxy::drain() {
  draining_ = true;
  for (auto& [name, l] : listeners_) {
    stopAccepting(*l);
    if (l->broker != nullptr) l->broker->shutdown(/*graceful=*/true);
  }
}

int64_t Proxy::openBrokerConnections() const {
  int64_t open = 0;
  for (const auto& [name, l] : listeners_) {
    if (l->broker != nullptr) open += l->broker->openConnections();
  }
  return open;
}

void Proxy::shutdown() {
  for (auto& [name, l] : listeners_) {
    stopAccepting(*l);
    for (auto& w : l->clients) {
      if (auto c = w.lock()) c->close();
    }
    if (l->pool != nullptr) l->pool->shutdown();
    if (l->broker != nullptr) l->broker->shutdown(/*graceful=*/false);
  }
  listeners_.clear();
}

std::vector<ListenerView> Proxy::listeners() const {
  std::vector<ListenerView> out;
  for (const auto& [name, l] : listeners_) out.push_back({&l->cfg, l->pool, l->broker});
  return out;
}

bool Proxy::ready(std::string* why) const {
  if (draining_) {
    if (why) *why = "draining";
    return false;
  }
  if (listeners_.empty()) {
    if (why) *why = "no listeners configured";
    return false;
  }
  for (const auto& [name, l] : listeners_) {
    if (!l->open) {
      if (why) *why = "listener " + name + " is not bound";
      return false;
    }
    if (l->broker != nullptr) {
      if (!l->broker->ready(why)) return false;
      continue;
    }
    if (l->pool->liveServers() == 0) {
      if (why) *why = "listener " + name + " has no shard available";
      return false;
    }
  }
  return true;
}

}  // namespace attache::ambassador::net
