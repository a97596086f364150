#include "webhook/references.h"

#include <cctype>
#include <set>

#include "webhook/annotations.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

constexpr int kDefaultRedisPort = 6379;
constexpr int kDefaultMemcachedPort = 11211;
// "<name>-attache" must stay a valid object name (253 characters).
constexpr size_t kMaxReferenceName = 253 - 8;

bool isDns1123Subdomain(std::string_view name) {
  if (name.empty() || name.size() > kMaxReferenceName) return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(name.front()) || !alnum(name.back())) return false;
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return name.find("..") == std::string_view::npos && name.find(".-") == std::string_view::npos &&
         name.find("-.") == std::string_view::npos;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

Status splitNames(const json& annotations, const char* key, ReferenceKind kind,
                  std::vector<Reference>* out) {
  auto it = annotations.find(key);
  if (it == annotations.end()) return {};
  if (!it->is_string()) return invalidArgument(std::string(key) + ": must be a string");
  const std::string& text = it->get_ref<const std::string&>();
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string name = trim(std::string_view(text).substr(start, comma - start));
    start = comma + 1;
    if (name.empty()) continue;
    if (!isDns1123Subdomain(name)) {
      return invalidArgument(std::string(key) + ": '" + name +
                             "' is not a valid resource name (lower-case DNS-1123 subdomain)");
    }
    out->push_back({kind, name});
  }
  return {};
}

// A `{name, key}` Secret reference under `path` of `spec`, as a SecretItem.
void addSecretItem(const json& spec, const json::json_pointer& path,
                   const std::string& fallback_key, const std::string& file,
                   std::vector<SecretItem>* out) {
  if (!spec.contains(path)) return;
  const json& ref = spec.at(path);
  std::string name = stringMember(ref, "name");
  if (name.empty()) return;
  std::string key = stringMember(ref, "key");
  out->push_back({name, key.empty() ? fallback_key : key, file});
}

Result<int> portOf(const json& spec, const Reference& ref) {
  auto it = spec.find("listenPort");
  if (it == spec.end()) return 0;
  if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 65535) {
    return invalidArgument(std::string(referenceKindName(ref.kind)) + " \"" + ref.name +
                           "\": spec.listenPort must be 1..65535");
  }
  return static_cast<int>(it->get<int64_t>());
}

Result<ResolvedReference> resolveSharded(const Reference& ref, const json& spec) {
  ResolvedReference out;
  out.ref = ref;
  out.found = true;
  auto port = portOf(spec, ref);
  if (!port) return port.error();
  std::string protocol = stringMember(spec, "protocol");
  out.port =
      *port != 0 ? *port : (protocol == "memcached" ? kDefaultMemcachedPort : kDefaultRedisPort);
  addSecretItem(spec, json::json_pointer("/auth/secretRef"), "password", "password", &out.secrets);
  addSecretItem(spec, json::json_pointer("/tls/caSecretRef"), "ca.crt", "ca.crt", &out.secrets);
  return out;
}

Result<ResolvedReference> resolveBinding(const Reference& ref, const json& object,
                                         const json& spec) {
  ResolvedReference out;
  out.ref = ref;
  out.found = true;
  auto port = portOf(spec, ref);
  if (!port) return port.error();
  if (*port == 0) {
    return invalidArgument("ServiceBinding \"" + ref.name + "\" has no spec.listenPort");
  }
  out.port = *port;
  if (auto p = spec.find("project"); p != spec.end() && p->is_boolean()) out.project = *p;
  static const json::json_pointer kBindingName("/status/binding/name");
  if (object.contains(kBindingName) && object.at(kBindingName).is_string()) {
    out.binding_secret = object.at(kBindingName).get<std::string>();
  }
  addSecretItem(spec, json::json_pointer("/tls/caSecretRef"), "ca.crt", "ca.crt", &out.secrets);
  return out;
}

}  // namespace

std::string_view referenceKindName(ReferenceKind kind) {
  return kind == ReferenceKind::kShardedService ? "ShardedService" : "ServiceBinding";
}

std::string referenceKey(ReferenceKind kind, std::string_view ns, std::string_view name) {
  std::string key(referenceKindName(kind));
  key.append("/").append(ns).append("/").append(name);
  return key;
}

Result<std::vector<Reference>> parseReferences(const json& annotations) {
  std::vector<Reference> refs;
  if (!annotations.is_object()) return refs;
  if (auto st = splitNames(annotations, kAnnotationShardedServices, ReferenceKind::kShardedService,
                           &refs);
      !st) {
    return st.error();
  }
  if (auto st = splitNames(annotations, kAnnotationBindings, ReferenceKind::kServiceBinding, &refs);
      !st) {
    return st.error();
  }
  std::set<std::string> seen;
  for (const auto& r : refs) {
    // One listener file and ConfigMap per name: a name may appear once across both lists.
    if (!seen.insert(r.name).second) {
      return invalidArgument("'" + r.name + "' is referenced more than once (" +
                             kAnnotationShardedServices + ", " + kAnnotationBindings + ")");
    }
  }
  return refs;
}

Result<ReferenceKind> referenceKindOf(const json& object) {
  std::string kind = stringMember(object, "kind");
  if (kind == "ShardedService") return ReferenceKind::kShardedService;
  if (kind == "ServiceBinding") return ReferenceKind::kServiceBinding;
  return invalidArgument("not a ShardedService or ServiceBinding: kind '" + kind + "'");
}

Status StaticLookup::add(const json& object, const std::string& default_ns) {
  auto kind = referenceKindOf(object);
  if (!kind) return kind.error();
  const json* meta = member(object, "metadata");
  std::string name = meta != nullptr ? stringMember(*meta, "name") : "";
  if (name.empty()) {
    return invalidArgument(std::string(referenceKindName(*kind)) + " without metadata.name");
  }
  std::string ns = meta != nullptr ? stringMember(*meta, "namespace") : "";
  if (ns.empty()) ns = default_ns;
  objects_[referenceKey(*kind, ns, name)] = std::make_shared<const json>(object);
  return {};
}

Result<std::shared_ptr<const json>> StaticLookup::find(ReferenceKind kind, const std::string& ns,
                                                       const std::string& name) {
  auto it = objects_.find(referenceKey(kind, ns, name));
  if (it == objects_.end()) return std::shared_ptr<const json>();
  return it->second;
}

Result<ResolvedReference> resolveReference(const Reference& ref, const json* object,
                                           const std::string& ns) {
  if (object == nullptr) {
    if (ref.kind == ReferenceKind::kShardedService) {
      ResolvedReference out;
      out.ref = ref;
      out.port = kDefaultRedisPort;
      return out;
    }
    return notFound("ServiceBinding \"" + ref.name + "\" not found in namespace \"" + ns +
                    "\": its spec.listenPort is the app's address; create the ServiceBinding "
                    "before the pod (controllers such as a Deployment's ReplicaSet retry)");
  }
  static const json kEmpty = json::object();
  const json* spec = member(*object, "spec");
  if (spec == nullptr || !spec->is_object()) spec = &kEmpty;
  if (ref.kind == ReferenceKind::kShardedService) return resolveSharded(ref, *spec);
  return resolveBinding(ref, *object, *spec);
}

Result<std::vector<ResolvedReference>> resolveReferences(const std::vector<Reference>& refs,
                                                         const std::string& ns,
                                                         ReferenceLookup& lookup,
                                                         std::vector<std::string>* warnings) {
  std::vector<ResolvedReference> out;
  out.reserve(refs.size());
  for (const auto& ref : refs) {
    auto found = lookup.find(ref.kind, ns, ref.name);
    if (!found) {
      return Error{found.error().code, "reading " + std::string(referenceKindName(ref.kind)) +
                                           " \"" + ref.name + "\": " + found.error().message};
    }
    auto resolved = resolveReference(ref, found->get(), ns);
    if (!resolved) return resolved.error();
    if (!resolved->found && warnings != nullptr) {
      warnings->push_back("ShardedService \"" + ref.name + "\" not found in namespace \"" + ns +
                          "\": assuming redis on 127.0.0.1:6379 until it exists");
    }
    out.push_back(std::move(*resolved));
  }
  return out;
}

}  // namespace attache::webhook
