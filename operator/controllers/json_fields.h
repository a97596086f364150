// Typed, non-throwing reads of optional fields of a custom resource's spec; errors name the
// field path.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace attache::controller {

inline Error specError(const std::string& field, const std::string& why) {
  return invalidArgument(field + ": " + why);
}

// Absent or null keeps `out`. Integers are checked against [lo, hi].
inline Status readInt(const nlohmann::json& obj, const char* key, const std::string& path, int& out,
                      int64_t lo, int64_t hi) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_number_integer()) return specError(path + key, "must be an integer");
  int64_t v = it->get<int64_t>();
  if (v < lo || v > hi) {
    return specError(path + key,
                     "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  }
  out = static_cast<int>(v);
  return {};
}

inline Status readString(const nlohmann::json& obj, const char* key, const std::string& path,
                         std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_string()) return specError(path + key, "must be a string");
  out = it->get<std::string>();
  return {};
}

inline Status readBool(const nlohmann::json& obj, const char* key, const std::string& path,
                       bool& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_boolean()) return specError(path + key, "must be a boolean");
  out = it->get<bool>();
  return {};
}

// The object at `key`, or an empty object when absent; nullptr when present but not an object.
inline const nlohmann::json* objectAt(const nlohmann::json& obj, const char* key) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return &kEmpty;
  return it->is_object() ? &*it : nullptr;
}

// The identity of a custom resource: name, namespace and generation (absent fields stay empty/0).
struct ObjectMeta {
  std::string name, ns;
  int64_t generation = 0;
};

inline ObjectMeta readObjectMeta(const nlohmann::json& cr) {
  ObjectMeta out;
  const nlohmann::json* meta = objectAt(cr, "metadata");
  if (meta == nullptr) return out;
  out.name = meta->value("name", "");
  out.ns = meta->value("namespace", "");
  auto gen = meta->find("generation");
  if (gen != meta->end() && gen->is_number_integer()) out.generation = gen->get<int64_t>();
  return out;
}

}  // namespace attache::controller
