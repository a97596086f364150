#include "webhook/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace attache::webhook {

using prometheus::Counter;

struct WebhookMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  Counter* requests = nullptr;
  Counter* injections = nullptr;
  std::map<SkipReason, Counter*> skips;
  Counter* malformed = nullptr;
  Counter* denied = nullptr;
  Counter* internal = nullptr;
  prometheus::Histogram* latency = nullptr;
  Counter* cert_loads_ok = nullptr;
  Counter* cert_loads_failed = nullptr;
  Counter* cert_rotations = nullptr;
  prometheus::Gauge* cert_expiry = nullptr;
  Counter* registration_changes = nullptr;
  Counter* registration_errors = nullptr;

  Counter& counter(const std::string& name, const std::string& help,
                   const std::map<std::string, std::string>& labels = {}) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(*registry).Add(labels);
  }
};

WebhookMetrics::WebhookMetrics() : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.requests = &m.counter("attache_webhook_admission_requests_total",
                          "AdmissionReviews received on /mutate");
  m.injections = &m.counter("attache_webhook_injections_total", "Pods injected with an ambassador");
  auto& skips = prometheus::BuildCounter()
                    .Name("attache_webhook_skips_total")
                    .Help("Pods allowed unchanged, by reason")
                    .Register(*m.registry);
  for (SkipReason r : allSkipReasons()) {
    m.skips[r] = &skips.Add({{"reason", std::string(skipReasonName(r))}});
  }
  auto& failures =
      prometheus::BuildCounter()
          .Name("attache_webhook_failures_total")
          .Help("Reviews that failed: malformed (HTTP 400), denied pods, internal errors")
          .Register(*m.registry);
  m.malformed = &failures.Add({{"reason", "malformed-review"}});
  m.denied = &failures.Add({{"reason", "denied"}});
  m.internal = &failures.Add({{"reason", "internal"}});
  m.latency =
      &prometheus::BuildHistogram()
           .Name("attache_webhook_admission_duration_seconds")
           .Help("Time to handle one AdmissionReview, body parsed to response encoded")
           .Register(*m.registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001,
                                                            0.002, 0.005, 0.01, 0.025, 0.1, 0.5});
  auto& loads = prometheus::BuildCounter()
                    .Name("attache_webhook_certificate_loads_total")
                    .Help("Serving certificate loads by result (a failed load keeps the old one)")
                    .Register(*m.registry);
  m.cert_loads_ok = &loads.Add({{"result", "ok"}});
  m.cert_loads_failed = &loads.Add({{"result", "error"}});
  m.cert_rotations = &m.counter("attache_webhook_certificate_rotations_total",
                                "Serving certificates issued or replaced");
  m.cert_expiry = &prometheus::BuildGauge()
                       .Name("attache_webhook_certificate_expiry_timestamp_seconds")
                       .Help("notAfter of the serving certificate")
                       .Register(*m.registry)
                       .Add({});
  m.registration_changes =
      &m.counter("attache_webhook_registration_changes_total",
                 "MutatingWebhookConfiguration creations and repairs (caBundle reset, drift)");
  m.registration_errors = &m.counter("attache_webhook_registration_errors_total",
                                     "Failed MutatingWebhookConfiguration reconciliations");
}

WebhookMetrics::~WebhookMetrics() = default;

void WebhookMetrics::recordReview(const Mutation& mutation, double seconds) {
  impl_->requests->Increment();
  switch (mutation.outcome) {
    case Outcome::kInjected:
      impl_->injections->Increment();
      break;
    case Outcome::kSkipped:
      if (auto it = impl_->skips.find(mutation.reason); it != impl_->skips.end()) {
        it->second->Increment();
      }
      break;
    case Outcome::kDenied:
      (mutation.error.code == ErrorCode::kInternal ? impl_->internal : impl_->denied)->Increment();
      break;
  }
  impl_->latency->Observe(seconds);
}

void WebhookMetrics::recordMalformed(double seconds) {
  impl_->requests->Increment();
  impl_->malformed->Increment();
  impl_->latency->Observe(seconds);
}

void WebhookMetrics::recordCertificateLoad(bool ok, bool rotated, SystemTime not_after) {
  (ok ? impl_->cert_loads_ok : impl_->cert_loads_failed)->Increment();
  if (!ok) return;
  if (rotated) impl_->cert_rotations->Increment();
  impl_->cert_expiry->Set(static_cast<double>(
      std::chrono::duration_cast<std::chrono::seconds>(not_after.time_since_epoch()).count()));
}

void WebhookMetrics::recordRegistrationChange() { impl_->registration_changes->Increment(); }
void WebhookMetrics::recordRegistrationError() { impl_->registration_errors->Increment(); }

std::string WebhookMetrics::render() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace attache::webhook
