#include "operator/controllers/service_binding.h"

#include <cctype>
#include <utility>

#include "common/kube/kubeconfig.h"
#include "operator/controllers/json_fields.h"
#include "operator/controllers/owned_config.h"

namespace attache::controller {

using nlohmann::json;

namespace {

Result<Candidate> parseCandidate(const json& item, const std::string& path, const std::string& ns) {
  if (!item.is_object()) return specError(path, "must be an object");
  const char* kinds[] = {"service", "secretRef", "provisionedService", "external"};
  int set = 0;
  for (const char* k : kinds) set += item.contains(k) ? 1 : 0;
  if (set != 1) {
    return specError(path,
                     "sets exactly one of service, secretRef, provisionedService or external");
  }
  Candidate c;
  c.ns = ns;
  if (item.contains("service")) {
    c.kind = CandidateKind::kService;
    const json& s = item["service"];
    if (!s.is_object()) return specError(path + ".service", "must be an object");
    for (const auto& st : {readString(s, "name", path + ".service.", c.name),
                           readString(s, "namespace", path + ".service.", c.ns),
                           readInt(s, "port", path + ".service.", c.port, 1, 65535)}) {
      if (!st.ok()) return st.error();
    }
    if (c.ns.empty()) c.ns = ns;
    if (c.name.empty() || c.port == 0) return specError(path + ".service", "needs name and port");
  } else if (item.contains("secretRef")) {
    c.kind = CandidateKind::kSecret;
    if (!item["secretRef"].is_object()) return specError(path + ".secretRef", "must be an object");
    if (auto st = readString(item["secretRef"], "name", path + ".secretRef.", c.name); !st.ok())
      return st.error();
    if (c.name.empty()) return specError(path + ".secretRef.name", "is required");
  } else if (item.contains("provisionedService")) {
    c.kind = CandidateKind::kProvisioned;
    const json& p = item["provisionedService"];
    if (!p.is_object()) return specError(path + ".provisionedService", "must be an object");
    for (const auto& st :
         {readString(p, "apiVersion", path + ".provisionedService.", c.api_version),
          readString(p, "kind", path + ".provisionedService.", c.resource_kind),
          readString(p, "name", path + ".provisionedService.", c.name)}) {
      if (!st.ok()) return st.error();
    }
    if (c.api_version.empty() || c.resource_kind.empty() || c.name.empty()) {
      return specError(path + ".provisionedService", "needs apiVersion, kind and name");
    }
  } else {
    c.kind = CandidateKind::kExternal;
    if (!item["external"].is_object()) return specError(path + ".external", "must be an object");
    for (const auto& st :
         {readString(item["external"], "host", path + ".external.", c.host),
          readInt(item["external"], "port", path + ".external.", c.port, 1, 65535)}) {
      if (!st.ok()) return st.error();
    }
    if (c.host.empty() || c.port == 0) return specError(path + ".external", "needs host and port");
  }
  return c;
}

Status parseTls(const json& spec, BindingSpec& out) {
  const json* tls = objectAt(spec, "tls");
  if (tls == nullptr) return specError("spec.tls", "must be an object");
  for (const auto& st : {readString(*tls, "mode", "spec.tls.", out.tls_mode),
                         readString(*tls, "serverName", "spec.tls.", out.tls_server_name)}) {
    if (!st.ok()) return st;
  }
  if (out.tls_mode != "disable" && out.tls_mode != "originate") {
    return specError("spec.tls.mode", "must be disable or originate");
  }
  out.tls_ca = tls->contains("caSecretRef");
  out.tls_client_cert = tls->contains("clientCertSecretRef");
  if (out.tls_mode == "disable" &&
      (out.tls_ca || out.tls_client_cert || !out.tls_server_name.empty())) {
    return specError("spec.tls",
                     "serverName, caSecretRef and clientCertSecretRef need mode: originate");
  }
  return {};
}

}  // namespace

Result<BindingSpec> parseBindingSpec(const json& cr) {
  BindingSpec out;
  static_cast<ObjectMeta&>(out) = readObjectMeta(cr);
  auto spec = cr.find("spec");
  if (spec == cr.end() || !spec->is_object()) return specError("spec", "is required");
  if (!spec->contains("listenPort")) return specError("spec.listenPort", "is required");
  for (const auto& st :
       {readInt(*spec, "listenPort", "spec.", out.listen_port, 1, 65535),
        readInt(*spec, "connectTimeoutMs", "spec.", out.connect_timeout_ms, 1, 60000),
        parseTls(*spec, out)}) {
    if (!st.ok()) return st.error();
  }
  auto cands = spec->find("candidates");
  if (cands == spec->end() || !cands->is_array() || cands->empty()) {
    return specError("spec.candidates", "at least one candidate is required");
  }
  for (size_t i = 0; i < cands->size(); ++i) {
    auto c = parseCandidate((*cands)[i], "spec.candidates[" + std::to_string(i) + "]", out.ns);
    if (!c.ok()) return c.error();
    out.candidates.push_back(std::move(*c));
  }
  return out;
}

CandidateState evaluateService(const Candidate& c, const json* service) {
  CandidateState s;
  s.source = "service/" + c.name;
  if (service == nullptr) {
    s.reason = "service " + c.ns + "/" + c.name + " not found";
    return s;
  }
  const json ports = service->value("spec", json::object()).value("ports", json::array());
  bool exposed = ports.empty();
  for (const auto& p : ports) exposed = exposed || p.value("port", 0) == c.port;
  if (!exposed) {
    s.reason = "service " + c.name + " does not expose port " + std::to_string(c.port);
    return s;
  }
  s.available = true;
  s.host = c.name + "." + c.ns + ".svc";
  s.port = c.port;
  return s;
}

namespace {

// host/port from a servicebinding.io Secret's data.
void readBindingSecret(const json* secret, CandidateState& s) {
  if (secret == nullptr) {
    s.reason = "secret " + s.binding_secret + " not found";
    return;
  }
  const json data = secret->value("data", json::object());
  auto decoded = [&](const char* key) -> std::string {
    auto it = data.find(key);
    if (it == data.end() || !it->is_string()) return "";
    return kube::base64Decode(it->get<std::string>()).value_or("");
  };
  std::string host = decoded("host"), port = decoded("port");
  int p = 0;
  for (char ch : port) p = (ch >= '0' && ch <= '9' && p < 100000) ? p * 10 + (ch - '0') : -1;
  if (host.empty() || p < 1 || p > 65535) {
    s.reason = "secret " + s.binding_secret + " lacks valid host and port keys";
    return;
  }
  s.available = true;
  s.host = host;
  s.port = p;
}

}  // namespace

CandidateState evaluateSecret(const Candidate& c, const json* secret) {
  CandidateState s;
  s.source = "secret/" + c.name;
  s.binding_secret = c.name;
  readBindingSecret(secret, s);
  return s;
}

CandidateState evaluateProvisioned(const Candidate& c, const json* resource, const json* secret) {
  CandidateState s;
  std::string kind_lower;
  for (char ch : c.resource_kind) kind_lower += static_cast<char>(std::tolower(ch));
  s.source = kind_lower + "/" + c.name;
  if (resource == nullptr) {
    s.reason = c.resource_kind + " " + c.name + " not found";
    return s;
  }
  const json binding = resource->value("status", json::object()).value("binding", json::object());
  s.binding_secret = binding.value("name", "");
  if (s.binding_secret.empty()) {
    s.reason = c.resource_kind + " " + c.name + " has no status.binding.name yet";
    return s;
  }
  readBindingSecret(secret, s);
  return s;
}

CandidateState evaluateExternal(const Candidate& c) {
  CandidateState s;
  s.available = true;
  s.source = "external/" + c.host;
  s.host = c.host;
  s.port = c.port;
  return s;
}

int selectCandidate(const std::vector<CandidateState>& states) {
  for (size_t i = 0; i < states.size(); ++i) {
    if (states[i].available) return static_cast<int>(i);
  }
  return -1;
}

json renderBrokerListener(const BindingSpec& spec, const std::vector<CandidateState>& states) {
  json upstreams = json::array();
  for (const auto& s : states) {
    if (s.available) upstreams.push_back({{"host", s.host}, {"port", s.port}});
  }
  const std::string dir = "/etc/attache/secrets/" + spec.name + "/";
  json tls = {{"mode", spec.tls_mode}};
  if (spec.tls_mode == "originate") {
    int selected = selectCandidate(states);
    std::string server_name = spec.tls_server_name;
    if (server_name.empty() && selected >= 0) server_name = states[selected].host;
    if (!server_name.empty()) tls["serverName"] = server_name;
    if (spec.tls_ca) tls["caFile"] = dir + "ca.crt";
    if (spec.tls_client_cert) {
      tls["certFile"] = dir + "tls.crt";
      tls["keyFile"] = dir + "tls.key";
    }
  }
  return {{"name", spec.name},
          {"kind", "broker"},
          {"listen", "127.0.0.1:" + std::to_string(spec.listen_port)},
          {"upstreams", upstreams},
          {"tls", tls},
          {"connectTimeoutMs", spec.connect_timeout_ms}};
}

json computeBindingStatus(const BindingSpec& spec, const std::vector<CandidateState>& states,
                          const std::string& config_map, const json& current_status,
                          const std::string& now) {
  json status = {{"observedGeneration", spec.generation}};
  json conditions = current_status.is_object() && current_status.contains("conditions")
                        ? current_status["conditions"]
                        : json::array();
  int selected = selectCandidate(states);
  if (selected < 0) {
    std::string why;
    for (size_t i = 0; i < states.size(); ++i) {
      why += (i ? "; " : "") + std::to_string(i) + ": " + states[i].reason;
    }
    status["conditions"] = setCondition(std::move(conditions), "Ready", "False",
                                        "NoCandidateAvailable", why, spec.generation, now);
    if (!config_map.empty()) status["configMap"] = config_map;
    return status;
  }
  const CandidateState& s = states[selected];
  status["selected"] = {
      {"candidate", selected}, {"source", s.source}, {"host", s.host}, {"port", s.port}};
  if (!s.binding_secret.empty()) status["binding"] = {{"name", s.binding_secret}};
  if (!config_map.empty()) status["configMap"] = config_map;
  status["conditions"] =
      setCondition(std::move(conditions), "Ready", "True", "CandidateSelected",
                   "selected candidate " + std::to_string(selected) + " (" + s.source + ")",
                   spec.generation, now);
  return status;
}

std::vector<std::string> referencedSecrets(const json& cr) {
  std::vector<std::string> out;
  auto spec = parseBindingSpec(cr);
  if (!spec.ok()) return out;
  for (const auto& c : spec->candidates) {
    if (c.kind == CandidateKind::kSecret) out.push_back(spec->ns + "/" + c.name);
  }
  const json binding = cr.value("status", json::object()).value("binding", json::object());
  if (binding.contains("name") && binding["name"].is_string()) {
    out.push_back(spec->ns + "/" + binding["name"].get<std::string>());
  }
  return out;
}

std::vector<std::string> referencedServices(const json& cr) {
  std::vector<std::string> out;
  auto spec = parseBindingSpec(cr);
  if (!spec.ok()) return out;
  for (const auto& c : spec->candidates) {
    if (c.kind == CandidateKind::kService) out.push_back(c.ns + "/" + c.name);
  }
  return out;
}

}  // namespace attache::controller
