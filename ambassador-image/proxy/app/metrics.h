// Renders the proxy's counters as Prometheus text at scrape time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ambassador-image/proxy/net/proxy.h"

namespace attache::ambassador::app {

struct ReloadStats {
  uint64_t successes = 0;
  uint64_t failures = 0;
  bool last_ok = true;
  uint64_t invalid_files = 0;  // files rejected at the last reload
};

std::string renderMetrics(const std::vector<net::ListenerView>& listeners,
                          const ReloadStats& reload, uint64_t requests_in_flight);

}  // namespace attache::ambassador::app
