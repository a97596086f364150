#include "webhook/injector.h"

#include <set>

#include "webhook/annotations.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

// The containers the app runs: every container and init container but the ambassador.
template <typename Fn>
void forEachAppContainer(json& spec, Fn fn) {
  for (const char* list : {"initContainers", "containers"}) {
    json* containers = spec.contains(list) ? &spec[list] : nullptr;
    if (containers == nullptr || !containers->is_array()) continue;
    for (json& c : *containers) {
      if (stringMember(c, "name") != kAmbassadorContainer) fn(c);
    }
  }
}

Status checkList(const json& obj, const char* key, const std::string& where) {
  const json* list = member(obj, key);
  if (list == nullptr || list->is_null()) return {};
  if (!list->is_array()) return invalidArgument(where + "." + key + " must be a list");
  for (const json& item : *list) {
    if (!item.is_object()) return invalidArgument(where + "." + key + " must hold objects");
  }
  return {};
}

// The parts of the pod the injector edits must have the types Kubernetes gives them.
Status checkPodShape(const json& pod) {
  if (!pod.is_object()) return invalidArgument("the pod is not an object");
  const json* spec = member(pod, "spec");
  if (spec == nullptr || !spec->is_object()) return invalidArgument("the pod has no spec");
  const json* meta = member(pod, "metadata");
  if (meta != nullptr && !meta->is_object()) return invalidArgument("metadata must be an object");
  const json* annotations = meta != nullptr ? member(*meta, "annotations") : nullptr;
  if (annotations != nullptr && !annotations->is_object() && !annotations->is_null()) {
    return invalidArgument("metadata.annotations must be an object");
  }
  for (const char* key : {"containers", "initContainers", "volumes"}) {
    if (auto st = checkList(*spec, key, "spec"); !st) return st;
  }
  for (const char* list : {"containers", "initContainers"}) {
    const json* containers = member(*spec, list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (const json& c : *containers) {
      std::string where = std::string("spec.") + list + "[" + stringMember(c, "name") + "]";
      for (const char* key : {"env", "ports", "volumeMounts"}) {
        if (auto st = checkList(c, key, where); !st) return st;
      }
    }
  }
  return {};
}

// Listen ports, env names and volume names must not collide with each other or the pod's.
Status checkConflicts(const json& spec, const InjectorConfig& cfg,
                      const std::vector<ResolvedReference>& refs) {
  std::set<int> ports{cfg.admin_port, cfg.status_port};
  std::set<std::string> envs;
  for (const auto& r : refs) {
    if (!ports.insert(r.port).second) {
      return invalidArgument(
          std::string(referenceKindName(r.ref.kind)) + " \"" + r.ref.name + "\" listens on port " +
          std::to_string(r.port) +
          ", which another reference or the ambassador's admin or status port uses");
    }
    if (!envs.insert(addressEnvName(r.ref.name)).second) {
      return invalidArgument("two references map to " + addressEnvName(r.ref.name));
    }
  }
  for (const char* list : {"initContainers", "containers"}) {
    const json* containers = member(spec, list);
    if (containers == nullptr || !containers->is_array()) continue;
    for (const json& c : *containers) {
      const json* cports = member(c, "ports");
      if (cports == nullptr || !cports->is_array()) continue;
      for (const json& p : *cports) {
        const json* port = member(p, "containerPort");
        if (port != nullptr && port->is_number_integer() && ports.count(port->get<int>()) > 0) {
          return invalidArgument("container \"" + stringMember(c, "name") + "\" declares port " +
                                 std::to_string(port->get<int>()) +
                                 ", which the ambassador needs on the pod's loopback");
        }
      }
    }
  }
  return {};
}

json projectedConfigVolume(const std::vector<ResolvedReference>& refs) {
  json sources = json::array();
  for (const auto& r : refs) {
    std::string file = r.ref.name + ".json";
    sources.push_back({{"configMap",
                        {{"name", r.ref.name + kConfigMapSuffix},
                         {"optional", true},
                         {"items", json::array({{{"key", file}, {"path", file}}})}}}});
  }
  return {{"name", kConfigVolume}, {"projected", {{"sources", std::move(sources)}}}};
}

// nullopt-like: an empty json when no reference needs a Secret.
json projectedSecretsVolume(const std::vector<ResolvedReference>& refs) {
  json sources = json::array();
  for (const auto& r : refs) {
    for (const auto& s : r.secrets) {
      sources.push_back(
          {{"secret",
            {{"name", s.secret},
             {"optional", true},
             {"items", json::array({{{"key", s.key}, {"path", r.ref.name + "/" + s.path}}})}}}});
    }
  }
  if (sources.empty()) return json();
  return {{"name", kSecretsVolume}, {"projected", {{"sources", std::move(sources)}}}};
}

json resourcesJson(const ProxyResources& r) {
  json requests = json::object(), limits = json::object();
  if (!r.cpu_request.empty()) requests["cpu"] = r.cpu_request;
  if (!r.memory_request.empty()) requests["memory"] = r.memory_request;
  if (!r.cpu_limit.empty()) limits["cpu"] = r.cpu_limit;
  if (!r.memory_limit.empty()) limits["memory"] = r.memory_limit;
  json out = json::object();
  if (!requests.empty()) out["requests"] = std::move(requests);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

json httpProbe(const char* path, int port, int period, int failures) {
  return {{"httpGet", {{"path", path}, {"port", port}, {"scheme", "HTTP"}}},
          {"periodSeconds", period},
          {"timeoutSeconds", 1},
          {"successThreshold", 1},
          {"failureThreshold", failures}};
}

json fieldEnv(const char* name, const char* path) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
}

json ambassadorContainer(const InjectorConfig& cfg, const ProxySettings& settings,
                         bool has_secrets) {
  json mounts =
      json::array({{{"name", kConfigVolume}, {"mountPath", kConfigDir}, {"readOnly", true}}});
  if (has_secrets) {
    mounts.push_back({{"name", kSecretsVolume}, {"mountPath", kSecretsDir}, {"readOnly", true}});
  }
  json c = {
      {"name", kAmbassadorContainer},
      {"image", cfg.proxy_image},
      {"imagePullPolicy", cfg.image_pull_policy},
      {"command", json::array({kAmbassadorCommand})},
      {"args", json::array({"--config-dir", kConfigDir, "--admin",
                            "127.0.0.1:" + std::to_string(cfg.admin_port), "--status",
                            "0.0.0.0:" + std::to_string(cfg.status_port), "--log-level",
                            settings.log_level})},
      {"ports",
       json::array(
           {{{"name", kStatusPortName}, {"containerPort", cfg.status_port}, {"protocol", "TCP"}}})},
      {"env", json::array({fieldEnv("POD_NAME", "metadata.name"),
                           fieldEnv("POD_NAMESPACE", "metadata.namespace")})},
      {"resources", resourcesJson(settings.resources)},
      {"volumeMounts", std::move(mounts)},
      // /readyz answers 200 once every listener is bound and has a backend: the app starts
      // after its proxy (native sidecars), and the pod is Ready only while the proxy is.
      {"startupProbe", httpProbe("/readyz", cfg.status_port, 1, 300)},
      {"readinessProbe", httpProbe("/readyz", cfg.status_port, 5, 3)},
      {"livenessProbe", httpProbe("/healthz", cfg.status_port, 10, 3)},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", cfg.run_as_user},
        {"runAsGroup", cfg.run_as_user},
        {"readOnlyRootFilesystem", true},
        {"allowPrivilegeEscalation", false},
        {"privileged", false},
        {"capabilities", {{"drop", json::array({"ALL"})}}},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
  };
  if (cfg.sidecar_mode == SidecarMode::kNative) c["restartPolicy"] = "Always";
  return c;
}

bool hasNamed(const json& list, const std::string& name) {
  if (!list.is_array()) return false;
  for (const json& item : list) {
    if (stringMember(item, "name") == name) return true;
  }
  return false;
}

Status addVolumes(json& spec, const std::vector<ResolvedReference>& refs, bool* has_secrets) {
  json& volumes = arrayMember(spec, "volumes");
  json secrets = projectedSecretsVolume(refs);
  *has_secrets = !secrets.is_null();
  for (const char* name : {kConfigVolume, kSecretsVolume}) {
    if (hasNamed(volumes, name)) {
      return invalidArgument(std::string("the pod already has a volume named \"") + name + "\"");
    }
  }
  volumes.push_back(projectedConfigVolume(refs));
  if (*has_secrets) volumes.push_back(std::move(secrets));
  return {};
}

// servicebinding.io: the binding Secret of each projected ServiceBinding, as a volume.
Status addBindingVolumes(json& spec, const std::vector<ResolvedReference>& refs,
                         std::vector<std::string>* warnings) {
  json& volumes = arrayMember(spec, "volumes");
  for (const auto& r : refs) {
    if (!r.project) continue;
    if (r.binding_secret.empty()) {
      warnings->push_back("ServiceBinding \"" + r.ref.name +
                          "\" has no status.binding yet: $SERVICE_BINDING_ROOT/" + r.ref.name +
                          " is not projected into this pod (recreate the pod once it is Ready)");
      continue;
    }
    std::string name = volumeName("attache-binding-", r.ref.name);
    if (hasNamed(volumes, name)) {
      return invalidArgument("the pod already has a volume named \"" + name + "\"");
    }
    volumes.push_back(
        {{"name", name}, {"secret", {{"secretName", r.binding_secret}, {"optional", true}}}});
  }
  return {};
}

// The value of env var `name` when the container sets it literally, else "".
std::string literalEnv(const json& container, const std::string& name, bool* present) {
  const json* env = member(container, "env");
  *present = false;
  if (env == nullptr || !env->is_array()) return "";
  for (const json& e : *env) {
    if (stringMember(e, "name") == name) {
      *present = true;
      return stringMember(e, "value");
    }
  }
  return "";
}

void addAppEnvironment(json& container, const InjectorConfig& cfg,
                       const std::vector<ResolvedReference>& refs,
                       std::vector<std::string>* warnings) {
  json& env = arrayMember(container, "env");
  for (const auto& r : refs) {
    std::string name = addressEnvName(r.ref.name);
    bool present = false;
    literalEnv(container, name, &present);
    if (!present) env.push_back({{"name", name}, {"value", "127.0.0.1:" + std::to_string(r.port)}});
  }
  bool root_present = false;
  std::string root = literalEnv(container, kServiceBindingRootEnv, &root_present);
  bool root_added = false;
  for (const auto& r : refs) {
    if (!r.project || r.binding_secret.empty()) continue;
    if (!root_present && !root_added) {
      env.push_back({{"name", kServiceBindingRootEnv}, {"value", cfg.service_binding_root}});
      root = cfg.service_binding_root;
      root_added = true;
    }
    if (root.empty()) root = cfg.service_binding_root;
    std::string path = root + "/" + r.ref.name;
    json& mounts = arrayMember(container, "volumeMounts");
    bool taken = false;
    for (const json& m : mounts) taken = taken || stringMember(m, "mountPath") == path;
    if (taken) {
      warnings->push_back("container \"" + stringMember(container, "name") + "\" already mounts " +
                          path + ": binding \"" + r.ref.name + "\" not projected there");
      continue;
    }
    mounts.push_back({{"name", volumeName("attache-binding-", r.ref.name)},
                      {"mountPath", path},
                      {"readOnly", true}});
  }
}

}  // namespace

Result<InjectionResult> inject(const json& pod, const InjectorConfig& cfg,
                               const std::vector<ResolvedReference>& refs) {
  if (auto st = checkPodShape(pod); !st) return st.error();
  if (refs.empty()) return invalidArgument("no resource to serve");
  static const json kEmpty = json::object();
  const json* meta = member(pod, "metadata");
  const json* annotations = meta != nullptr ? member(*meta, "annotations") : nullptr;
  auto settings = proxySettings(annotations != nullptr ? *annotations : kEmpty, cfg);
  if (!settings) return settings.error();
  if (auto st = checkConflicts(*member(pod, "spec"), cfg, refs); !st) return st.error();

  InjectionResult out{pod, {}};
  json& spec = out.pod["spec"];
  bool has_secrets = false;
  if (auto st = addVolumes(spec, refs, &has_secrets); !st) return st.error();
  if (auto st = addBindingVolumes(spec, refs, &out.warnings); !st) return st.error();
  forEachAppContainer(spec, [&](json& c) { addAppEnvironment(c, cfg, refs, &out.warnings); });

  json ambassador = ambassadorContainer(cfg, *settings, has_secrets);
  if (cfg.sidecar_mode == SidecarMode::kNative) {
    // First, so that other init containers can already reach the resources through it.
    json& init = arrayMember(spec, "initContainers");
    init.insert(init.begin(), std::move(ambassador));
  } else {
    arrayMember(spec, "containers").push_back(std::move(ambassador));
    std::string restart = stringMember(spec, "restartPolicy");
    if (!restart.empty() && restart != "Always") {
      out.warnings.push_back(
          "the cluster has no native sidecars: the ambassador keeps this run-to-completion pod "
          "running after the app exits");
    }
  }
  json& out_meta = objectMember(out.pod, "metadata");
  objectMember(out_meta, "annotations")[kAnnotationInjected] = cfg.injector_version;
  return out;
}

}  // namespace attache::webhook
