// The runtime of one broker listener: takes accepted clients, connects each to the first
// candidate that works (failing over in order, with a connect timeout per candidate), then
// relays bytes in a BrokerSession. Down candidates are probed with backoff; the TLS client
// credentials are re-read when their files change. Reconfiguring keeps open connections.
#pragma once

#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "ambassador-image/proxy/broker/broker_session.h"
#include "ambassador-image/proxy/broker/broker_upstreams.h"
#include "ambassador-image/proxy/broker/tls_client_context.h"
#include "ambassador-image/proxy/config/pool_config.h"
#include "common/result.h"

namespace attache::ambassador::broker {

class BrokerRuntime {
 public:
  // `limits` sizes the sessions; their idle timeout comes from cfg.idle_timeout_ms.
  BrokerRuntime(asio::io_context& io, config::PoolConfig cfg, std::shared_ptr<spdlog::logger> log,
                SessionLimits limits = {});
  ~BrokerRuntime();
  BrokerRuntime(const BrokerRuntime&) = delete;
  BrokerRuntime& operator=(const BrokerRuntime&) = delete;

  // Loads the TLS credentials and probes the candidates; the error names the bad field.
  Status start();
  // A reloaded configuration for new connections; open ones keep their upstream and their
  // idle timeout. An invalid TLS setting keeps the previous configuration.
  Status reconfigure(const config::PoolConfig& cfg);

  // Takes ownership of an accepted, non-blocking client socket.
  void adopt(int client_fd);
  // At least one candidate is up and the listener takes clients.
  bool ready(std::string* why) const;
  // graceful: take no more clients and let open connections finish. Otherwise close them now.
  void shutdown(bool graceful);
  int64_t openConnections() const { return stats_->connections; }

  const config::PoolConfig& config() const { return cfg_; }
  const BrokerStats& stats() const { return *stats_; }
  const BrokerUpstreams& upstreams() const { return upstreams_; }

 private:
  struct Pending;
  void connectNext(const std::shared_ptr<Pending>& p);
  void onConnected(const std::shared_ptr<Pending>& p, const CandidatePtr& c, ConnectOutcome out);
  void dropPending(const std::shared_ptr<Pending>& p);
  Result<SslPtr> sslFor(const SslCtxPtr& ctx, const Candidate& c) const;
  void maybeReloadTls();
  void recordResult(Candidate& c, const ConnectOutcome& out);
  void probe(const CandidatePtr& c);
  void scheduleProbes();

  asio::io_context& io_;
  config::PoolConfig cfg_;
  std::shared_ptr<spdlog::logger> log_;
  SessionLimits limits_;
  BrokerUpstreams upstreams_;
  std::unique_ptr<TlsClientContext> tls_;
  std::shared_ptr<BrokerStats> stats_;
  asio::steady_timer probe_timer_;
  std::vector<std::shared_ptr<Pending>> pending_;
  std::vector<std::weak_ptr<BrokerSession>> sessions_;
  std::shared_ptr<int> alive_;  // callbacks of connectors check it before touching `this`
  bool probe_scheduled_ = false;
  bool accepting_ = true;
  bool stopped_ = false;
};

}  // namespace attache::ambassador::broker
