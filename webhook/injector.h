// The injector: pod in, pod out. Adds one ambassador serving every referenced resource, its
// config and secrets volumes, the app's ATTACHE_<NAME>_ADDR variables and servicebinding.io
// projections, and the attache.dev/injected annotation. Pure: no I/O, no logging, no clock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "webhook/injector_config.h"
#include "webhook/references.h"

namespace attache::webhook {

struct InjectionResult {
  nlohmann::json pod;
  std::vector<std::string> warnings;  // returned to the client as admission warnings
};

// `pod` must be a Pod (or a pod template: metadata + spec). kInvalidArgument names the
// annotation or the conflict that prevents injection (a port or volume already taken, a bad
// override). The caller decides whether to inject (shouldInject) and resolves the references.
Result<InjectionResult> inject(const nlohmann::json& pod, const InjectorConfig& cfg,
                               const std::vector<ResolvedReference>& refs);

// "ATTACHE_<NAME>_ADDR": NAME upper-cased, every other non-alphanumeric character mapped to '_'.
std::string addressEnvName(std::string_view resource_name);

// The ambassador's resources and log level: the configured defaults overridden by the pod's
// attache.dev/proxy-* annotations. A request above a default limit raises that limit; a request
// above a limit the pod also sets is kInvalidArgument. An empty limit annotation removes it.
struct ProxySettings {
  ProxyResources resources;
  std::string log_level;
};
Result<ProxySettings> proxySettings(const nlohmann::json& annotations, const InjectorConfig& cfg);

// A valid volume name (DNS-1123 label, <= 63 characters) for `prefix` + `name`; long names are
// shortened with a hash suffix.
std::string volumeName(std::string_view prefix, std::string_view name);

}  // namespace attache::webhook
