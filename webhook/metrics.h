// The webhook's Prometheus metrics (prometheus-cpp core, text exposition served on /metrics).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "webhook/certificates.h"
#include "webhook/mutate.h"

namespace attache::webhook {

class WebhookMetrics {
 public:
  WebhookMetrics();
  ~WebhookMetrics();
  WebhookMetrics(const WebhookMetrics&) = delete;
  WebhookMetrics& operator=(const WebhookMetrics&) = delete;

  // One admission review: requests, then injections / skips{reason} / failures{reason}, latency.
  void recordReview(const Mutation& mutation, double seconds);
  // A /mutate request that was not a valid AdmissionReview (HTTP 400).
  void recordMalformed(double seconds);
  // A certificate load (startup, rotation, file change): ok or failed (the old one stays).
  void recordCertificateLoad(bool ok, bool rotated, SystemTime not_after);
  // The MutatingWebhookConfiguration had to be created or repaired.
  void recordRegistrationChange();
  void recordRegistrationError();

  // Prometheus text format 0.0.4.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attache::webhook
