// The ambassador's admin endpoint on loopback: /healthz, /readyz, /metrics (Prometheus text),
// /config (the effective configuration as JSON). Boost.Beast on the proxy's event loop.
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
  std::function<std::string()> config;   // JSON
};

class AdminServer {
 public:
  AdminServer(boost::asio::io_context& io, AdminHandlers handlers);
  ~AdminServer();
  // Binds "host:port" (port 0 picks a free one); returns the bound port.
  Result<int> listen(const std::string& address);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attache::ambassador::admin
