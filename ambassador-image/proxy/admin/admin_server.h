// The ambassador's admin endpoint: /healthz, /readyz, /metrics (Prometheus text) and, when a
// config handler is given, /config (the effective configuration as JSON). Boost.Beast on the
// proxy's event loop. The ambassador serves it twice: the full endpoint on loopback (--admin)
// and a status endpoint without /config on the pod IP for probes and scrapes (--status).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace attache::ambassador::admin {

struct AdminHandlers {
  std::function<bool(std::string* why)> ready;
  std::function<std::string()> metrics;  // Prometheus text exposition
  std::function<std::string()> config;   // JSON; empty: /config is not served
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, AdminHandlers handlers);
  ~AdminServer();
  // Binds "host:port" (port 0 picks a free one); returns the bound port. Errors name the
  // address, for the caller to prefix with its flag.
  Result<int> listen(const std::string& address);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attache::ambassador::admin
