#include "webhook/maintainer.h"

#include "common/logging.h"

namespace attache::webhook {
namespace {

SystemTime notAfter(const TlsMaterial& m) {
  auto info = inspectCertificate(m.cert_pem);
  return info ? info->not_after : SystemTime{};
}

}  // namespace

Maintainer::Maintainer(CertSource& certs, TlsContextStore& tls, kube::KubeClient& client,
                       std::optional<RegistrationOptions> registration, WebhookMetrics& metrics,
                       std::chrono::milliseconds period, Clock clock)
    : certs_(certs),
      tls_(tls),
      client_(client),
      registration_(std::move(registration)),
      metrics_(metrics),
      period_(period),
      clock_(std::move(clock)) {
  if (!registration_) registered_ = true;
}

Maintainer::~Maintainer() { stop(); }

Status Maintainer::loadCertificates() {
  auto log = componentLogger("webhook");
  auto loaded = certs_.load(clock_());
  if (!loaded) {
    metrics_.recordCertificateLoad(false, false, {});
    return loaded.error();
  }
  if (*loaded == current_) return {};
  bool ca_changed = loaded->ca_bundle_pem != current_.ca_bundle_pem;
  if (ca_changed && registration_ && !current_.cert_pem.empty()) {
    // Trust first, then serve: the bundle holds the old and the new CA.
    current_.ca_bundle_pem = loaded->ca_bundle_pem;
    reconcileRegistration();
  }
  if (auto st = tls_.update(*loaded); !st) {
    metrics_.recordCertificateLoad(false, false, {});
    return st;
  }
  bool first = current_.cert_pem.empty();
  current_ = *loaded;
  SystemTime expiry = notAfter(current_);
  metrics_.recordCertificateLoad(true, !first || certs_.lastLoadRotated(), expiry);
  log->info("serving certificate loaded not_after={} rotated={}",
            std::chrono::duration_cast<std::chrono::seconds>(expiry.time_since_epoch()).count(),
            certs_.lastLoadRotated());
  return {};
}

void Maintainer::reconcileRegistration() {
  if (!registration_ || current_.ca_bundle_pem.empty()) return;
  auto log = componentLogger("webhook");
  auto change = webhook::reconcileRegistration(client_, *registration_, current_.ca_bundle_pem);
  if (!change) {
    metrics_.recordRegistrationError();
    log->warn("cannot reconcile the MutatingWebhookConfiguration name={} error={}",
              registration_->config_name, change.error().toString());
    return;
  }
  if (*change != RegistrationChange::kNone) {
    metrics_.recordRegistrationChange();
    log->info("MutatingWebhookConfiguration {} name={}",
              *change == RegistrationChange::kCreated ? "created" : "updated",
              registration_->config_name);
  }
  registered_ = true;
}

Status Maintainer::startup() { return loadCertificates(); }

void Maintainer::tick() {
  if (auto st = loadCertificates(); !st) {
    componentLogger("webhook")->warn("certificate reload failed; keeping the current one error={}",
                                     st.error().toString());
  }
  reconcileRegistration();
}

void Maintainer::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    reconcileRegistration();  // now that the server listens
    std::unique_lock wait_lock(mu_);
    while (!cv_.wait_for(wait_lock, period_, [this] { return stopping_; })) {
      wait_lock.unlock();
      tick();
      wait_lock.lock();
    }
  });
}

void Maintainer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace attache::webhook
