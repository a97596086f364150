// Non-throwing accessors for untrusted JSON (nlohmann's value()/at() throw on type mismatches).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace attache::webhook {

// The member `key` of `obj`, or nullptr when `obj` is not an object or has no such member.
inline const nlohmann::json* member(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

// The member `key` when it is a string, else "".
inline std::string stringMember(const nlohmann::json& obj, std::string_view key) {
  const nlohmann::json* m = member(obj, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
}

// The member `key` of type object (created when absent; replaced when it is null).
// Precondition: `obj` is an object.
inline nlohmann::json& objectMember(nlohmann::json& obj, const char* key) {
  nlohmann::json& m = obj[key];
  if (!m.is_object()) m = nlohmann::json::object();
  return m;
}

// The member `key` of type array (created when absent or null). Precondition: `obj` is an object.
inline nlohmann::json& arrayMember(nlohmann::json& obj, const char* key) {
  nlohmann::json& m = obj[key];
  if (!m.is_array()) m = nlohmann::json::array();
  return m;
}

}  // namespace attache::webhook
