// Where the webhook's serving certificate comes from, and when it is renewed.
//
// Self-managed: a CA and a serving certificate generated with OpenSSL, kept in a Secret (shared
// by replicas) or in memory (local mode); renewed when less than a third of a lifetime remains.
// A new CA stays in the trust bundle with the previous one until the previous one expires, so
// API servers that still trust only the old CA keep working while the caBundle is re-patched.
// Files: cert-manager's mounted tls.crt / tls.key (and optionally ca.crt), re-read on every load.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/kube/kube_client.h"
#include "common/result.h"
#include "webhook/certificates.h"

namespace attache::webhook {

struct TlsMaterial {
  std::string cert_pem;       // serving certificate (chain)
  std::string key_pem;        // its private key
  std::string ca_bundle_pem;  // what the API server should trust; "" when unknown
  bool operator==(const TlsMaterial&) const = default;
};

struct CertPolicy {
  std::string common_name = "attache-webhook";
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  std::chrono::seconds ca_validity = std::chrono::hours(24 * 365);
  std::chrono::seconds serving_validity = std::chrono::hours(24 * 90);
};

// The self-managed state: the Secret's ca.crt (current CA first), ca.key, tls.crt, tls.key.
struct CertBundle {
  std::string ca_bundle, ca_key, cert, key;
  bool operator==(const CertBundle&) const = default;
};

enum class CertAction { kKeep, kIssueServing, kRotateCa };

struct CertPlan {
  CertAction action = CertAction::kKeep;
  std::string reason;
};

// Pure: what to do with `current` at `now`. The CA rotates when missing, invalid, mismatched or
// in the last third of its lifetime; the serving certificate when missing, not issued by the
// current CA, missing a required name, or in the last third of its lifetime.
CertPlan planCertificates(const CertBundle& current, const CertPolicy& policy, SystemTime now);

// Carries out a plan (new keys: not pure). A rotated CA's predecessor stays in the bundle until
// it expires.
Result<CertBundle> applyCertPlan(const CertBundle& current, const CertPlan& plan,
                                 const CertPolicy& policy, SystemTime now);

TlsMaterial materialOf(const CertBundle& bundle);

class CertSource {
 public:
  virtual ~CertSource() = default;
  // The material to serve now, renewing it first when due. An error keeps the caller's last
  // good material.
  virtual Result<TlsMaterial> load(SystemTime now) = 0;
  // True when the last load() renewed or replaced the certificate (for metrics and logs).
  virtual bool lastLoadRotated() const = 0;
};
using CertSourcePtr = std::unique_ptr<CertSource>;

// cert-manager: the files as they are now (`ca_file` optional). kInvalidArgument names the file.
CertSourcePtr makeFileCertSource(std::string cert_file, std::string key_file, std::string ca_file);

// Self-managed in memory: a restart brings a new CA.
CertSourcePtr makeEphemeralCertSource(CertPolicy policy);

// Self-managed in Secret `ns`/`name` (type kubernetes.io/tls with ca.crt and ca.key). Replicas
// converge on whichever write wins (optimistic concurrency).
CertSourcePtr makeSecretCertSource(kube::KubeClient& client, std::string ns, std::string name,
                                   CertPolicy policy);

}  // namespace attache::webhook
