#include "webhook/decision.h"

#include <algorithm>

#include "webhook/annotations.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

bool hasContainerNamed(const json& spec, const char* list, std::string_view name) {
  const json* containers = member(spec, list);
  if (containers == nullptr || !containers->is_array()) return false;
  return std::any_of(containers->begin(), containers->end(),
                     [&](const json& c) { return stringMember(c, "name") == name; });
}

bool hasReferences(const json& annotations) {
  for (const char* key : {kAnnotationShardedServices, kAnnotationBindings}) {
    std::string value = stringMember(annotations, key);
    if (value.find_first_not_of(" \t,") != std::string::npos) return true;
  }
  return false;
}

Decision skip(SkipReason reason, std::string explanation) {
  return Decision{false, reason, std::move(explanation)};
}

}  // namespace

std::string_view skipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kNone:
      return "none";
    case SkipReason::kNotAnnotated:
      return "not-annotated";
    case SkipReason::kOptedOut:
      return "opted-out";
    case SkipReason::kInvalidInjectValue:
      return "invalid-inject-value";
    case SkipReason::kNoReferences:
      return "no-references";
    case SkipReason::kExcludedNamespace:
      return "excluded-namespace";
    case SkipReason::kHostNetwork:
      return "host-network";
    case SkipReason::kAlreadyInjected:
      return "already-injected";
    case SkipReason::kNotPodCreate:
      return "not-pod-create";
  }
  return "unknown";
}

const std::vector<SkipReason>& allSkipReasons() {
  static const std::vector<SkipReason> kAll{
      SkipReason::kNotAnnotated,    SkipReason::kOptedOut,          SkipReason::kInvalidInjectValue,
      SkipReason::kNoReferences,    SkipReason::kExcludedNamespace, SkipReason::kHostNetwork,
      SkipReason::kAlreadyInjected, SkipReason::kNotPodCreate};
  return kAll;
}

bool isInjected(const json& pod) {
  const json* meta = member(pod, "metadata");
  const json* annotations = meta != nullptr ? member(*meta, "annotations") : nullptr;
  if (annotations != nullptr && member(*annotations, kAnnotationInjected) != nullptr) return true;
  const json* spec = member(pod, "spec");
  return spec != nullptr && (hasContainerNamed(*spec, "initContainers", kAmbassadorContainer) ||
                             hasContainerNamed(*spec, "containers", kAmbassadorContainer));
}

Decision shouldInject(const json& pod, const std::string& ns, const InjectorConfig& cfg) {
  static const json kEmpty = json::object();
  const json* meta = member(pod, "metadata");
  const json* annotations = meta != nullptr ? member(*meta, "annotations") : nullptr;
  if (annotations == nullptr || !annotations->is_object()) annotations = &kEmpty;
  const json* inject = member(*annotations, kAnnotationInject);
  if (inject == nullptr) return skip(SkipReason::kNotAnnotated, "the pod is not annotated");
  std::string value = inject->is_string() ? inject->get<std::string>() : "";
  if (value == "false") return skip(SkipReason::kOptedOut, "attache.dev/inject is \"false\"");
  if (value != "true") {
    return skip(SkipReason::kInvalidInjectValue,
                "attache.dev/inject must be \"true\" or \"false\"; the pod was not injected");
  }
  const auto& excluded = cfg.excluded_namespaces;
  if (ns == cfg.own_namespace ||
      std::find(excluded.begin(), excluded.end(), ns) != excluded.end()) {
    return skip(SkipReason::kExcludedNamespace, "namespace \"" + ns + "\" is never injected");
  }
  const json* spec = member(pod, "spec");
  const json* host_network = spec != nullptr ? member(*spec, "hostNetwork") : nullptr;
  if (host_network != nullptr && host_network->is_boolean() && host_network->get<bool>()) {
    return skip(SkipReason::kHostNetwork, "hostNetwork pods are never injected");
  }
  if (isInjected(pod)) return skip(SkipReason::kAlreadyInjected, "the pod is already injected");
  if (!hasReferences(*annotations)) {
    return skip(SkipReason::kNoReferences,
                "attache.dev/inject is \"true\" but neither attache.dev/sharded-services nor "
                "attache.dev/bindings names a resource; the pod was not injected");
  }
  return Decision{true, SkipReason::kNone, "opted in"};
}

}  // namespace attache::webhook
