// The self-managed certificates persisted in a Secret (makeSecretCertSource).
#include <optional>

#include "common/kube/kubeconfig.h"
#include "common/kube/resource.h"
#include "webhook/admission.h"
#include "webhook/cert_lifecycle.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

std::string decodedKey(const json& data, const char* key) {
  std::string b64 = stringMember(data, key);
  auto decoded = kube::base64Decode(b64);
  return decoded ? *decoded : std::string();
}

CertBundle bundleOf(const json& secret) {
  const json* data = member(secret, "data");
  if (data == nullptr) return {};
  return CertBundle{decodedKey(*data, "ca.crt"), decodedKey(*data, "ca.key"),
                    decodedKey(*data, "tls.crt"), decodedKey(*data, "tls.key")};
}

json secretData(const CertBundle& b) {
  return {{"ca.crt", base64Encode(b.ca_bundle)},
          {"ca.key", base64Encode(b.ca_key)},
          {"tls.crt", base64Encode(b.cert)},
          {"tls.key", base64Encode(b.key)}};
}

class SecretCertSource : public CertSource {
 public:
  SecretCertSource(kube::KubeClient& client, std::string ns, std::string name, CertPolicy policy)
      : client_(client), ns_(std::move(ns)), name_(std::move(name)), policy_(std::move(policy)) {}

  Result<TlsMaterial> load(SystemTime now) override {
    rotated_ = false;
    // Two rounds: when another replica wins the write, adopt its certificates.
    for (int round = 0; round < 2; ++round) {
      auto secret = read();
      if (!secret) return secret.error();
      CertBundle current = secret->has_value() ? bundleOf(**secret) : CertBundle{};
      CertPlan plan = planCertificates(current, policy_, now);
      if (plan.action == CertAction::kKeep) return materialOf(current);
      auto next = applyCertPlan(current, plan, policy_, now);
      if (!next) return next.error();
      Status written = write(*secret, *next);
      if (written.ok()) {
        rotated_ = true;
        return materialOf(*next);
      }
      if (written.error().code != ErrorCode::kConflict &&
          written.error().code != ErrorCode::kAlreadyExists) {
        return Error{written.error().code,
                     "writing Secret " + ns_ + "/" + name_ + ": " + written.error().message};
      }
    }
    return unavailable("Secret " + ns_ + "/" + name_ + " keeps changing; retrying later");
  }
  bool lastLoadRotated() const override { return rotated_; }

 private:
  // The Secret, nullopt when it does not exist.
  Result<std::optional<json>> read() {
    auto got = client_.get(kube::kSecrets, ns_, name_);
    if (got) return std::optional<json>(std::move(*got));
    if (got.error().code == ErrorCode::kNotFound) return std::optional<json>();
    return Error{got.error().code,
                 "reading Secret " + ns_ + "/" + name_ + ": " + got.error().message};
  }

  Status write(const std::optional<json>& existing, const CertBundle& next) {
    if (!existing) {
      json secret = {{"apiVersion", "v1"},
                     {"kind", "Secret"},
                     {"metadata",
                      {{"name", name_},
                       {"namespace", ns_},
                       {"labels", {{"app.kubernetes.io/managed-by", "attache-webhook"}}}}},
                     {"type", "kubernetes.io/tls"},
                     {"data", secretData(next)}};
      auto created = client_.create(kube::kSecrets, ns_, secret);
      if (!created) return created.error();
      return {};
    }
    json secret = *existing;  // keeps metadata.resourceVersion: a concurrent write conflicts
    secret["data"] = secretData(next);
    auto replaced = client_.replace(kube::kSecrets, ns_, secret);
    if (!replaced) return replaced.error();
    return {};
  }

  kube::KubeClient& client_;
  std::string ns_, name_;
  CertPolicy policy_;
  bool rotated_ = false;
};

}  // namespace

CertSourcePtr makeSecretCertSource(kube::KubeClient& client, std::string ns, std::string name,
                                   CertPolicy policy) {
  return std::make_unique<SecretCertSource>(client, std::move(ns), std::move(name),
                                            std::move(policy));
}

}  // namespace attache::webhook
