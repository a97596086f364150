// The pure core of the ServiceBinding controller: parseBindingSpec -> evaluate each candidate
// against what the shell observed -> renderBrokerListener -> computeBindingStatus. No I/O.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "operator/controllers/json_fields.h"

namespace attache::controller {

enum class CandidateKind { kService, kSecret, kProvisioned, kExternal };

struct Candidate {
  CandidateKind kind = CandidateKind::kExternal;
  std::string name;                        // service / secret / provisioned resource name
  std::string ns;                          // service namespace (default: the binding's)
  std::string host;                        // external
  int port = 0;                            // service / external
  std::string api_version, resource_kind;  // provisionedService
};

// name, ns and generation come from the resource (ObjectMeta).
struct BindingSpec : ObjectMeta {
  int listen_port = 0;
  std::vector<Candidate> candidates;
  std::string tls_mode = "disable";
  std::string tls_server_name;
  bool tls_ca = false;           // tls.caSecretRef set
  bool tls_client_cert = false;  // tls.clientCertSecretRef set
  int connect_timeout_ms = 1000;
};

Result<BindingSpec> parseBindingSpec(const nlohmann::json& cr);

struct CandidateState {
  bool available = false;
  std::string host;
  int port = 0;
  std::string source;          // "service/postgres", "secret/orders-db-saas", ...
  std::string binding_secret;  // the servicebinding.io Secret, when there is one
  std::string reason;          // why not available
};

// `service`: the Service or null. Host is the Service's DNS name "<name>.<ns>.svc".
CandidateState evaluateService(const Candidate& c, const nlohmann::json* service);
// `secret`: the Secret (data base64, as served) or null; needs `host` and `port` keys.
CandidateState evaluateSecret(const Candidate& c, const nlohmann::json* secret);
// `resource`: the provisioned service or null; `secret`: the Secret its
// .status.binding.name names, or null.
CandidateState evaluateProvisioned(const Candidate& c, const nlohmann::json* resource,
                                   const nlohmann::json* secret);
CandidateState evaluateExternal(const Candidate& c);

// Index of the first available candidate, -1 when none.
int selectCandidate(const std::vector<CandidateState>& states);

// The "broker" listener: upstreams = every available candidate in spec order (the selected one
// first; the rest are the ambassador's failover order).
nlohmann::json renderBrokerListener(const BindingSpec& spec,
                                    const std::vector<CandidateState>& states);

nlohmann::json computeBindingStatus(const BindingSpec& spec,
                                    const std::vector<CandidateState>& states,
                                    const std::string& config_map,
                                    const nlohmann::json& current_status, const std::string& now);

// The secret names a binding's candidates reference (for the Secret -> binding requeue index).
std::vector<std::string> referencedSecrets(const nlohmann::json& cr);
// "ns/name" of the Services a binding's candidates reference.
std::vector<std::string> referencedServices(const nlohmann::json& cr);

}  // namespace attache::controller
