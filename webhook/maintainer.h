// The webhook's background duty: keep the serving certificate current (renew, or reload changed
// files) and the MutatingWebhookConfiguration's caBundle (or whole configuration, in local mode)
// correct, every resync period.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/kube/kube_client.h"
#include "webhook/cert_lifecycle.h"
#include "webhook/metrics.h"
#include "webhook/registration.h"
#include "webhook/tls_context.h"

namespace attache::webhook {

using Clock = std::function<SystemTime()>;

class Maintainer {
 public:
  // `registration` nullopt: the configuration is not ours to touch (cert-manager's cainjector).
  Maintainer(CertSource& certs, TlsContextStore& tls, kube::KubeClient& client,
             std::optional<RegistrationOptions> registration, WebhookMetrics& metrics,
             std::chrono::milliseconds period, Clock clock);
  ~Maintainer();

  // The first certificate load (an error is fatal at startup).
  Status startup();
  // One round: certificates, then the registration. Public for tests.
  void tick();
  // Registers at once (call once the server listens), then ticks every period.
  void start();
  void stop();
  // True once the registration has been reconciled (always true when there is none).
  bool registered() const { return registered_.load(); }

 private:
  Status loadCertificates();
  void reconcileRegistration();

  CertSource& certs_;
  TlsContextStore& tls_;
  kube::KubeClient& client_;
  std::optional<RegistrationOptions> registration_;
  WebhookMetrics& metrics_;
  std::chrono::milliseconds period_;
  Clock clock_;
  TlsMaterial current_;
  std::atomic<bool> registered_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace attache::webhook
