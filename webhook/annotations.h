// The names users and other components rely on: pod annotations, the namespace label, and what
// the injector adds to a pod. See docs/DESIGN.md "Pods".
#pragma once

namespace attache::webhook {

// Opt-in / opt-out and the referenced resources (comma-separated names in the pod's namespace).
inline constexpr const char* kAnnotationInject = "attache.dev/inject";
inline constexpr const char* kAnnotationShardedServices = "attache.dev/sharded-services";
inline constexpr const char* kAnnotationBindings = "attache.dev/bindings";

// Per-pod overrides of the ambassador's resources and log level.
inline constexpr const char* kAnnotationCpuRequest = "attache.dev/proxy-cpu-request";
inline constexpr const char* kAnnotationCpuLimit = "attache.dev/proxy-cpu-limit";
inline constexpr const char* kAnnotationMemoryRequest = "attache.dev/proxy-memory-request";
inline constexpr const char* kAnnotationMemoryLimit = "attache.dev/proxy-memory-limit";
inline constexpr const char* kAnnotationLogLevel = "attache.dev/proxy-log-level";

// Set by the injector (value: the injector version); its presence makes injection a no-op.
inline constexpr const char* kAnnotationInjected = "attache.dev/injected";

// Namespace label that scopes the webhook (the MutatingWebhookConfiguration's namespaceSelector).
inline constexpr const char* kNamespaceInjectionLabel = "attache.dev/injection";
inline constexpr const char* kNamespaceInjectionEnabled = "enabled";

// What the injector adds.
inline constexpr const char* kAmbassadorContainer = "attache-ambassador";
inline constexpr const char* kAmbassadorCommand = "attache-ambassador";
inline constexpr const char* kConfigVolume = "attache-config";
inline constexpr const char* kConfigDir = "/etc/attache/config";
inline constexpr const char* kSecretsVolume = "attache-secrets";
inline constexpr const char* kSecretsDir = "/etc/attache/secrets";
inline constexpr const char* kStatusPortName = "attache-status";
inline constexpr const char* kServiceBindingRootEnv = "SERVICE_BINDING_ROOT";
// The operator's ConfigMap for resource <name> is "<name>-attache" with the key "<name>.json".
inline constexpr const char* kConfigMapSuffix = "-attache";

}  // namespace attache::webhook
