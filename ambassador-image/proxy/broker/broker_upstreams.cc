#include "ambassador-image/proxy/broker/broker_upstreams.h"

#include <algorithm>

namespace attache::ambassador::broker {
namespace {

upstream::HealthPolicy brokerPolicy(int64_t max_backoff_ms) {
  upstream::HealthPolicy p;
  p.auto_eject = false;  // backoff only: a broker never re-homes data
  p.failure_limit = 1;
  p.retry_timeout_ms = std::max(max_backoff_ms, BrokerUpstreams::kMinBackoffMs);
  p.min_backoff_ms = BrokerUpstreams::kMinBackoffMs;
  return p;
}

}  // namespace

BrokerUpstreams::BrokerUpstreams(const std::vector<config::ServerConfig>& servers,
                                 int64_t max_backoff_ms) {
  update(servers, max_backoff_ms);
}

void BrokerUpstreams::update(const std::vector<config::ServerConfig>& servers,
                             int64_t max_backoff_ms) {
  policy_ = brokerPolicy(max_backoff_ms);
  std::vector<CandidatePtr> next;
  next.reserve(servers.size());
  for (const auto& s : servers) {
    auto same = std::find_if(candidates_.begin(), candidates_.end(), [&](const CandidatePtr& c) {
      return c->server.host == s.host && c->server.port == s.port;
    });
    if (same != candidates_.end()) {
      (*same)->server = s;
      next.push_back(*same);
    } else {
      auto c = std::make_shared<Candidate>();
      c->server = s;
      next.push_back(std::move(c));
    }
  }
  candidates_ = std::move(next);
}

int BrokerUpstreams::choose(int64_t now_ms, const std::vector<bool>& tried) const {
  auto untried = [&](size_t i) { return i >= tried.size() || !tried[i]; };
  const size_t n = candidates_.size();
  for (size_t i = 0; i < n; ++i) {
    if (untried(i) && candidates_[i]->up()) return static_cast<int>(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (untried(i) && candidates_[i]->health.mayConnect(now_ms)) return static_cast<int>(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (untried(i)) return static_cast<int>(i);
  }
  return -1;
}

bool BrokerUpstreams::recordFailure(Candidate& c, int64_t now_ms, FailureKind kind) const {
  const bool was_up = c.up();
  ++(kind == FailureKind::kHandshake ? c.stats.handshake_failures : c.stats.connect_failures);
  c.health.recordFailure(now_ms, policy_);
  return was_up;
}

bool BrokerUpstreams::recordSuccess(Candidate& c) const {
  const bool was_down = !c.up();
  c.health.recordSuccess();
  return was_down;
}

std::vector<CandidatePtr> BrokerUpstreams::dueForProbe(int64_t now_ms) const {
  std::vector<CandidatePtr> out;
  for (const auto& c : candidates_) {
    if (!c->up() && !c->probing && c->health.mayConnect(now_ms)) out.push_back(c);
  }
  return out;
}

size_t BrokerUpstreams::upCount() const {
  return static_cast<size_t>(
      std::count_if(candidates_.begin(), candidates_.end(), [](const auto& c) { return c->up(); }));
}

}  // namespace attache::ambassador::broker
