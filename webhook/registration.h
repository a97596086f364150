// The MutatingWebhookConfiguration: built (local mode: a URL client config) or only its
// caBundle kept current (in cluster: the chart creates it with a Service client config), and
// repaired whenever someone resets it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"
#include "common/result.h"

namespace attache::webhook {

struct RegistrationOptions {
  std::string config_name = "attache-webhook";
  std::string webhook_name = "inject.attache.dev";
  // Local mode: the webhook registers itself at this URL ("https://127.0.0.1:8443/mutate").
  // Empty: the configuration exists already and only its caBundle is managed.
  std::string url;
  std::vector<std::string> excluded_namespaces;  // never sent to the webhook
  // Only namespaces labelled namespace_label_key=namespace_label_value (attache.dev/injection=
  // enabled by default).
  bool require_namespace_label = false;
  std::string namespace_label_key = "attache.dev/injection";
  std::string namespace_label_value = "enabled";
  std::string failure_policy = "Fail";
  int timeout_seconds = 10;
};

// The full configuration of local mode (pure).
nlohmann::json desiredWebhookConfiguration(const RegistrationOptions& options,
                                           const std::string& ca_bundle_pem);

enum class RegistrationChange { kNone, kCreated, kUpdated };

// Creates or corrects the configuration (local mode), or sets the caBundle of every webhook in
// it (otherwise: kNotFound when the configuration does not exist). Optimistic concurrency: a
// conflicting writer makes this kConflict; call again later.
Result<RegistrationChange> reconcileRegistration(kube::KubeClient& client,
                                                 const RegistrationOptions& options,
                                                 const std::string& ca_bundle_pem);

// Deletes the configuration (local mode shutdown); NotFound counts as done.
Status removeRegistration(kube::KubeClient& client, const RegistrationOptions& options);

// True when every member of `want` is in `have` with an equal value (objects recursively,
// arrays element by element): fields the API server defaults do not count as drift.
bool containsAll(const nlohmann::json& have, const nlohmann::json& want);

}  // namespace attache::webhook
