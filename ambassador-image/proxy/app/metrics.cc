#include "ambassador-image/proxy/app/metrics.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include "ambassador-image/proxy/broker/broker_metrics.h"
#include "ambassador-image/proxy/net/server_pool.h"

namespace attache::ambassador::app {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const std::string& name, const std::string& help, MetricType type) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  return f;
}

void addValue(MetricFamily& f, std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter) {
    m.counter.value = v;
  } else {
    m.gauge.value = v;
  }
  f.metric.push_back(std::move(m));
}

void addHistogram(MetricFamily& f, std::vector<ClientMetric::Label> labels,
                  const upstream::LatencyHistogram& h) {
  ClientMetric m;
  m.label = std::move(labels);
  uint64_t cumulative = 0;
  const auto& counts = h.counts();
  for (size_t i = 0; i < upstream::LatencyHistogram::kBounds.size(); ++i) {
    cumulative += counts[i];
    m.histogram.bucket.push_back({cumulative, upstream::LatencyHistogram::kBounds[i]});
  }
  cumulative += counts.back();
  m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = h.sumSeconds();
  f.metric.push_back(std::move(m));
}

}  // namespace

std::string renderMetrics(const std::vector<net::ListenerView>& listeners,
                          const ReloadStats& reload, uint64_t requests_in_flight) {
  auto requests = family("attache_listener_requests_total", "Requests received from clients.",
                         MetricType::Counter);
  auto errors =
      family("attache_listener_errors_total",
             "Error replies sent to clients (proxy-made or from shards).", MetricType::Counter);
  auto proto = family("attache_listener_protocol_errors_total", "Malformed client requests.",
                      MetricType::Counter);
  auto clients =
      family("attache_listener_client_connections", "Open client connections.", MetricType::Gauge);
  auto latency = family("attache_listener_request_duration_seconds",
                        "Time from a request's arrival to its reply.", MetricType::Histogram);
  auto s_requests =
      family("attache_server_requests_total", "Requests sent to a shard.", MetricType::Counter);
  auto s_errors =
      family("attache_server_errors_total",
             "Connection failures, timeouts and invalid replies per shard.", MetricType::Counter);
  auto s_timeouts = family("attache_server_timeouts_total", "Requests that timed out per shard.",
                           MetricType::Counter);
  auto s_ejections = family("attache_server_ejections_total",
                            "Times a shard was ejected from the ring.", MetricType::Counter);
  auto s_conns =
      family("attache_server_connections", "Open connections to a shard.", MetricType::Gauge);
  auto s_connect_failures =
      family("attache_server_connect_failures_total",
             "Failed connects (resolve, refused, timeout) per shard.", MetricType::Counter);
  auto s_handshake_failures =
      family("attache_server_handshake_failures_total",
             "Failed TLS handshakes (certificate, name, protocol) per shard.", MetricType::Counter);
  auto tls_reloads =
      family("attache_listener_tls_reloads_total",
             "TLS credentials re-read after their files changed, by result.", MetricType::Counter);
  auto s_up =
      family("attache_server_up", "1 when the shard is usable, 0 when ejected or unreachable.",
             MetricType::Gauge);
  auto s_latency = family("attache_server_request_duration_seconds", "Shard round trip time.",
                          MetricType::Histogram);
  std::vector<broker::BrokerListenerRef> brokers;
  for (const auto& l : listeners) {
    if (l.broker != nullptr) brokers.emplace_back(l.config->name, l.broker.get());
    if (l.pool == nullptr) continue;
    auto& st = l.pool->stats();
    std::vector<ClientMetric::Label> ll{{"listener", l.config->name}};
    addValue(requests, ll, static_cast<double>(st.requests));
    addValue(errors, ll, static_cast<double>(st.errors));
    addValue(proto, ll, static_cast<double>(st.protocol_errors));
    addValue(clients, ll, static_cast<double>(st.client_connections));
    addHistogram(latency, ll, st.latency);
    addValue(tls_reloads, {{"listener", l.config->name}, {"result", "success"}},
             static_cast<double>(st.tls_reloads));
    addValue(tls_reloads, {{"listener", l.config->name}, {"result", "failure"}},
             static_cast<double>(st.tls_reload_failures));
    for (int i = 0; i < static_cast<int>(l.pool->serverCount()); ++i) {
      auto& ss = l.pool->serverStats(i);
      std::vector<ClientMetric::Label> sl{{"listener", l.config->name},
                                          {"server", l.pool->server(i).name}};
      addValue(s_requests, sl, static_cast<double>(ss.requests));
      addValue(s_errors, sl, static_cast<double>(ss.errors));
      addValue(s_timeouts, sl, static_cast<double>(ss.timeouts));
      addValue(s_ejections, sl, static_cast<double>(ss.ejections));
      addValue(s_conns, sl, static_cast<double>(ss.connections));
      addValue(s_connect_failures, sl, static_cast<double>(ss.connect_failures));
      addValue(s_handshake_failures, sl, static_cast<double>(ss.handshake_failures));
      addValue(s_up, sl, l.pool->serverUp(i) ? 1 : 0);
      addHistogram(s_latency, sl, ss.latency);
    }
  }
  auto reloads = family("attache_config_reloads_total", "Configuration reloads by result.",
                        MetricType::Counter);
  addValue(reloads, {{"result", "success"}}, static_cast<double>(reload.successes));
  addValue(reloads, {{"result", "failure"}}, static_cast<double>(reload.failures));
  auto last = family("attache_config_last_reload_successful",
                     "1 when the last reload applied every file.", MetricType::Gauge);
  addValue(last, {}, reload.last_ok ? 1 : 0);
  auto invalid = family("attache_config_invalid_files",
                        "Listener files rejected at the last reload (the last good config stays).",
                        MetricType::Gauge);
  addValue(invalid, {}, static_cast<double>(reload.invalid_files));
  auto inflight =
      family("attache_requests_in_flight", "Requests awaiting a reply.", MetricType::Gauge);
  addValue(inflight, {}, static_cast<double>(requests_in_flight));
  std::vector<MetricFamily> all;
  for (auto* f : {&requests, &errors, &proto, &clients, &latency, &tls_reloads, &s_requests,
                  &s_errors, &s_timeouts, &s_ejections, &s_conns, &s_connect_failures,
                  &s_handshake_failures, &s_up, &s_latency, &reloads, &last, &invalid, &inflight}) {
    all.push_back(std::move(*f));
  }
  for (auto& f : broker::brokerMetricFamilies(brokers)) all.push_back(std::move(f));
  return prometheus::TextSerializer().Serialize(all);
}

}  // namespace attache::ambassador::app
