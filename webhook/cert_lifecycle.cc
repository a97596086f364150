#include "webhook/cert_lifecycle.h"

#include <algorithm>

#include "common/kube/kubeconfig.h"
#include "webhook/admission.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

// True in the last third of [not_before, not_after] (or outside it).
bool dueForRenewal(const CertificateInfo& info, SystemTime now) {
  auto lifetime = info.not_after - info.not_before;
  return now >= info.not_after - lifetime / 3 || now < info.not_before;
}

bool covers(const std::vector<std::string>& have, const std::vector<std::string>& want) {
  return std::all_of(want.begin(), want.end(), [&](const std::string& w) {
    return std::find(have.begin(), have.end(), w) != have.end();
  });
}

CertPlan planServing(const CertBundle& current, const CertPolicy& policy, SystemTime now) {
  if (current.cert.empty() || current.key.empty()) {
    return {CertAction::kIssueServing, "no serving certificate"};
  }
  auto info = inspectCertificate(current.cert);
  if (!info) return {CertAction::kIssueServing, "serving certificate unreadable"};
  if (!checkKeyMatches(current.cert, current.key)) {
    return {CertAction::kIssueServing, "serving key does not match"};
  }
  if (!checkIssuedBy(current.cert, current.ca_bundle, now)) {
    return {CertAction::kIssueServing, "serving certificate not issued by the current CA"};
  }
  if (!covers(info->dns_names, policy.dns_names) ||
      !covers(info->ip_addresses, policy.ip_addresses)) {
    return {CertAction::kIssueServing, "serving certificate lacks a required name"};
  }
  if (dueForRenewal(*info, now)) return {CertAction::kIssueServing, "serving certificate expiring"};
  return {CertAction::kKeep, "valid"};
}

}  // namespace

CertPlan planCertificates(const CertBundle& current, const CertPolicy& policy, SystemTime now) {
  if (current.ca_bundle.empty() || current.ca_key.empty()) return {CertAction::kRotateCa, "no CA"};
  auto ca = inspectCertificate(current.ca_bundle);
  if (!ca || !ca->is_ca) return {CertAction::kRotateCa, "CA certificate unreadable"};
  if (!checkKeyMatches(current.ca_bundle, current.ca_key)) {
    return {CertAction::kRotateCa, "CA key does not match"};
  }
  if (dueForRenewal(*ca, now)) return {CertAction::kRotateCa, "CA expiring"};
  return planServing(current, policy, now);
}

Result<CertBundle> applyCertPlan(const CertBundle& current, const CertPlan& plan,
                                 const CertPolicy& policy, SystemTime now) {
  if (plan.action == CertAction::kKeep) return current;
  CertBundle next = current;
  if (plan.action == CertAction::kRotateCa) {
    auto ca = generateCa(policy.common_name + "-ca", now, policy.ca_validity);
    if (!ca) return ca.error();
    next.ca_bundle = ca->cert_pem;
    next.ca_key = ca->key_pem;
    // Keep the previous CA (only the newest one) while it is still valid.
    auto previous = splitPemBundle(current.ca_bundle);
    if (!previous.empty()) {
      auto info = inspectCertificate(previous.front());
      if (info && info->is_ca && info->not_after > now) next.ca_bundle += previous.front();
    }
  }
  auto serving =
      issueServingCert({next.ca_bundle, next.ca_key}, policy.common_name, policy.dns_names,
                       policy.ip_addresses, now, policy.serving_validity);
  if (!serving) return serving.error();
  next.cert = serving->cert_pem;
  next.key = serving->key_pem;
  return next;
}

TlsMaterial materialOf(const CertBundle& bundle) {
  return TlsMaterial{bundle.cert, bundle.key, bundle.ca_bundle};
}

namespace {

class FileCertSource : public CertSource {
 public:
  FileCertSource(std::string cert, std::string key, std::string ca)
      : cert_file_(std::move(cert)), key_file_(std::move(key)), ca_file_(std::move(ca)) {}

  Result<TlsMaterial> load(SystemTime) override {
    TlsMaterial m;
    auto cert = kube::readTextFile(cert_file_, "--tls-cert-file");
    if (!cert) return cert.error();
    auto key = kube::readTextFile(key_file_, "--tls-key-file");
    if (!key) return key.error();
    if (auto st = checkKeyMatches(*cert, *key); !st) {
      return invalidArgument("--tls-cert-file/--tls-key-file: " + st.error().message);
    }
    m.cert_pem = std::move(*cert);
    m.key_pem = std::move(*key);
    if (!ca_file_.empty()) {
      auto ca = kube::readTextFile(ca_file_, "--tls-ca-file");
      if (!ca) return ca.error();
      m.ca_bundle_pem = std::move(*ca);
    }
    rotated_ = !last_.cert_pem.empty() && !(m == last_);
    last_ = m;
    return m;
  }
  bool lastLoadRotated() const override { return rotated_; }

 private:
  std::string cert_file_, key_file_, ca_file_;
  TlsMaterial last_;
  bool rotated_ = false;
};

class EphemeralCertSource : public CertSource {
 public:
  explicit EphemeralCertSource(CertPolicy policy) : policy_(std::move(policy)) {}

  Result<TlsMaterial> load(SystemTime now) override {
    CertPlan plan = planCertificates(bundle_, policy_, now);
    rotated_ = plan.action != CertAction::kKeep;
    auto next = applyCertPlan(bundle_, plan, policy_, now);
    if (!next) return next.error();
    bundle_ = std::move(*next);
    return materialOf(bundle_);
  }
  bool lastLoadRotated() const override { return rotated_; }

 private:
  CertPolicy policy_;
  CertBundle bundle_;
  bool rotated_ = false;
};

}  // namespace

CertSourcePtr makeFileCertSource(std::string cert_file, std::string key_file, std::string ca_file) {
  return std::make_unique<FileCertSource>(std::move(cert_file), std::move(key_file),
                                          std::move(ca_file));
}

CertSourcePtr makeEphemeralCertSource(CertPolicy policy) {
  return std::make_unique<EphemeralCertSource>(std::move(policy));
}

}  // namespace attache::webhook
