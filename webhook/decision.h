// Whether a pod gets an ambassador, and why (or why not). Pure; the skip reason is a metrics
// label.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "webhook/injector_config.h"

namespace attache::webhook {

enum class SkipReason {
  kNone,                // injected
  kNotAnnotated,        // no attache.dev/inject annotation
  kOptedOut,            // attache.dev/inject: "false" (always wins)
  kInvalidInjectValue,  // attache.dev/inject is neither "true" nor "false"
  kNoReferences,        // opted in but references no ShardedService or ServiceBinding
  kExcludedNamespace,   // kube-system, kube-public, kube-node-lease, Attache's own namespace
  kHostNetwork,         // hostNetwork pods share the node's loopback
  kAlreadyInjected,     // attache.dev/injected or the ambassador container is present
  kNotPodCreate,        // the review is not the creation of a Pod
};

// "not-annotated", "opted-out", ... ("none" for kNone).
std::string_view skipReasonName(SkipReason reason);
// Every reason but kNone, for pre-creating metric series.
const std::vector<SkipReason>& allSkipReasons();

struct Decision {
  bool inject = false;
  SkipReason reason = SkipReason::kNone;
  std::string explanation;  // one human-readable sentence
};

// `pod` as the API server sends it; `ns` is the request's namespace (a pod being created may
// have no metadata.namespace yet).
Decision shouldInject(const nlohmann::json& pod, const std::string& ns, const InjectorConfig& cfg);

// True when the pod already carries the ambassador (annotation or container).
bool isInjected(const nlohmann::json& pod);

}  // namespace attache::webhook
