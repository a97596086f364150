#include "webhook/manifest.h"

#include <map>

#include "webhook/json_util.h"
#include "webhook/mutate.h"
#include "webhook/yaml_json.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

// Where each workload kind keeps its pod template.
const std::map<std::string, json::json_pointer>& templatePaths() {
  static const std::map<std::string, json::json_pointer> kPaths{
      {"Deployment", json::json_pointer("/spec/template")},
      {"StatefulSet", json::json_pointer("/spec/template")},
      {"DaemonSet", json::json_pointer("/spec/template")},
      {"ReplicaSet", json::json_pointer("/spec/template")},
      {"ReplicationController", json::json_pointer("/spec/template")},
      {"Job", json::json_pointer("/spec/template")},
      {"CronJob", json::json_pointer("/spec/jobTemplate/spec/template")},
      {"PodTemplate", json::json_pointer("/template")},
  };
  return kPaths;
}

std::string describe(const json& object) {
  const json* meta = member(object, "metadata");
  std::string name = meta != nullptr ? stringMember(*meta, "name") : "";
  return stringMember(object, "kind") + "/" + (name.empty() ? "<unnamed>" : name);
}

Status injectObject(json& object, const InjectorConfig& cfg, ReferenceLookup& lookup,
                    const std::string& default_ns, ManifestInjection* out);

Status injectList(json& list, const InjectorConfig& cfg, ReferenceLookup& lookup,
                  const std::string& default_ns, ManifestInjection* out) {
  if (!list.contains("items") || !list["items"].is_array()) return {};
  for (json& item : list["items"]) {
    if (auto st = injectObject(item, cfg, lookup, default_ns, out); !st) return st;
  }
  return {};
}

Status injectObject(json& object, const InjectorConfig& cfg, ReferenceLookup& lookup,
                    const std::string& default_ns, ManifestInjection* out) {
  std::string kind = stringMember(object, "kind");
  if (kind == "List" || (kind.size() > 4 && kind.ends_with("List"))) {
    return injectList(object, cfg, lookup, default_ns, out);
  }
  json* pod = nullptr;
  if (kind == "Pod") {
    pod = &object;
  } else if (auto path = templatePaths().find(kind); path != templatePaths().end()) {
    if (object.contains(path->second)) pod = &object[path->second];
  }
  if (pod == nullptr || !pod->is_object()) return {};
  const json* meta = member(object, "metadata");
  std::string ns = meta != nullptr ? stringMember(*meta, "namespace") : "";
  if (ns.empty()) ns = default_ns;
  Mutation m = mutatePod(*pod, ns, cfg, lookup);
  for (auto& w : m.warnings) out->warnings.push_back(describe(object) + ": " + w);
  switch (m.outcome) {
    case Outcome::kDenied:
      return Error{m.error.code, describe(object) + ": " + m.error.message};
    case Outcome::kSkipped:
      out->notes.push_back(describe(object) + ": skipped (" +
                           std::string(skipReasonName(m.reason)) + ")");
      return {};
    case Outcome::kInjected:
      *pod = std::move(m.pod);
      out->notes.push_back(describe(object) + ": injected");
      return {};
  }
  return {};
}

}  // namespace

Result<Manifest> parseManifest(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  Manifest out;
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    out.format = ManifestFormat::kJson;
    json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return invalidArgument("invalid JSON");
    if (doc.is_array()) {
      for (auto& item : doc) out.objects.push_back(std::move(item));
    } else {
      out.objects.push_back(std::move(doc));
    }
    return out;
  }
  auto docs = parseYamlDocuments(text);
  if (!docs) return docs.error();
  out.objects = std::move(*docs);
  return out;
}

Result<ManifestInjection> injectManifest(const std::vector<json>& objects,
                                         const InjectorConfig& cfg, ReferenceLookup& lookup,
                                         const std::string& default_ns) {
  ManifestInjection out;
  out.objects = objects;
  for (json& object : out.objects) {
    if (!object.is_object()) return invalidArgument("a manifest document is not an object");
    if (auto st = injectObject(object, cfg, lookup, default_ns, &out); !st) return st.error();
  }
  return out;
}

std::string renderManifest(const std::vector<json>& objects, ManifestFormat format) {
  if (format == ManifestFormat::kJson) {
    json doc = objects.size() == 1
                   ? objects.front()
                   : json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", objects}};
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }
  std::string out;
  for (size_t i = 0; i < objects.size(); ++i) {
    if (i > 0) out += "---\n";
    out += toYaml(objects[i]);
  }
  return out;
}

}  // namespace attache::webhook
