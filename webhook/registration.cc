#include "webhook/registration.h"

#include "common/kube/resource.h"
#include "webhook/admission.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

json namespaceSelector(const RegistrationOptions& o) {
  json expressions = json::array();
  if (!o.excluded_namespaces.empty()) {
    expressions.push_back({{"key", "kubernetes.io/metadata.name"},
                           {"operator", "NotIn"},
                           {"values", o.excluded_namespaces}});
  }
  if (o.require_namespace_label) {
    expressions.push_back({{"key", o.namespace_label_key},
                           {"operator", "In"},
                           {"values", json::array({o.namespace_label_value})}});
  }
  return {{"matchExpressions", std::move(expressions)}};
}

json webhookEntry(const RegistrationOptions& o, const std::string& ca_bundle_pem) {
  return {
      {"name", o.webhook_name},
      {"clientConfig", {{"url", o.url}, {"caBundle", base64Encode(ca_bundle_pem)}}},
      {"rules", json::array({{{"apiGroups", json::array({""})},
                              {"apiVersions", json::array({"v1"})},
                              {"operations", json::array({"CREATE"})},
                              {"resources", json::array({"pods"})},
                              {"scope", "Namespaced"}}})},
      {"admissionReviewVersions", json::array({"v1"})},
      {"sideEffects", "None"},
      {"failurePolicy", o.failure_policy},
      {"matchPolicy", "Equivalent"},
      {"reinvocationPolicy", "Never"},
      {"timeoutSeconds", o.timeout_seconds},
      {"namespaceSelector", namespaceSelector(o)},
      {"objectSelector", json::object()},
  };
}

Result<RegistrationChange> reconcileLocal(kube::KubeClient& client, const RegistrationOptions& o,
                                          const std::string& ca_bundle_pem) {
  json desired = desiredWebhookConfiguration(o, ca_bundle_pem);
  auto current = client.get(kube::kMutatingWebhookConfigurations, "", o.config_name);
  if (!current) {
    if (current.error().code != ErrorCode::kNotFound) return current.error();
    auto created = client.create(kube::kMutatingWebhookConfigurations, "", desired);
    if (!created) return created.error();
    return RegistrationChange::kCreated;
  }
  const json* webhooks = member(*current, "webhooks");
  if (webhooks != nullptr && webhooks->is_array() && webhooks->size() == 1 &&
      containsAll((*webhooks)[0], desired["webhooks"][0])) {
    return RegistrationChange::kNone;
  }
  json updated = *current;
  updated["webhooks"] = desired["webhooks"];
  auto replaced = client.replace(kube::kMutatingWebhookConfigurations, "", updated);
  if (!replaced) return replaced.error();
  return RegistrationChange::kUpdated;
}

Result<RegistrationChange> reconcileCaBundle(kube::KubeClient& client, const RegistrationOptions& o,
                                             const std::string& ca_bundle_pem) {
  auto current = client.get(kube::kMutatingWebhookConfigurations, "", o.config_name);
  if (!current) return current.error();
  std::string want = base64Encode(ca_bundle_pem);
  json updated = *current;
  bool changed = false;
  if (updated.contains("webhooks") && updated["webhooks"].is_array()) {
    for (json& w : updated["webhooks"]) {
      if (!w.is_object()) continue;
      json& client_config = objectMember(w, "clientConfig");
      if (stringMember(client_config, "caBundle") != want) {
        client_config["caBundle"] = want;
        changed = true;
      }
    }
  }
  if (!changed) return RegistrationChange::kNone;
  auto replaced = client.replace(kube::kMutatingWebhookConfigurations, "", updated);
  if (!replaced) return replaced.error();
  return RegistrationChange::kUpdated;
}

}  // namespace

json desiredWebhookConfiguration(const RegistrationOptions& options,
                                 const std::string& ca_bundle_pem) {
  return {{"apiVersion", "admissionregistration.k8s.io/v1"},
          {"kind", "MutatingWebhookConfiguration"},
          {"metadata",
           {{"name", options.config_name},
            {"labels", {{"app.kubernetes.io/managed-by", "attache-webhook"}}}}},
          {"webhooks", json::array({webhookEntry(options, ca_bundle_pem)})}};
}

bool containsAll(const json& have, const json& want) {
  if (want.is_object()) {
    if (!have.is_object()) return false;
    for (const auto& [key, value] : want.items()) {
      auto it = have.find(key);
      if (it == have.end()) {
        if (value.is_object() && value.empty()) continue;  // {} is the same as absent
        return false;
      }
      if (!containsAll(*it, value)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!have.is_array() || have.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      if (!containsAll(have[i], want[i])) return false;
    }
    return true;
  }
  return have == want;
}

Result<RegistrationChange> reconcileRegistration(kube::KubeClient& client,
                                                 const RegistrationOptions& options,
                                                 const std::string& ca_bundle_pem) {
  if (!options.url.empty()) return reconcileLocal(client, options, ca_bundle_pem);
  return reconcileCaBundle(client, options, ca_bundle_pem);
}

Status removeRegistration(kube::KubeClient& client, const RegistrationOptions& options) {
  Status st = client.remove(kube::kMutatingWebhookConfigurations, "", options.config_name);
  if (!st && st.error().code != ErrorCode::kNotFound) return st;
  return {};
}

}  // namespace attache::webhook
