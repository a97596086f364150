#include <cctype>

#include "common/kube/resource.h"
#include "operator/controllers/reconcilers.h"
#include "operator/controllers/service_binding.h"

namespace attache::controller {

using nlohmann::json;

json trimSecret(const json& secret) {
  json meta = secret.value("metadata", json::object());
  json data = secret.value("data", json::object());
  json kept = json::object();
  for (const char* key : {"host", "port"}) {
    if (data.contains(key)) kept[key] = data[key];
  }
  return {
      {"metadata", {{"name", meta.value("name", "")}, {"namespace", meta.value("namespace", "")}}},
      {"data", kept}};
}

json trimService(const json& service) {
  json meta = service.value("metadata", json::object());
  json ports = json::array();
  for (const auto& p : service.value("spec", json::object()).value("ports", json::array())) {
    ports.push_back({{"port", p.value("port", 0)}});
  }
  return {
      {"metadata", {{"name", meta.value("name", "")}, {"namespace", meta.value("namespace", "")}}},
      {"spec", {{"ports", ports}}}};
}

namespace {

// apiVersion + kind -> the REST collection (plural = lower-case kind + "s", the convention of
// nearly every CRD; no discovery call).
kube::ResourceRef provisionedRef(const Candidate& c) {
  kube::ResourceRef ref;
  auto slash = c.api_version.find('/');
  if (slash == std::string::npos) {
    ref.version = c.api_version;
  } else {
    ref.group = c.api_version.substr(0, slash);
    ref.version = c.api_version.substr(slash + 1);
  }
  for (char ch : c.resource_kind) ref.plural += static_cast<char>(std::tolower(ch));
  ref.plural += "s";
  return ref;
}

CandidateState evaluate(ReconcileContext& ctx, const BindingSpec& spec, const Candidate& c) {
  switch (c.kind) {
    case CandidateKind::kService: {
      ObjectPtr svc = ctx.caches.services->store().get(c.ns, c.name);
      return evaluateService(c, svc.get());
    }
    case CandidateKind::kSecret: {
      ObjectPtr secret = ctx.caches.secrets->store().get(spec.ns, c.name);
      return evaluateSecret(c, secret.get());
    }
    case CandidateKind::kProvisioned: {
      auto resource = ctx.client.get(provisionedRef(c), spec.ns, c.name);
      const json* res = resource.ok() ? &*resource : nullptr;
      std::string secret_name;
      if (res != nullptr) {
        secret_name =
            res->value("status", json::object()).value("binding", json::object()).value("name", "");
      }
      ObjectPtr secret =
          secret_name.empty() ? nullptr : ctx.caches.secrets->store().get(spec.ns, secret_name);
      return evaluateProvisioned(c, res, secret.get());
    }
    case CandidateKind::kExternal:
      return evaluateExternal(c);
  }
  return {};
}

Result<ReconcileResult> invalidBinding(ReconcileContext& ctx, const json& cr, const Error& error) {
  auto [ns, name] = splitKey(objectKey(cr));
  const json status = cr.value("status", json::object());
  const json* ready = findCondition(status, "Ready");
  if (ready == nullptr || ready->value("reason", "") != "InvalidSpec") {
    recordEvent(ctx, cr, "Warning", "InvalidSpec", error.message);
  }
  int64_t generation = cr.value("metadata", json::object()).value("generation", int64_t{0});
  json desired = status;
  desired["observedGeneration"] = generation;
  desired["conditions"] = setCondition(status.value("conditions", json::array()), "Ready", "False",
                                       "InvalidSpec", error.message, generation, nowRfc3339());
  if (auto st = writeStatus(ctx, kube::kServiceBindings, ns, name, status, desired); !st.ok())
    return st.error();
  return ReconcileResult{};
}

}  // namespace

Result<ReconcileResult> reconcileServiceBinding(ReconcileContext& ctx, const std::string& key) {
  auto [ns, name] = splitKey(key);
  ObjectPtr cr = ctx.caches.bindings->store().get(key);
  if (!cr) {
    if (auto st = deleteOwnedConfigMap(ctx, ns, name, "ServiceBinding"); !st.ok())
      return st.error();
    return ReconcileResult{};
  }
  auto spec = parseBindingSpec(*cr);
  if (!spec.ok()) return invalidBinding(ctx, *cr, spec.error());
  const json status = cr->value("status", json::object());
  std::vector<CandidateState> states;
  bool polls = false;  // provisioned services are not watched: look again later
  for (const auto& c : spec->candidates) {
    states.push_back(evaluate(ctx, *spec, c));
    polls = polls || c.kind == CandidateKind::kProvisioned;
  }
  int selected = selectCandidate(states);
  std::string config_map = status.value("configMap", "");
  if (selected >= 0) {
    const std::string content = renderListener(renderBrokerListener(*spec, states));
    auto applied = applyConfigMap(ctx, desiredConfigMap(ownerOf(*cr, "ServiceBinding"), content));
    if (!applied.ok()) return applied.error();
    if (*applied != ConfigMapAction::kConflict) config_map = configMapName(name);
    std::string before = status.value("selected", json::object()).value("source", "");
    if (before != states[selected].source) {
      recordEvent(ctx, *cr, "Normal", "CandidateSelected",
                  "selected " + states[selected].source + " (was " +
                      (before.empty() ? "none" : before) + ")");
    }
  }
  json desired = computeBindingStatus(*spec, states, config_map, status, nowRfc3339());
  if (auto st = writeStatus(ctx, kube::kServiceBindings, ns, name, status, desired); !st.ok())
    return st.error();
  ReconcileResult result;
  if (polls) result.requeue_after = std::chrono::seconds(10);
  return result;
}

}  // namespace attache::controller
