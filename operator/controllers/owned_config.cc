#include "operator/controllers/owned_config.h"

#include <openssl/evp.h>

#include <cstdio>

namespace attache::controller {

using nlohmann::json;

Owner ownerOf(const json& cr, const std::string& kind) {
  Owner owner;
  owner.kind = kind;
  const json meta = cr.value("metadata", json::object());
  owner.api_version = cr.value("apiVersion", owner.api_version);
  owner.name = meta.value("name", "");
  owner.ns = meta.value("namespace", "");
  owner.uid = meta.value("uid", "");
  owner.generation = meta.value("generation", int64_t{0});
  return owner;
}

std::string configMapName(const std::string& resource_name) { return resource_name + "-attache"; }
std::string configMapKey(const std::string& resource_name) { return resource_name + ".json"; }

std::string renderListener(const json& listener) { return listener.dump(); }

std::string configHash(const std::string& content) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(content.data(), content.size(), digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < 8 && i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

json desiredConfigMap(const Owner& owner, const std::string& content) {
  json owner_ref = {{"apiVersion", owner.api_version},
                    {"kind", owner.kind},
                    {"name", owner.name},
                    {"uid", owner.uid},
                    {"controller", true},
                    {"blockOwnerDeletion", true}};
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", configMapName(owner.name)},
            {"namespace", owner.ns},
            {"labels", {{kManagedByLabel, kManagedByValue}}},
            {"annotations", {{kConfigHashAnnotation, configHash(content)}}},
            {"ownerReferences", json::array({owner_ref})}}},
          {"data", {{configMapKey(owner.name), content}}}};
}

namespace {

const json* controllerRef(const json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->contains("ownerReferences")) return nullptr;
  for (const auto& ref : (*meta)["ownerReferences"]) {
    if (ref.value("controller", false)) return &ref;
  }
  return nullptr;
}

std::string labelOf(const json& obj, const std::string& key) {
  auto meta = obj.find("metadata");
  if (meta == obj.end()) return "";
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return "";
  return labels->value(key, "");
}

}  // namespace

ConfigMapAction planConfigMap(const json& desired, const json* existing) {
  if (existing == nullptr) return ConfigMapAction::kCreate;
  const json* want = controllerRef(desired);
  const json* have = controllerRef(*existing);
  if (have != nullptr && want != nullptr &&
      (have->value("kind", "") != want->value("kind", "") ||
       have->value("name", "") != want->value("name", ""))) {
    return ConfigMapAction::kConflict;
  }
  if (have == nullptr || want == nullptr || have->value("uid", "") != want->value("uid", "")) {
    return ConfigMapAction::kUpdate;  // adopt, or a re-created owner of the same name
  }
  if (existing->value("data", json::object()) != desired["data"]) return ConfigMapAction::kUpdate;
  if (labelOf(*existing, kManagedByLabel) != kManagedByValue) return ConfigMapAction::kUpdate;
  return ConfigMapAction::kNone;
}

json configMapPatch(const json& desired, const json* existing) {
  json patch = {{"metadata",
                 {{"labels", desired["metadata"]["labels"]},
                  {"annotations", desired["metadata"]["annotations"]},
                  {"ownerReferences", desired["metadata"]["ownerReferences"]}}},
                {"data", desired["data"]}};
  if (existing != nullptr && existing->contains("data") && (*existing)["data"].is_object()) {
    for (const auto& [key, value] : (*existing)["data"].items()) {
      if (!desired["data"].contains(key)) patch["data"][key] = nullptr;
    }
  }
  return patch;
}

const json* findCondition(const json& status, const std::string& type) {
  auto conditions = status.find("conditions");
  if (conditions == status.end() || !conditions->is_array()) return nullptr;
  for (const auto& c : *conditions) {
    if (c.value("type", "") == type) return &c;
  }
  return nullptr;
}

json setCondition(json conditions, const std::string& type, const std::string& status,
                  const std::string& reason, const std::string& message, int64_t generation,
                  const std::string& now) {
  if (!conditions.is_array()) conditions = json::array();
  json updated = {{"type", type},
                  {"status", status},
                  {"reason", reason},
                  {"message", message},
                  {"observedGeneration", generation},
                  {"lastTransitionTime", now}};
  for (auto& c : conditions) {
    if (c.value("type", "") != type) continue;
    if (c.value("status", "") == status && c.contains("lastTransitionTime")) {
      updated["lastTransitionTime"] = c["lastTransitionTime"];
    }
    c = updated;
    return conditions;
  }
  conditions.push_back(updated);
  return conditions;
}

std::optional<json> statusPatch(const json& current_status, const json& desired_status) {
  const json current = current_status.is_object() ? current_status : json::object();
  if (current == desired_status) return std::nullopt;
  json status = desired_status;
  for (const auto& [key, value] : current.items()) {
    if (!desired_status.contains(key)) status[key] = nullptr;
  }
  return json{{"status", status}};
}

}  // namespace attache::controller
