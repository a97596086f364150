#include "operator/controllers/reconcile_support.h"

#include <ctime>

#include "common/kube/resource.h"
#include "common/logging.h"

namespace attache::controller {

using nlohmann::json;

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void recordEvent(ReconcileContext& ctx, const json& obj, const std::string& type,
                 const std::string& reason, const std::string& message) {
  const json meta = obj.value("metadata", json::object());
  const std::string ns = meta.value("namespace", "");
  const std::string now = nowRfc3339();
  json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"generateName", meta.value("name", "x") + "."}, {"namespace", ns}}},
                {"involvedObject",
                 {{"apiVersion", obj.value("apiVersion", "")},
                  {"kind", obj.value("kind", "")},
                  {"name", meta.value("name", "")},
                  {"namespace", ns},
                  {"uid", meta.value("uid", "")}}},
                {"type", type},
                {"reason", reason},
                {"message", message},
                {"source", {{"component", "attache-operator"}}},
                {"reportingComponent", "attache-operator"},
                {"reportingInstance", ctx.identity},
                {"firstTimestamp", now},
                {"lastTimestamp", now},
                {"count", 1}};
  auto created = ctx.client.create(kube::kEvents, ns, event);
  if (ctx.metrics) ctx.metrics->countWrite("events", "create");
  if (!created.ok()) {
    componentLogger("operator")->debug("event not recorded error={}", created.error().toString());
  }
}

Result<ConfigMapAction> applyConfigMap(ReconcileContext& ctx, const json& desired) {
  const std::string ns = desired["metadata"]["namespace"];
  const std::string name = desired["metadata"]["name"];
  ObjectPtr cached = ctx.caches.configmaps->store().get(ns, name);
  ConfigMapAction action = planConfigMap(desired, cached.get());
  if (action == ConfigMapAction::kNone || action == ConfigMapAction::kConflict) return action;
  if (action == ConfigMapAction::kCreate) {
    auto created = ctx.client.create(kube::kConfigMaps, ns, desired);
    if (ctx.metrics) ctx.metrics->countWrite("configmaps", "create");
    if (created.ok()) return action;
    if (created.error().code != ErrorCode::kAlreadyExists &&
        created.error().code != ErrorCode::kConflict) {
      return created.error();
    }
    auto live = ctx.client.get(kube::kConfigMaps, ns, name);
    if (!live.ok()) return live.error();
    action = planConfigMap(desired, &*live);
    if (action == ConfigMapAction::kNone || action == ConfigMapAction::kConflict) return action;
    cached = std::make_shared<const json>(std::move(*live));
  }
  auto patched =
      ctx.client.patch(kube::kConfigMaps, ns, name, configMapPatch(desired, cached.get()));
  if (ctx.metrics) ctx.metrics->countWrite("configmaps", "patch");
  if (!patched.ok()) return patched.error();
  return ConfigMapAction::kUpdate;
}

Status writeStatus(ReconcileContext& ctx, const kube::ResourceRef& ref, const std::string& ns,
                   const std::string& name, const json& current_status,
                   const json& desired_status) {
  auto patch = statusPatch(current_status, desired_status);
  if (!patch) return {};
  kube::PatchOptions options;
  options.status = true;
  auto patched = ctx.client.patch(ref, ns, name, *patch, options);
  if (ctx.metrics) ctx.metrics->countWrite(ref.plural, "patch_status");
  if (!patched.ok() && patched.error().code != ErrorCode::kNotFound) return patched.error();
  return {};
}

Status deleteOwnedConfigMap(ReconcileContext& ctx, const std::string& ns, const std::string& name,
                            const std::string& kind) {
  ObjectPtr cm = ctx.caches.configmaps->store().get(ns, configMapName(name));
  if (!cm) return {};
  bool owned = false;
  const json meta = cm->value("metadata", json::object());
  for (const auto& ref : meta.value("ownerReferences", json::array())) {
    if (ref.value("controller", false) && ref.value("kind", "") == kind &&
        ref.value("name", "") == name) {
      owned = true;
    }
  }
  if (!owned) return {};
  Status st = ctx.client.remove(kube::kConfigMaps, ns, configMapName(name));
  if (ctx.metrics) ctx.metrics->countWrite("configmaps", "delete");
  if (!st.ok() && st.error().code != ErrorCode::kNotFound) return st;
  return {};
}

}  // namespace attache::controller
