// Failure accounting for one upstream server, with twemproxy's semantics:
// `failure_limit` consecutive failures eject the server from the ring for `retry_timeout`
// (auto_eject_hosts); a success resets the count. Without auto-eject (data-store mode) the
// server keeps its keys and reconnects are spaced by exponential backoff. Pure: the caller
// passes the time.
#pragma once

#include <algorithm>
#include <cstdint>

namespace attache::ambassador::upstream {

struct HealthPolicy {
  bool auto_eject = false;
  int failure_limit = 2;
  int64_t retry_timeout_ms = 30000;
  int64_t min_backoff_ms = 50;
};

class ServerHealth {
 public:
  // Returns true when this failure ejects the server.
  bool recordFailure(int64_t now_ms, const HealthPolicy& policy) {
    ++failures_;
    ++consecutive_connect_failures_;
    int64_t backoff = policy.min_backoff_ms << std::min(consecutive_connect_failures_ - 1, 10);
    backoff = std::min(backoff, std::max<int64_t>(policy.retry_timeout_ms, policy.min_backoff_ms));
    next_connect_ms_ = now_ms + backoff;
    if (!policy.auto_eject || failures_ < policy.failure_limit) return false;
    failures_ = 0;
    ejected_until_ms_ = now_ms + policy.retry_timeout_ms;
    next_connect_ms_ = ejected_until_ms_;
    return true;
  }
  void recordSuccess() {
    failures_ = 0;
    consecutive_connect_failures_ = 0;
    next_connect_ms_ = 0;
  }
  // Out of the ring until retryAt().
  bool ejected(int64_t now_ms) const { return now_ms < ejected_until_ms_; }
  int64_t retryAt() const { return ejected_until_ms_; }
  // A connect attempt is allowed (backoff over).
  bool mayConnect(int64_t now_ms) const { return now_ms >= next_connect_ms_; }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
  int consecutive_connect_failures_ = 0;
  int64_t ejected_until_ms_ = 0;
  int64_t next_connect_ms_ = 0;
};

}  // namespace attache::ambassador::upstream
