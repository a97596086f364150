// The resources a pod references by annotation (ShardedServices and ServiceBindings in its
// namespace), how they are looked up, and what the injector needs from each one.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace attache::webhook {

enum class ReferenceKind { kShardedService, kServiceBinding };

// "ShardedService" / "ServiceBinding".
std::string_view referenceKindName(ReferenceKind kind);

struct Reference {
  ReferenceKind kind = ReferenceKind::kShardedService;
  std::string name;
};

// The references named by attache.dev/sharded-services and attache.dev/bindings, in that order
// (each list comma-separated, blanks ignored). kInvalidArgument for a name that is not a DNS-1123
// subdomain short enough for its "<name>-attache" ConfigMap, or a name given twice.
Result<std::vector<Reference>> parseReferences(const nlohmann::json& annotations);

// A Secret key the ambassador reads, mounted at /etc/attache/secrets/<resource>/<path>.
struct SecretItem {
  std::string secret;
  std::string key;
  std::string path;  // "password" or "ca.crt"
};

// What the injector needs from one referenced resource.
struct ResolvedReference {
  Reference ref;
  bool found = false;  // false: the resource does not exist (yet)
  int port = 0;        // 127.0.0.1:<port> in the app's ATTACHE_<NAME>_ADDR
  // ServiceBinding spec.project: mount the binding Secret at $SERVICE_BINDING_ROOT/<name>.
  bool project = false;
  std::string binding_secret;       // status.binding.name ("" until the operator sets it)
  std::vector<SecretItem> secrets;  // spec.auth / spec.tls Secrets for the ambassador
};

// Looks referenced resources up. Implementations: StaticLookup (offline, tests) and the
// webhook's watch-backed cache. Thread-safe.
class ReferenceLookup {
 public:
  virtual ~ReferenceLookup() = default;
  // The resource as the API server serves it; nullptr when it does not exist; an Error when it
  // could not be read.
  virtual Result<std::shared_ptr<const nlohmann::json>> find(ReferenceKind kind,
                                                             const std::string& ns,
                                                             const std::string& name) = 0;
};

// An immutable set of resources (offline injection: --resources FILE; tests).
class StaticLookup : public ReferenceLookup {
 public:
  // Adds a ShardedService or ServiceBinding (kind and metadata.name required; namespace
  // defaults to `default_ns`). Other kinds are kInvalidArgument.
  Status add(const nlohmann::json& object, const std::string& default_ns = "default");
  Result<std::shared_ptr<const nlohmann::json>> find(ReferenceKind kind, const std::string& ns,
                                                     const std::string& name) override;

 private:
  std::map<std::string, std::shared_ptr<const nlohmann::json>> objects_;
};

// "<kind>/<ns>/<name>": the key caches use.
std::string referenceKey(ReferenceKind kind, std::string_view ns, std::string_view name);

// The kind of a ShardedService / ServiceBinding object (by its `kind`), or kInvalidArgument.
Result<ReferenceKind> referenceKindOf(const nlohmann::json& object);

// Derives what the injector needs from the resource (`object` nullptr = not found):
// ShardedService: spec.listenPort, else 6379 (redis) / 11211 (memcached); when missing: 6379.
// ServiceBinding: spec.listenPort (required); a missing ServiceBinding is kNotFound, because
// without it the app's address is unknown.
Result<ResolvedReference> resolveReference(const Reference& ref, const nlohmann::json* object,
                                           const std::string& ns);

// Resolves every reference through `lookup`; appends a warning for a missing ShardedService.
Result<std::vector<ResolvedReference>> resolveReferences(const std::vector<Reference>& refs,
                                                         const std::string& ns,
                                                         ReferenceLookup& lookup,
                                                         std::vector<std::string>* warnings);

}  // namespace attache::webhook
