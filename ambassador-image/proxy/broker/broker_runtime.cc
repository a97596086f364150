#include "ambassador-image/proxy/broker/broker_runtime.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

namespace attache::ambassador::broker {
namespace {

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// A client waiting for its upstream: owns the client socket until a session takes it.
struct BrokerRuntime::Pending {
  explicit Pending(int client_fd, SslCtxPtr tls) : fd(client_fd), ctx(std::move(tls)) {}
  ~Pending() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
  int fd;
  SslCtxPtr ctx;  // the credentials of the moment the client arrived
  std::vector<bool> tried;
  std::shared_ptr<UpstreamConnector> connector;
};

BrokerRuntime::BrokerRuntime(asio::io_context& io, config::PoolConfig cfg,
                             std::shared_ptr<spdlog::logger> log, SessionLimits limits)
    : io_(io),
      cfg_(std::move(cfg)),
      log_(std::move(log)),
      limits_(limits),
      upstreams_(cfg_.servers, cfg_.retry_timeout_ms),
      stats_(std::make_shared<BrokerStats>()),
      probe_timer_(io),
      alive_(std::make_shared<int>(0)) {
  limits_.idle_timeout = std::chrono::milliseconds(cfg_.idle_timeout_ms);
}

BrokerRuntime::~BrokerRuntime() { shutdown(false); }

Status BrokerRuntime::start() {
  if (cfg_.tls.enabled) {
    auto tls = TlsClientContext::create(cfg_.tls, nowMs());
    if (!tls.ok()) return invalidArgument("listener '" + cfg_.name + "': " + tls.error().message);
    tls_ = std::move(*tls);
  }
  for (const auto& c : upstreams_.candidates()) probe(c);
  return {};
}

Status BrokerRuntime::reconfigure(const config::PoolConfig& cfg) {
  if (cfg.tls != cfg_.tls) {
    std::unique_ptr<TlsClientContext> next;
    if (cfg.tls.enabled) {
      auto tls = TlsClientContext::create(cfg.tls, nowMs());
      if (!tls.ok()) return invalidArgument("listener '" + cfg.name + "': " + tls.error().message);
      next = std::move(*tls);
    }
    tls_ = std::move(next);
  }
  const auto before = upstreams_.candidates();
  upstreams_.update(cfg.servers, cfg.retry_timeout_ms);
  cfg_ = cfg;
  limits_.idle_timeout = std::chrono::milliseconds(cfg_.idle_timeout_ms);
  for (const auto& c : upstreams_.candidates()) {
    if (std::find(before.begin(), before.end(), c) == before.end()) probe(c);
  }
  return {};
}

void BrokerRuntime::adopt(int client_fd) {
  if (!accepting_) {
    ::close(client_fd);
    return;
  }
  ++stats_->connections_total;
  ++stats_->connections;
  maybeReloadTls();
  auto p = std::make_shared<Pending>(client_fd, tls_ ? tls_->context() : nullptr);
  pending_.push_back(p);
  connectNext(p);
}

void BrokerRuntime::connectNext(const std::shared_ptr<Pending>& p) {
  const int i = upstreams_.choose(nowMs(), p->tried);
  if (i < 0) {
    ++stats_->unavailable;
    dropPending(p);
    return;
  }
  const auto& candidates = upstreams_.candidates();
  p->tried.resize(candidates.size(), false);
  p->tried[static_cast<size_t>(i)] = true;
  CandidatePtr c = candidates[static_cast<size_t>(i)];
  SslPtr ssl;
  if (p->ctx != nullptr) {
    auto made = sslFor(p->ctx, *c);
    if (!made.ok()) {
      recordResult(*c, ConnectOutcome{nullptr, FailureKind::kHandshake, made.error().message});
      connectNext(p);
      return;
    }
    ssl = std::move(*made);
  }
  p->connector = std::make_shared<UpstreamConnector>(io_);
  p->connector->start(c->server, std::move(ssl),
                      std::chrono::milliseconds(std::max(cfg_.connect_timeout_ms, 1)),
                      [this, alive = std::weak_ptr<int>(alive_), p, c](ConnectOutcome out) {
                        if (alive.expired()) return;
                        onConnected(p, c, std::move(out));
                      });
}

void BrokerRuntime::onConnected(const std::shared_ptr<Pending>& p, const CandidatePtr& c,
                                ConnectOutcome out) {
  p->connector.reset();
  recordResult(*c, out);
  if (stopped_) {
    dropPending(p);
    return;
  }
  if (out.link == nullptr) {
    connectNext(p);
    return;
  }
  ++c->stats.selected;
  auto session =
      std::make_shared<BrokerSession>(io_, p->release(), std::move(out.link), c, stats_, limits_);
  std::erase(pending_, p);
  std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
  sessions_.push_back(session);
  session->start();
}

void BrokerRuntime::dropPending(const std::shared_ptr<Pending>& p) {
  if (p->connector != nullptr) p->connector->cancel();
  p->connector.reset();
  if (p->fd >= 0) --stats_->connections;
  ::close(p->release());
  std::erase(pending_, p);
}

Result<SslPtr> BrokerRuntime::sslFor(const SslCtxPtr& ctx, const Candidate& c) const {
  return newClientSsl(ctx, cfg_.tls, c.server.host);
}

void BrokerRuntime::maybeReloadTls() {
  if (tls_ == nullptr) return;
  std::string why;
  switch (tls_->maybeReload(nowMs(), &why)) {
    case TlsClientContext::Reload::kReloaded:
      ++stats_->tls_reloads;
      log_->info("TLS credentials reloaded listener={}", cfg_.name);
      break;
    case TlsClientContext::Reload::kFailed:
      ++stats_->tls_reload_failures;
      log_->warn("TLS credentials not reloaded, the previous ones stay listener={} error={}",
                 cfg_.name, why);
      break;
    case TlsClientContext::Reload::kUnchanged:
      break;
  }
}

void BrokerRuntime::recordResult(Candidate& c, const ConnectOutcome& out) {
  if (out.link != nullptr) {
    if (upstreams_.recordSuccess(c)) {
      log_->info("broker upstream up listener={} upstream={}", cfg_.name, c.server.address());
    }
    return;
  }
  if (upstreams_.recordFailure(c, nowMs(), out.failure)) {
    log_->warn("broker upstream down listener={} upstream={} stage={} error={}", cfg_.name,
               c.server.address(), out.failure == FailureKind::kHandshake ? "tls" : "connect",
               out.why);
  }
  scheduleProbes();
}

// A probe opens a link like a client would (TLS included) and closes it again.
void BrokerRuntime::probe(const CandidatePtr& c) {
  if (stopped_ || c->probing) return;
  SslPtr ssl;
  if (tls_ != nullptr) {
    maybeReloadTls();
    auto made = sslFor(tls_->context(), *c);
    if (!made.ok()) {
      recordResult(*c, ConnectOutcome{nullptr, FailureKind::kHandshake, made.error().message});
      return;
    }
    ssl = std::move(*made);
  }
  c->probing = true;
  auto connector = std::make_shared<UpstreamConnector>(io_);
  connector->start(c->server, std::move(ssl),
                   std::chrono::milliseconds(std::max(cfg_.connect_timeout_ms, 1)),
                   [this, alive = std::weak_ptr<int>(alive_), c](ConnectOutcome out) {
                     c->probing = false;
                     if (alive.expired() || stopped_) return;
                     recordResult(*c, out);  // the link, if any, closes here
                   });
}

void BrokerRuntime::scheduleProbes() {
  if (probe_scheduled_ || stopped_ || upstreams_.upCount() == upstreams_.candidates().size()) {
    return;
  }
  probe_scheduled_ = true;
  probe_timer_.expires_after(std::chrono::milliseconds(BrokerUpstreams::kMinBackoffMs));
  probe_timer_.async_wait(
      [this, alive = std::weak_ptr<int>(alive_)](const boost::system::error_code& ec) {
        if (ec || alive.expired()) return;
        probe_scheduled_ = false;
        for (const auto& c : upstreams_.dueForProbe(nowMs())) probe(c);
        scheduleProbes();
      });
}

bool BrokerRuntime::ready(std::string* why) const {
  if (!accepting_) {
    if (why != nullptr) *why = "listener " + cfg_.name + " is draining";
    return false;
  }
  if (upstreams_.upCount() == 0) {
    if (why != nullptr) *why = "listener " + cfg_.name + " has no upstream available";
    return false;
  }
  return true;
}

void BrokerRuntime::shutdown(bool graceful) {
  accepting_ = false;
  if (graceful || stopped_) return;
  stopped_ = true;
  probe_timer_.cancel();
  probe_scheduled_ = false;
  for (const auto& p : std::vector<std::shared_ptr<Pending>>(pending_)) dropPending(p);
  for (auto& w : sessions_) {
    if (auto s = w.lock()) s->close();
  }
  sessions_.clear();
}

}  // namespace attache::ambassador::broker
