#include "common/kube/resource.h"
#include "common/logging.h"
#include "operator/controllers/reconcilers.h"
#include "operator/controllers/sharded_service.h"

namespace attache::controller {

using nlohmann::json;

std::string statefulSetOfPod(const std::string& pod_name) {
  auto dash = pod_name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == pod_name.size()) return "";
  for (size_t i = dash + 1; i < pod_name.size(); ++i) {
    if (pod_name[i] < '0' || pod_name[i] > '9') return "";
  }
  return pod_name.substr(0, dash);
}

json trimPod(const json& pod) {
  json meta = pod.value("metadata", json::object());
  json status = pod.value("status", json::object());
  bool ready = false;
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") ready = c.value("status", "") == "True";
  }
  if (meta.contains("deletionTimestamp")) ready = false;
  return {
      {"metadata", {{"name", meta.value("name", "")}, {"namespace", meta.value("namespace", "")}}},
      {"status", {{"podIP", status.value("podIP", "")}, {"ready", ready}}}};
}

json trimStatefulSet(const json& sts) {
  json meta = sts.value("metadata", json::object());
  json spec = sts.value("spec", json::object());
  return {
      {"metadata", {{"name", meta.value("name", "")}, {"namespace", meta.value("namespace", "")}}},
      {"spec", {{"replicas", spec.value("replicas", 1)}}}};
}

namespace {

ShardedObserved observeShards(ReconcileContext& ctx, const ShardedSpec& spec, const json& status) {
  ShardedObserved observed;
  for (const auto& s : status.value("shards", json::array())) {
    if (s.is_object() && s.contains("address") && s["address"].is_string()) {
      observed.last_addresses[s.value("name", "")] = s["address"];
    }
  }
  if (spec.stateful_set.empty()) return observed;
  ObjectPtr sts = ctx.caches.statefulsets->store().get(spec.ns, spec.stateful_set);
  if (!sts) return observed;
  observed.replicas = (*sts)["spec"].value("replicas", 1);
  for (int i = 0; i < *observed.replicas; ++i) {
    std::string pod_name = spec.stateful_set + "-" + std::to_string(i);
    ObjectPtr pod = ctx.caches.pods->store().get(spec.ns, pod_name);
    if (!pod) continue;
    const json& st = (*pod)["status"];
    observed.pods[pod_name] = PodInfo{st.value("podIP", ""), st.value("ready", false)};
  }
  return observed;
}

// The ring of the ConfigMap currently published (for key movement).
std::vector<RingMember> publishedRing(ReconcileContext& ctx, const ShardedSpec& spec) {
  ObjectPtr cm = ctx.caches.configmaps->store().get(spec.ns, configMapName(spec.name));
  if (!cm) return {};
  const json data = cm->value("data", json::object());
  auto it = data.find(configMapKey(spec.name));
  if (it == data.end() || !it->is_string()) return {};
  json listener = json::parse(it->get<std::string>(), nullptr, false);
  return listener.is_discarded() ? std::vector<RingMember>{} : ringMembers(listener);
}

// Renders and publishes the listener file; fills the outcome's ConfigMap fields.
Status publish(ReconcileContext& ctx, const json& cr, const ShardedSpec& spec,
               ShardedOutcome& outcome) {
  json listener = renderShardedListener(spec, outcome.shards);
  if (listener["servers"].empty()) {
    outcome.blocked_reason = spec.stateful_set.empty() ? "NoShards" : "NoShardAddresses";
    outcome.blocked_message = "no shard has an address yet; the listener file is not published";
    return {};
  }
  auto before = publishedRing(ctx, spec);
  auto movement = expectedKeyMovement(spec.distribution, before, ringMembers(listener));
  const std::string content = renderListener(listener);
  auto applied = applyConfigMap(ctx, desiredConfigMap(ownerOf(cr, "ShardedService"), content));
  if (!applied.ok()) return applied.error();
  if (*applied == ConfigMapAction::kConflict) {
    outcome.blocked_reason = "ConfigMapConflict";
    outcome.blocked_message =
        "ConfigMap " + configMapName(spec.name) + " is owned by another resource";
    return {};
  }
  outcome.config_map = configMapName(spec.name);
  outcome.config_hash = configHash(content);
  if (movement) {
    outcome.key_movement = *movement;
    recordEvent(ctx, cr, "Normal", "ShardSetChanged",
                std::to_string(before.size()) + " -> " +
                    std::to_string(listener["servers"].size()) + " shards; expected key movement " +
                    *movement);
  }
  return {};
}

}  // namespace

Result<ReconcileResult> reconcileShardedService(ReconcileContext& ctx, const std::string& key) {
  auto [ns, name] = splitKey(key);
  ObjectPtr cr = ctx.caches.sharded->store().get(key);
  if (!cr) {
    if (auto st = deleteOwnedConfigMap(ctx, ns, name, "ShardedService"); !st.ok())
      return st.error();
    return ReconcileResult{};
  }
  const json status = cr->value("status", json::object());
  const std::string now = nowRfc3339();
  auto spec = parseShardedSpec(*cr);
  if (!spec.ok()) {
    const json* ready = findCondition(status, "Ready");
    if (ready == nullptr || ready->value("reason", "") != "InvalidSpec") {
      recordEvent(ctx, *cr, "Warning", "InvalidSpec", spec.error().message);
    }
    json desired = invalidSpecStatus(cr->value("metadata", json::object()).value("generation", 0),
                                     spec.error().message, status, now);
    if (auto st = writeStatus(ctx, kube::kShardedServices, ns, name, status, desired); !st.ok())
      return st.error();
    return ReconcileResult{};
  }
  ShardedObserved observed = observeShards(ctx, *spec, status);
  ShardedOutcome outcome;
  outcome.shards = discoverShards(*spec, observed);
  outcome.key_movement = status.value("expectedKeyMovement", "");
  if (!spec->stateful_set.empty() && !observed.replicas) {
    outcome.blocked_reason = "StatefulSetNotFound";
    outcome.blocked_message = "statefulSet " + spec->stateful_set + " not found";
  } else if (auto st = publish(ctx, *cr, *spec, outcome); !st.ok()) {
    return st.error();
  }
  if (outcome.config_map.empty()) {  // keep what was published before
    outcome.config_map = status.value("configMap", "");
    outcome.config_hash = status.value("configHash", "");
  }
  json desired = computeShardedStatus(*spec, outcome, status, now);
  if (auto st = writeStatus(ctx, kube::kShardedServices, ns, name, status, desired); !st.ok())
    return st.error();
  return ReconcileResult{};
}

}  // namespace attache::controller
