// attache-webhook: the mutating admission webhook that injects an ambassador sidecar into
// opted-in pods; `attache-webhook inject -f pod.yaml` does the same offline.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/logging.h"
#include "webhook/cluster_version.h"
#include "webhook/commands.h"

namespace attache::webhook {

namespace {

Result<int> intFlag(const ParsedArgs& args, const std::string& name) {
  const std::string text = args.get(name);
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0') {
    return invalidArgument("--" + name + ": '" + text + "' is not a number");
  }
  return static_cast<int>(v);
}

CommandLine makeCommandLine() {
  CommandLine cli(
      "attache-webhook",
      "Mutating admission webhook that injects one configured ambassador into annotated pods.\n"
      "  attache-webhook [--kubeconfig K] [--listen ADDR] ...      serve /mutate over HTTPS\n"
      "  attache-webhook inject -f pod.yaml [--resources crs.yaml]  print the injected manifest\n"
      "Local mode: --listen 127.0.0.1:PORT --self-register-url https://127.0.0.1:PORT/mutate");
  cli.add({"kubeconfig", 0, "PATH", "kubeconfig to use out of cluster (default: in-cluster)", ""})
      .add({"listen", 0, "ADDR", "HTTPS listen address", "0.0.0.0:8443"})
      .add({"threads", 0, "N", "HTTPS I/O threads", "2"})
      .add({"namespace", 0, "NS", "Attache's namespace (default: $POD_NAMESPACE)", ""})
      .add({"file", 'f', "PATH", "inject: manifest to inject ('-' = stdin)", ""})
      .add({"output", 'o', "FORMAT", "inject: yaml or json (default: the input's)", ""})
      .add({"resources", 0, "PATH", "inject: ShardedService/ServiceBinding manifests", ""})
      .add({"pod-namespace", 0, "NS", "inject: namespace of objects without one", "default"})
      .add({"proxy-image", 0, "IMAGE",
            "ambassador image (default: attache/attache-ambassador:<version>)", ""})
      .add({"proxy-image-pull-policy", 0, "POLICY", "Always, IfNotPresent, Never", "IfNotPresent"})
      .add({"proxy-admin-port", 0, "PORT", "ambassador admin port (loopback, /config)", "15000"})
      .add({"proxy-status-port", 0, "PORT", "ambassador status port (probes, metrics)", "15021"})
      .add({"proxy-log-level", 0, "LEVEL", "ambassador log level", "info"})
      .add({"proxy-cpu-request", 0, "QTY", "ambassador CPU request", "50m"})
      .add({"proxy-cpu-limit", 0, "QTY", "ambassador CPU limit (default: none)", ""})
      .add({"proxy-memory-request", 0, "QTY", "ambassador memory request", "32Mi"})
      .add({"proxy-memory-limit", 0, "QTY", "ambassador memory limit", "128Mi"})
      .add({"proxy-uid", 0, "UID", "ambassador runAsUser/runAsGroup", "65532"})
      .add({"native-sidecar", 0, "MODE", "auto (API server >= 1.29), true, false", "auto"})
      .add({"service-binding-root", 0, "PATH", "default $SERVICE_BINDING_ROOT", "/bindings"})
      .add({"exclude-namespaces", 0, "NS,NS", "namespaces never injected (besides Attache's own)",
            "kube-system,kube-public,kube-node-lease"})
      .add({"tls-cert-file", 0, "PATH", "serving certificate (cert-manager); reloaded on change",
            ""})
      .add({"tls-key-file", 0, "PATH", "its private key", ""})
      .add({"tls-ca-file", 0, "PATH", "CA to put in the caBundle (default: cainjector's job)", ""})
      .add({"tls-secret", 0, "NAME", "Secret of the self-managed CA and certificate", ""})
      .add({"service-name", 0, "NAME", "the webhook's Service (certificate names)",
            "attache-webhook"})
      .add({"webhook-config-name", 0, "NAME", "MutatingWebhookConfiguration", "attache-webhook"})
      .add({"self-register-url", 0, "URL", "local mode: register with this URL client config", ""})
      .add({"require-namespace-label", 0, "", "local mode: only labelled namespaces", ""})
      .add({"namespace-label", 0, "KEY=VALUE", "that label", "attache.dev/injection=enabled"})
      .add({"failure-policy", 0, "POLICY", "local mode: Fail or Ignore", "Fail"})
      .add({"keep-registration", 0, "", "local mode: leave the configuration on exit", ""})
      .add({"resync-period", 0, "SECONDS", "certificate and caBundle check interval", "30"})
      .add({"max-request-bytes", 0, "N", "largest AdmissionReview accepted", "4194304"})
      .add({"request-timeout", 0, "SECONDS", "time to receive one request", "10"})
      .add({"log-level", 0, "LEVEL", "trace, debug, info, warn, error", "info"});
  return cli;
}

}  // namespace

Result<InjectorConfig> injectorConfigFromArgs(const ParsedArgs& args) {
  InjectorConfig cfg = InjectorConfig::defaults();
  if (!args.get("proxy-image").empty()) cfg.proxy_image = args.get("proxy-image");
  cfg.image_pull_policy = args.get("proxy-image-pull-policy");
  auto admin_port = intFlag(args, "proxy-admin-port");
  if (!admin_port) return admin_port.error();
  cfg.admin_port = *admin_port;
  auto status_port = intFlag(args, "proxy-status-port");
  if (!status_port) return status_port.error();
  cfg.status_port = *status_port;
  auto uid = intFlag(args, "proxy-uid");
  if (!uid) return uid.error();
  cfg.run_as_user = *uid;
  cfg.log_level = args.get("proxy-log-level");
  cfg.resources = {args.get("proxy-cpu-request"), args.get("proxy-cpu-limit"),
                   args.get("proxy-memory-request"), args.get("proxy-memory-limit")};
  cfg.service_binding_root = args.get("service-binding-root");
  cfg.excluded_namespaces.clear();
  std::string list = args.get("exclude-namespaces");
  for (size_t start = 0; start <= list.size();) {
    size_t comma = std::min(list.find(',', start), list.size());
    std::string item = list.substr(start, comma - start);
    if (!item.empty()) cfg.excluded_namespaces.push_back(item);
    start = comma + 1;
  }
  std::string ns = args.get("namespace");
  if (ns.empty()) ns = envVar("POD_NAMESPACE").value_or("");
  if (!ns.empty()) cfg.own_namespace = ns;
  if (auto st = validateConfig(cfg); !st) return st.error();
  return cfg;
}

Result<kube::ClusterConfig> clusterConfigFromArgs(const ParsedArgs& args) {
  if (args.has("kubeconfig")) return kube::loadKubeconfig(args.get("kubeconfig"));
  return kube::loadInClusterConfig();
}

Result<SidecarMode> sidecarModeFromArgs(const ParsedArgs& args, kube::KubeClient* client) {
  const std::string mode = args.get("native-sidecar");
  auto log = componentLogger("webhook");
  if (mode == "true") return SidecarMode::kNative;
  if (mode == "false") return SidecarMode::kContainer;
  if (mode != "auto") return invalidArgument("--native-sidecar: must be auto, true or false");
  if (client == nullptr) return SidecarMode::kNative;
  auto version = fetchServerVersion(*client);
  if (!version) {
    log->warn("cannot read the API server version; assuming native sidecars error={}",
              version.error().toString());
    return SidecarMode::kNative;
  }
  bool native = supportsNativeSidecars(*version);
  log->info("sidecar mode from the API server version version={} native={}", version->git_version,
            native);
  return native ? SidecarMode::kNative : SidecarMode::kContainer;
}

}  // namespace attache::webhook

int main(int argc, char** argv) {
  attache::CommandLine cli = attache::webhook::makeCommandLine();
  auto outcome = attache::runCommandLine(cli, argc, argv);
  if (!outcome.args) return outcome.exit_code;
  const attache::ParsedArgs& args = *outcome.args;
  if (auto st = attache::setupLogging(args.get("log-level")); !st) {
    std::fprintf(stderr, "attache-webhook: --log-level: %s\n", st.error().message.c_str());
    return 2;
  }
  const auto& positional = args.positional();
  if (!positional.empty() && positional[0] == "inject") return attache::webhook::runInject(args);
  if (!positional.empty()) {
    std::fprintf(stderr, "attache-webhook: unknown command '%s' (see --help)\n",
                 positional[0].c_str());
    return 2;
  }
  return attache::webhook::runServe(args);
}
