// Prometheus families for broker listeners: connections, bytes, handshake failures, the
// upstream chosen, and the health of each candidate. Rendered at scrape time from plain
// counters.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace attache::ambassador::broker {

class BrokerRuntime;

using BrokerListenerRef = std::pair<std::string, const BrokerRuntime*>;  // (listener, runtime)

std::vector<prometheus::MetricFamily> brokerMetricFamilies(
    const std::vector<BrokerListenerRef>& listeners);

}  // namespace attache::ambassador::broker
