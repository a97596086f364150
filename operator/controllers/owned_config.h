// Pure pieces shared by both controllers: conditions, the owned ConfigMap (desired object and
// plan), the config hash and the status patch. No I/O.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace attache::controller {

inline constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr const char* kManagedByValue = "attache-operator";
inline constexpr const char* kConfigHashAnnotation = "attache.dev/config-hash";

// The custom resource a ConfigMap belongs to.
struct Owner {
  std::string api_version = "attache.dev/v1alpha1";
  std::string kind;  // ShardedService | ServiceBinding
  std::string name;
  std::string ns;
  std::string uid;
  int64_t generation = 0;
};

Owner ownerOf(const nlohmann::json& cr, const std::string& kind);

// "<name>-attache" and "<name>.json".
std::string configMapName(const std::string& resource_name);
std::string configMapKey(const std::string& resource_name);

// Canonical text of a listener file: compact, keys sorted (nlohmann sorts object keys).
std::string renderListener(const nlohmann::json& listener);
// First 16 hex digits of the SHA-256 of the content.
std::string configHash(const std::string& content);

nlohmann::json desiredConfigMap(const Owner& owner, const std::string& content);

enum class ConfigMapAction { kNone, kCreate, kUpdate, kConflict };

// kConflict: the ConfigMap exists and another controller owns it (never taken over).
ConfigMapAction planConfigMap(const nlohmann::json& desired, const nlohmann::json* existing);

// The merge patch that turns `existing` into `desired` for the fields desired sets, plus the
// other label/annotation/data keys we own (data keys not ours are removed).
nlohmann::json configMapPatch(const nlohmann::json& desired, const nlohmann::json* existing);

// Returns `conditions` with `type` set; lastTransitionTime is kept when the status is unchanged.
nlohmann::json setCondition(nlohmann::json conditions, const std::string& type,
                            const std::string& status, const std::string& reason,
                            const std::string& message, int64_t generation, const std::string& now);
const nlohmann::json* findCondition(const nlohmann::json& status, const std::string& type);

// A JSON merge patch {"status": ...} that makes the stored status equal `desired` (keys that
// `desired` drops become null); nullopt when they are already equal.
std::optional<nlohmann::json> statusPatch(const nlohmann::json& current_status,
                                          const nlohmann::json& desired_status);

}  // namespace attache::controller
