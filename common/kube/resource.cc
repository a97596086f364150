#include "common/kube/resource.h"

namespace attache::kube {

std::string ResourceRef::displayName() const {
  return group.empty() ? plural : plural + "." + group;
}

std::string ResourceRef::apiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

bool operator==(const ResourceRef& a, const ResourceRef& b) {
  return a.group == b.group && a.version == b.version && a.plural == b.plural &&
         a.namespaced == b.namespaced;
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string resourcePath(const ResourceRef& ref, const std::string& ns, const std::string& name,
                         const std::string& subresource) {
  std::string path =
      ref.group.empty() ? "/api/" + ref.version : "/apis/" + ref.group + "/" + ref.version;
  if (ref.namespaced && !ns.empty()) path += "/namespaces/" + percentEncode(ns);
  path += "/" + ref.plural;
  if (!name.empty()) {
    path += "/" + percentEncode(name);
    if (!subresource.empty()) path += "/" + subresource;
  }
  return path;
}

std::string buildQuery(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += percentEncode(key);
    out += '=';
    out += percentEncode(value);
  }
  return out;
}

}  // namespace attache::kube
