// Counters kept on the data path as plain integers (one event loop thread); the admin endpoint
// turns them into Prometheus metrics when scraped.
#pragma once

#include <array>
#include <cstdint>

namespace attache::ambassador::upstream {

class LatencyHistogram {
 public:
  // Upper bounds in seconds (Prometheus `le`), the last bucket is +Inf.
  static constexpr std::array<double, 14> kBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                     0.0025,  0.005,  0.01,    0.025,  0.05,
                                                     0.1,     0.25,   0.5,     1.0};
  void observeNs(uint64_t ns) {
    const double s = static_cast<double>(ns) * 1e-9;
    size_t i = 0;
    while (i < kBounds.size() && s > kBounds[i]) ++i;
    ++counts_[i];
    sum_seconds_ += s;
  }
  const std::array<uint64_t, 15>& counts() const { return counts_; }
  double sumSeconds() const { return sum_seconds_; }

 private:
  std::array<uint64_t, 15> counts_{};
  double sum_seconds_ = 0;
};

struct ServerStats {
  uint64_t requests = 0;
  uint64_t errors = 0;  // connection failures, timeouts and garbage from this server
  uint64_t timeouts = 0;
  uint64_t ejections = 0;
  uint64_t connects = 0;
  uint64_t connect_failures = 0;    // resolve, refused, timeout
  uint64_t handshake_failures = 0;  // TLS: refused certificate, name, protocol
  int64_t connections = 0;
  bool ejected = false;
  LatencyHistogram latency;
};

struct PoolStats {
  uint64_t requests = 0;
  uint64_t errors = 0;  // error replies the proxy produced
  uint64_t protocol_errors = 0;
  uint64_t client_connections_total = 0;
  int64_t client_connections = 0;
  uint64_t config_reloads = 0;
  uint64_t tls_reloads = 0;          // TLS credentials re-read after a change on disk
  uint64_t tls_reload_failures = 0;  // ... that failed (the previous ones stay)
  LatencyHistogram latency;
};

}  // namespace attache::ambassador::upstream
