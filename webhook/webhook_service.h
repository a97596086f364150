// The webhook's HTTP endpoints: /mutate (AdmissionReview v1), /healthz, /readyz, /metrics.
#pragma once

#include <functional>
#include <string>

#include "webhook/https_server.h"
#include "webhook/injector_config.h"
#include "webhook/metrics.h"
#include "webhook/references.h"

namespace attache::webhook {

// True when the webhook can serve; otherwise `why` says what it waits for.
using ReadinessCheck = std::function<bool(std::string* why)>;

class WebhookService {
 public:
  WebhookService(InjectorConfig cfg, ReferenceLookup& lookup, WebhookMetrics& metrics,
                 ReadinessCheck ready);

  // Thread-safe; never throws.
  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse mutate(const HttpRequest& request);

  const InjectorConfig cfg_;
  ReferenceLookup& lookup_;
  WebhookMetrics& metrics_;
  ReadinessCheck ready_;
};

}  // namespace attache::webhook
