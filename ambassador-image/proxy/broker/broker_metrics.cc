#include "ambassador-image/proxy/broker/broker_metrics.h"

#include "ambassador-image/proxy/broker/broker_runtime.h"

namespace attache::ambassador::broker {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

struct Family {
  MetricFamily f;
  Family(const char* name, const char* help, MetricType type) {
    f.name = name;
    f.help = help;
    f.type = type;
  }
  void add(Labels labels, double v) {
    ClientMetric m;
    m.label = std::move(labels);
    (f.type == MetricType::Counter ? m.counter.value : m.gauge.value) = v;
    f.metric.push_back(std::move(m));
  }
};

double d(uint64_t v) { return static_cast<double>(v); }
double d(int64_t v) { return static_cast<double>(v); }

}  // namespace

std::vector<MetricFamily> brokerMetricFamilies(const std::vector<BrokerListenerRef>& listeners) {
  const auto C = MetricType::Counter;
  const auto G = MetricType::Gauge;
  Family accepted("attache_broker_connections_total", "Client connections accepted.", C);
  Family open("attache_broker_connections", "Open client connections (connecting or relaying).", G);
  Family unavailable("attache_broker_unavailable_total",
                     "Client connections closed because no candidate could be reached.", C);
  Family bytes("attache_broker_bytes_total", "Bytes relayed, by direction.", C);
  Family idle("attache_broker_idle_timeouts_total", "Connections closed after the idle timeout.",
              C);
  Family resets("attache_broker_resets_total", "Connections ended by a socket or TLS error.", C);
  Family paused("attache_broker_backpressure_pauses_total",
                "Times a side was left unread because the other side was slow.", C);
  Family reloads("attache_broker_tls_reloads_total",
                 "TLS credentials re-read after their files changed, by result.", C);
  Family selected("attache_broker_upstream_selected_total",
                  "Client connections relayed to each candidate (the upstream choice).", C);
  Family up("attache_broker_upstream_up", "1 when the candidate takes new connections.", G);
  Family conns("attache_broker_upstream_connections", "Open connections to each candidate.", G);
  Family connect_failures("attache_broker_upstream_connect_failures_total",
                          "Failed connects (resolve, refused, timeout) per candidate.", C);
  Family handshake_failures("attache_broker_upstream_handshake_failures_total",
                            "Failed TLS handshakes (certificate, name, protocol) per candidate.",
                            C);
  for (const auto& [name, rt] : listeners) {
    const BrokerStats& st = rt->stats();
    accepted.add({{"listener", name}}, d(st.connections_total));
    open.add({{"listener", name}}, d(st.connections));
    unavailable.add({{"listener", name}}, d(st.unavailable));
    bytes.add({{"listener", name}, {"direction", "upstream"}}, d(st.bytes_upstream));
    bytes.add({{"listener", name}, {"direction", "downstream"}}, d(st.bytes_downstream));
    idle.add({{"listener", name}}, d(st.idle_timeouts));
    resets.add({{"listener", name}}, d(st.resets));
    paused.add({{"listener", name}}, d(st.backpressure_pauses));
    reloads.add({{"listener", name}, {"result", "success"}}, d(st.tls_reloads));
    reloads.add({{"listener", name}, {"result", "failure"}}, d(st.tls_reload_failures));
    for (const auto& c : rt->upstreams().candidates()) {
      Labels l{{"listener", name}, {"upstream", c->server.address()}};
      selected.add(l, d(c->stats.selected));
      up.add(l, c->up() ? 1 : 0);
      conns.add(l, d(c->stats.connections));
      connect_failures.add(l, d(c->stats.connect_failures));
      handshake_failures.add(l, d(c->stats.handshake_failures));
    }
  }
  std::vector<MetricFamily> out;
  for (Family* f : {&accepted, &open, &unavailable, &bytes, &idle, &resets, &paused, &reloads,
                    &selected, &up, &conns, &connect_failures, &handshake_failures}) {
    out.push_back(std::move(f->f));
  }
  return out;
}

}  // namespace attache::ambassador::broker
