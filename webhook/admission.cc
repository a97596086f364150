#include "webhook/admission.h"

#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

constexpr const char* kAdmissionApiVersion = "admission.k8s.io/v1";

Result<json> parseBody(std::string_view body) {
  if (body.empty()) return invalidArgument("empty request body");
  if (jsonNestingDepth(body) > kMaxJsonDepth) {
    return invalidArgument("the AdmissionReview nests deeper than " +
                           std::to_string(kMaxJsonDepth) + " levels");
  }
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalidArgument("the body is not valid JSON");
  if (!doc.is_object()) return invalidArgument("the body is not a JSON object");
  return doc;
}

Status decodeKind(const json& request, AdmissionRequest* out) {
  const json* kind = member(request, "kind");
  if (kind == nullptr || !kind->is_object()) return invalidArgument("request.kind is missing");
  out->kind_group = stringMember(*kind, "group");
  out->kind_version = stringMember(*kind, "version");
  out->kind = stringMember(*kind, "kind");
  if (out->kind.empty()) return invalidArgument("request.kind.kind is missing");
  return {};
}

}  // namespace

size_t jsonNestingDepth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<AdmissionRequest> decodeAdmissionReview(std::string_view body) {
  auto doc = parseBody(body);
  if (!doc) return doc.error();
  if (stringMember(*doc, "kind") != "AdmissionReview") {
    return invalidArgument("kind must be AdmissionReview");
  }
  if (stringMember(*doc, "apiVersion") != kAdmissionApiVersion) {
    return invalidArgument(std::string("apiVersion must be ") + kAdmissionApiVersion);
  }
  json* request = doc->contains("request") ? &(*doc)["request"] : nullptr;
  if (request == nullptr || !request->is_object()) return invalidArgument("request is missing");
  AdmissionRequest out;
  out.uid = stringMember(*request, "uid");
  if (out.uid.empty()) return invalidArgument("request.uid is missing");
  if (out.uid.size() > 128) return invalidArgument("request.uid is too long");
  out.operation = stringMember(*request, "operation");
  if (out.operation.empty()) return invalidArgument("request.operation is missing");
  if (auto st = decodeKind(*request, &out); !st) return st.error();
  out.sub_resource = stringMember(*request, "subResource");
  out.ns = stringMember(*request, "namespace");
  out.name = stringMember(*request, "name");
  const json* dry_run = member(*request, "dryRun");
  out.dry_run = dry_run != nullptr && dry_run->is_boolean() && dry_run->get<bool>();
  if (request->contains("object")) out.object = std::move((*request)["object"]);
  return out;
}

bool isPodCreate(const AdmissionRequest& request) {
  return request.operation == "CREATE" && request.kind == "Pod" && request.kind_group.empty() &&
         request.sub_resource.empty();
}

std::string requestNamespace(const AdmissionRequest& request) {
  if (!request.ns.empty()) return request.ns;
  const json* meta = member(request.object, "metadata");
  return meta != nullptr ? stringMember(*meta, "namespace") : "";
}

Mutation reviewAdmission(const AdmissionRequest& request, const InjectorConfig& cfg,
                         ReferenceLookup& lookup) {
  if (!isPodCreate(request) || !request.object.is_object()) {
    Mutation m;
    m.reason = SkipReason::kNotPodCreate;
    m.explanation = "not the creation of a Pod";
    m.patch = json::array();
    return m;
  }
  return mutatePod(request.object, requestNamespace(request), cfg, lookup);
}

int denialCode(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kConflict:
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kUnavailable:
    case ErrorCode::kGone:
      return 503;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string encodeAdmissionResponse(const std::string& uid, const Mutation& mutation) {
  // The envelope by hand: the patch is base64 (nothing to escape) and the largest part, so it is
  // appended once instead of being copied into a JSON value and escaped again.
  auto quoted = [](const std::string& s) {
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::string out = R"({"apiVersion":")";
  out.append(kAdmissionApiVersion).append(R"(","kind":"AdmissionReview","response":{"uid":)");
  out.append(quoted(uid));
  out.append(mutation.outcome != Outcome::kDenied ? R"(,"allowed":true)" : R"(,"allowed":false)");
  if (mutation.outcome == Outcome::kInjected && !mutation.patch.empty()) {
    out.append(R"(,"patchType":"JSONPatch","patch":")");
    out.append(base64Encode(mutation.patch.dump(-1, ' ', false, json::error_handler_t::replace)));
    out.append("\"");
  }
  if (mutation.outcome == Outcome::kDenied) {
    json status = {{"code", denialCode(mutation.error)},
                   {"reason", std::string(errorCodeName(mutation.error.code))},
                   {"message", "attache: " + mutation.error.message}};
    out.append(R"(,"status":)").append(status.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (!mutation.warnings.empty()) {
    out.append(R"(,"warnings":)")
        .append(json(mutation.warnings).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  out.append("}}");
  return out;
}

std::string base64Encode(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(data[i]) << 16) | (static_cast<uint8_t>(data[i + 1]) << 8) |
                 static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace attache::webhook
