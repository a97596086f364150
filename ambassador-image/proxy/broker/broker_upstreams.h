// The ordered upstream candidates of a broker listener and their health. A new connection goes
// to the first candidate that is up; a failed candidate is down (skipped) until a retry after
// its backoff succeeds: a background probe, or a connection when nothing better is left. Pure:
// the caller passes the time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ambassador-image/proxy/config/pool_config.h"
#include "ambassador-image/proxy/upstream/server_health.h"

namespace attache::ambassador::broker {

struct CandidateStats {
  uint64_t selected = 0;            // connections relayed to this candidate
  uint64_t connect_failures = 0;    // resolve, connect, timeout
  uint64_t handshake_failures = 0;  // TLS: refused certificate, name, protocol
  int64_t connections = 0;          // open now
};

struct Candidate {
  config::ServerConfig server;
  upstream::ServerHealth health;
  CandidateStats stats;
  bool probing = false;
  bool up() const { return health.failures() == 0; }
};
using CandidatePtr = std::shared_ptr<Candidate>;

enum class FailureKind { kConnect, kHandshake };

class BrokerUpstreams {
 public:
  static constexpr int64_t kMinBackoffMs = 100;

  BrokerUpstreams(const std::vector<config::ServerConfig>& servers, int64_t max_backoff_ms);

  // A new candidate list (reload): candidates whose address stays keep health and counters.
  void update(const std::vector<config::ServerConfig>& servers, int64_t max_backoff_ms);

  // The next candidate for a connection that already tried `tried` (same indexing as
  // candidates(); shorter means untried): the first one up; else the first whose backoff is
  // over; else, everything being down, the first untried one (never refuse without trying).
  // -1 when every candidate was tried.
  int choose(int64_t now_ms, const std::vector<bool>& tried) const;

  // True when this failure took the candidate down.
  bool recordFailure(Candidate& c, int64_t now_ms, FailureKind kind) const;
  // True when the candidate came back up.
  bool recordSuccess(Candidate& c) const;

  // Down candidates whose backoff is over and which no probe is checking.
  std::vector<CandidatePtr> dueForProbe(int64_t now_ms) const;

  size_t upCount() const;
  const std::vector<CandidatePtr>& candidates() const { return candidates_; }

 private:
  std::vector<CandidatePtr> candidates_;
  upstream::HealthPolicy policy_;
};

}  // namespace attache::ambassador::broker
