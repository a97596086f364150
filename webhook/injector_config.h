// What the injector is configured with (flags of attache-webhook): the ambassador's image,
// admin port, default resources and log level, the sidecar mode and the excluded namespaces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace attache::webhook {

// A native sidecar is an init container with restartPolicy: Always (Kubernetes >= 1.29); a
// plain container is the fallback for older clusters.
enum class SidecarMode { kNative, kContainer };

struct ProxyResources {
  std::string cpu_request = "50m";
  std::string cpu_limit;  // "" = no limit (CPU throttling hurts tail latency)
  std::string memory_request = "32Mi";
  std::string memory_limit = "128Mi";
};

struct InjectorConfig {
  std::string proxy_image;  // default: attache/attache-ambassador:<version>
  std::string image_pull_policy = "IfNotPresent";
  SidecarMode sidecar_mode = SidecarMode::kNative;
  // The full admin endpoint (/config included) stays on 127.0.0.1:<admin_port>; the status
  // endpoint (/healthz /readyz /metrics) listens on 0.0.0.0:<status_port>, where the kubelet's
  // httpGet probes (which target the pod IP) and Prometheus reach it.
  int admin_port = 15000;
  int status_port = 15021;
  std::string log_level = "info";
  ProxyResources resources;
  int64_t run_as_user = 65532;  // distroless "nonroot"
  std::string own_namespace = "attache-system";
  std::vector<std::string> excluded_namespaces{"kube-system", "kube-public", "kube-node-lease"};
  std::string injector_version;  // value of attache.dev/injected; default: the build's version
  std::string service_binding_root = "/bindings";

  // The built-in defaults with the build's version filled in.
  static InjectorConfig defaults();
};

// kInvalidArgument naming the bad field (startup misconfiguration).
Status validateConfig(const InjectorConfig& cfg);

// True for the log levels the ambassador accepts.
bool isValidLogLevel(const std::string& level);

// Kubernetes resource quantities ("100m", "64Mi", "1.5", "1e3"): the value in base units, or
// kInvalidArgument. Only non-negative quantities are accepted.
Result<double> parseQuantity(const std::string& text);

}  // namespace attache::webhook
