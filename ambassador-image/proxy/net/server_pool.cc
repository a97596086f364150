#include "ambassador-image/proxy/net/server_pool.h"

#include <fstream>
#include <sstream>

#include "ambassador-image/proxy/broker/tls_client_context.h"
#include "ambassador-image/proxy/net/server_connection.h"
#include "ambassador-image/proxy/routing/hash_tag.h"

namespace attache::ambassador::net {

ServerPool::ServerPool(Loop& loop, config::PoolConfig cfg)
    : loop_(loop),
      cfg_(std::move(cfg)),
      hash_fn_(routing::hashFunction(cfg_.hash)),
      servers_(cfg_.servers.size()),
      retry_timer_(loop.io) {
  for (const auto& s : cfg_.servers) points_.push_back({s.name, s.weight});
}

ServerPool::~ServerPool() { shutdown(); }

Status ServerPool::start() {
  if (cfg_.tls.enabled) {
    auto tls = broker::TlsClientContext::create(cfg_.tls, Loop::nowMs());
    if (!tls.ok()) return invalidArgument("listener '" + cfg_.name + "': " + tls.error().message);
    tls_ = std::move(*tls);
  }
  for (size_t i = 0; i < servers_.size(); ++i) {
    for (int c = 0; c < cfg_.server_connections; ++c) {
      servers_[i].connections.push_back(
          std::make_shared<ServerConnection>(this, loop_, static_cast<int>(i)));
      if (cfg_.preconnect) servers_[i].connections.back()->connect();
    }
  }
  rebuildRing();
  return {};
}

void ServerPool::shutdown() {
  stopped_ = true;
  retry_timer_.cancel();
  for (auto& slot : servers_) {
    for (auto& c : slot.connections) c->detach();
    slot.connections.clear();
  }
}

upstream::HealthPolicy ServerPool::policy() const {
  upstream::HealthPolicy p;
  p.auto_eject = cfg_.auto_eject;
  p.failure_limit = cfg_.failure_limit;
  p.retry_timeout_ms = cfg_.retry_timeout_ms;
  return p;
}

int ServerPool::route(std::string_view key) {
  if (ring_ == nullptr) return -1;
  if (!cfg_.hash_tag.empty()) key = routing::applyHashTag(key, cfg_.hash_tag);
  return ring_->pick(hash_fn_(key.data(), key.size()));
}

void ServerPool::send(int server, uint64_t client_id, Request* r, std::string_view bytes) {
  auto& slot = servers_[static_cast<size_t>(server)];
  if (r != nullptr) {
    r->server = server;
    ++slot.stats.requests;
  }
  if (slot.connections.empty()) {
    if (r != nullptr) failRequest(loop_, r, cfg_.protocol, "listener is shutting down");
    return;
  }
  slot.connections[client_id % slot.connections.size()]->send(r, bytes);
}

bool ServerPool::mayConnect(int server) const {
  return !stopped_ && servers_[static_cast<size_t>(server)].health.mayConnect(Loop::nowMs());
}

void ServerPool::onConnectFailure(int server, std::string_view why) {
  ++servers_[static_cast<size_t>(server)].stats.connect_failures;
  onServerFailure(server, why);
}

void ServerPool::onHandshakeFailure(int server, std::string_view why) {
  auto& slot = servers_[static_cast<size_t>(server)];
  ++slot.stats.handshake_failures;
  const auto& s = cfg_.servers[static_cast<size_t>(server)];
  if (!slot.handshake_failing) {
    loop_.log->warn("TLS handshake with shard failed pool={} server={} address={} error=\"{}\"",
                    cfg_.name, s.name, s.address(), why);
  } else {
    loop_.log->debug("TLS handshake with shard failed again pool={} server={} error=\"{}\"",
                     cfg_.name, s.name, why);
  }
  slot.handshake_failing = true;
  onServerFailure(server, why);
}

void ServerPool::onHandshakeOk(int server) {
  auto& slot = servers_[static_cast<size_t>(server)];
  if (!slot.handshake_failing) return;
  slot.handshake_failing = false;
  loop_.log->info("TLS handshake with shard succeeded again pool={} server={}", cfg_.name,
                  cfg_.servers[static_cast<size_t>(server)].name);
}

void ServerPool::onServerFailure(int server, std::string_view why) {
  auto& slot = servers_[static_cast<size_t>(server)];
  ++slot.stats.errors;
  bool ejected = slot.health.recordFailure(Loop::nowMs(), policy());
  if (!ejected) return;
  ++slot.stats.ejections;
  slot.stats.ejected = true;
  loop_.log->warn("shard ejected pool={} server={} reason=\"{}\" retry_ms={}", cfg_.name,
                  cfg_.servers[static_cast<size_t>(server)].name, why, cfg_.retry_timeout_ms);
  rebuildRing();
  scheduleRetry();
}

void ServerPool::onServerOk(int server) {
  auto& slot = servers_[static_cast<size_t>(server)];
  slot.health.recordSuccess();
}

bool ServerPool::serverUp(int i) const {
  const auto& slot = servers_[static_cast<size_t>(i)];
  if (slot.health.ejected(Loop::nowMs())) return false;
  for (const auto& c : slot.connections) {
    if (c->connected()) return true;
  }
  return slot.health.failures() == 0 && slot.health.mayConnect(Loop::nowMs());
}

size_t ServerPool::liveServers() const {
  size_t n = 0;
  for (size_t i = 0; i < servers_.size(); ++i) n += serverUp(static_cast<int>(i)) ? 1 : 0;
  return n;
}

void ServerPool::rebuildRing() {
  const int64_t now = Loop::nowMs();
  std::vector<bool> live(servers_.size());
  for (size_t i = 0; i < servers_.size(); ++i) {
    live[i] = !servers_[i].health.ejected(now);
    if (live[i]) servers_[i].stats.ejected = false;
  }
  auto ring = routing::Ring::build(cfg_.distribution, points_, live);
  if (ring.ok()) ring_ = std::move(ring).value();
}

// Puts ejected servers back into the ring when their retry time comes (twemproxy re-adds them
// and ejects them again on the next failure).
void ServerPool::scheduleRetry() {
  int64_t next = 0;
  for (const auto& slot : servers_) {
    int64_t at = slot.health.retryAt();
    if (at > Loop::nowMs() && (next == 0 || at < next)) next = at;
  }
  if (next == 0 || stopped_) return;
  retry_timer_.expires_after(std::chrono::milliseconds(next - Loop::nowMs()));
  std::weak_ptr<ServerPool> weak = shared_from_this();
  retry_timer_.async_wait([weak](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || self == nullptr || self->stopped_) return;
    self->rebuildRing();
    self->scheduleRetry();
  });
}

broker::TlsClientContext* ServerPool::tlsContext() {
  if (tls_ == nullptr) return nullptr;
  std::string why;
  switch (tls_->maybeReload(Loop::nowMs(), &why)) {
    case broker::TlsClientContext::Reload::kReloaded:
      ++stats_.tls_reloads;
      loop_.log->info("TLS credentials reloaded pool={}", cfg_.name);
      break;
    case broker::TlsClientContext::Reload::kFailed:
      ++stats_.tls_reload_failures;
      loop_.log->warn("TLS credentials not reloaded, the previous ones stay pool={} error={}",
                      cfg_.name, why);
      break;
    case broker::TlsClientContext::Reload::kUnchanged:
      break;
  }
  return tls_.get();
}

std::string ServerPool::password() const {
  if (cfg_.auth_file.empty()) return cfg_.redis_auth;
  std::ifstream f(cfg_.auth_file);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string pw = ss.str();
  while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
  return pw;
}

}  // namespace attache::ambassador::net
