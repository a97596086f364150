// `attache-webhook inject -f pod.yaml`: the webhook's injection, offline (like istioctl
// kube-inject). References resolve from --resources files, or from the cluster with --kubeconfig.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>

#include "common/kube/kube_rest.h"
#include "common/kube/resource.h"
#include "common/logging.h"
#include "webhook/commands.h"
#include "webhook/manifest.h"

namespace attache::webhook {
namespace {

// Reads references straight from the API server.
class ClusterLookup : public ReferenceLookup {
 public:
  explicit ClusterLookup(kube::KubeClient& client) : client_(client) {}
  Result<std::shared_ptr<const nlohmann::json>> find(ReferenceKind kind, const std::string& ns,
                                                     const std::string& name) override {
    const auto& ref =
        kind == ReferenceKind::kShardedService ? kube::kShardedServices : kube::kServiceBindings;
    auto got = client_.get(ref, ns, name);
    if (got) return std::make_shared<const nlohmann::json>(std::move(*got));
    if (got.error().code == ErrorCode::kNotFound) return std::shared_ptr<const nlohmann::json>();
    return got.error();
  }

 private:
  kube::KubeClient& client_;
};

Result<std::string> readInput(const std::string& path) {
  if (path == "-") {
    std::ostringstream os;
    os << std::cin.rdbuf();
    return os.str();
  }
  return kube::readTextFile(path, "-f");
}

Status loadResources(const std::string& path, const std::string& default_ns, StaticLookup* lookup) {
  auto text = kube::readTextFile(path, "--resources");
  if (!text) return text.error();
  auto manifest = parseManifest(*text);
  if (!manifest) return invalidArgument("--resources " + path + ": " + manifest.error().message);
  for (const auto& object : manifest->objects) {
    if (!referenceKindOf(object)) continue;  // other objects in the file are ignored
    if (auto st = lookup->add(object, default_ns); !st) {
      return invalidArgument("--resources " + path + ": " + st.error().message);
    }
  }
  return {};
}

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "attache-webhook inject: %s\n", message.c_str());
  return code;
}

}  // namespace

int runInject(const ParsedArgs& args) {
  if (args.get("file").empty()) return fail(2, "-f PATH is required ('-' for stdin)");
  auto cfg = injectorConfigFromArgs(args);
  if (!cfg) return fail(2, cfg.error().message);
  const std::string pod_ns = args.get("pod-namespace");
  StaticLookup static_lookup;
  kube::KubeClientPtr client;
  std::unique_ptr<ClusterLookup> cluster_lookup;
  std::optional<kube::ClusterConfig> cluster;
  if (args.has("kubeconfig")) {
    auto loaded = kube::loadKubeconfig(args.get("kubeconfig"));
    if (!loaded) return fail(2, loaded.error().message);
    cluster = std::move(*loaded);
    auto made = kube::makeRestClient(*cluster);
    if (!made) return fail(2, made.error().message);
    client = std::move(*made);
    cluster_lookup = std::make_unique<ClusterLookup>(*client);
  }
  if (args.has("resources")) {
    if (auto st = loadResources(args.get("resources"), pod_ns, &static_lookup); !st) {
      return fail(2, st.error().message);
    }
  }
  auto mode = sidecarModeFromArgs(args, client.get());
  if (!mode) return fail(2, mode.error().message);
  cfg->sidecar_mode = *mode;
  auto input = readInput(args.get("file"));
  if (!input) return fail(1, input.error().message);
  auto manifest = parseManifest(*input);
  if (!manifest) return fail(1, args.get("file") + ": " + manifest.error().message);
  ReferenceLookup& lookup = cluster_lookup ? static_cast<ReferenceLookup&>(*cluster_lookup)
                                           : static_cast<ReferenceLookup&>(static_lookup);
  auto injected = injectManifest(manifest->objects, *cfg, lookup, pod_ns);
  if (!injected) return fail(1, injected.error().message);
  for (const auto& w : injected->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  ManifestFormat format = manifest->format;
  const std::string output = args.get("output");
  if (output == "json") format = ManifestFormat::kJson;
  if (output == "yaml") format = ManifestFormat::kYaml;
  if (!output.empty() && output != "json" && output != "yaml") {
    return fail(2, "-o: must be yaml or json");
  }
  std::fputs(renderManifest(injected->objects, format).c_str(), stdout);
  return 0;
}

}  // namespace attache::webhook
