#include "operator/runtime/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <sstream>

namespace attache::controller {

struct OperatorMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& reconciles =
      prometheus::BuildCounter()
          .Name("attache_operator_reconcile_total")
          .Help("Reconciles by controller and result")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& errors =
      prometheus::BuildCounter()
          .Name("attache_operator_reconcile_errors_total")
          .Help("Reconciles that returned an error")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("attache_operator_reconcile_duration_seconds")
          .Help("Reconcile latency")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& writes =
      prometheus::BuildCounter()
          .Name("attache_operator_api_writes_total")
          .Help("Writes to the API server by resource and verb")
          .Register(*registry);
  struct Sampled {
    prometheus::Gauge* gauge;
    std::function<double()> sample;
  };
  std::mutex mu;  // guards sampled and the gauge families map
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauge_families;
  std::vector<Sampled> sampled;
};

OperatorMetrics::OperatorMetrics() : impl_(std::make_unique<Impl>()) {}
OperatorMetrics::~OperatorMetrics() = default;

void OperatorMetrics::observeReconcile(const std::string& controller, const std::string& result,
                                       double seconds) {
  impl_->reconciles.Add({{"controller", controller}, {"result", result}}).Increment();
  if (result == "error") impl_->errors.Add({{"controller", controller}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  impl_->latency.Add({{"controller", controller}}, kBuckets).Observe(seconds);
}

void OperatorMetrics::countWrite(const std::string& resource, const std::string& verb) {
  impl_->writes.Add({{"resource", resource}, {"verb", verb}}).Increment();
}

void OperatorMetrics::addGauge(const std::string& name, const std::string& help,
                               const std::string& label_key, const std::string& label_value,
                               std::function<double()> sample) {
  std::lock_guard lock(impl_->mu);
  auto& family = impl_->gauge_families[name];
  if (family == nullptr) {
    family = &prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry);
  }
  std::map<std::string, std::string> labels;
  if (!label_key.empty()) labels[label_key] = label_value;
  impl_->sampled.push_back({&family->Add(labels), std::move(sample)});
}

std::string OperatorMetrics::render() {
  {
    std::lock_guard lock(impl_->mu);
    for (auto& s : impl_->sampled) s.gauge->Set(s.sample());
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace attache::controller
