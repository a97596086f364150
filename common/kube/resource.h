// Kubernetes resource addressing: which REST collection an object lives in, and the request
// paths and query strings the API server expects. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attache::kube {

// One REST collection, e.g. {"", "v1", "pods"} or {"apps", "v1", "statefulsets"}.
struct ResourceRef {
  std::string group;  // "" = the core group
  std::string version;
  std::string plural;
  bool namespaced = true;

  // "pods" / "statefulsets.apps": the form kubectl and log lines use.
  std::string displayName() const;
  // "apps/v1" or "v1": the apiVersion field of objects of this resource.
  std::string apiVersion() const;
};

bool operator==(const ResourceRef& a, const ResourceRef& b);

inline const ResourceRef kPods{"", "v1", "pods", true};
inline const ResourceRef kSecrets{"", "v1", "secrets", true};
inline const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
inline const ResourceRef kServices{"", "v1", "services", true};
inline const ResourceRef kEvents{"", "v1", "events", true};
inline const ResourceRef kNamespaces{"", "v1", "namespaces", false};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const ResourceRef kStatefulSets{"apps", "v1", "statefulsets", true};
inline const ResourceRef kShardedServices{"attache.dev", "v1alpha1", "shardedservices", true};
inline const ResourceRef kServiceBindings{"attache.dev", "v1alpha1", "servicebindings", true};
inline const ResourceRef kMutatingWebhookConfigurations{"admissionregistration.k8s.io", "v1",
                                                        "mutatingwebhookconfigurations", false};

// "/api/v1/namespaces/<ns>/pods[/<name>[/<subresource>]]"; cluster-scoped resources and an empty
// `ns` (all namespaces, for list and watch) leave out the namespaces segment. Path segments are
// percent-encoded.
std::string resourcePath(const ResourceRef& ref, const std::string& ns,
                         const std::string& name = "", const std::string& subresource = "");

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percentEncode(std::string_view text);

// "?a=1&b=x%20y" from the pairs whose value is non-empty; "" when none.
std::string buildQuery(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace attache::kube
