// AdmissionReview v1 decoding and encoding (admission.k8s.io/v1). Pure; untrusted input never
// throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "webhook/mutate.h"

namespace attache::webhook {

// Deeper JSON is refused before parsing (Kubernetes objects nest ~15 levels).
inline constexpr size_t kMaxJsonDepth = 100;

struct AdmissionRequest {
  std::string uid;
  std::string operation;  // CREATE, UPDATE, DELETE, CONNECT
  std::string kind_group, kind_version, kind;
  std::string sub_resource;
  std::string ns;
  std::string name;
  bool dry_run = false;
  nlohmann::json object;  // request.object (null for DELETE)
};

// kInvalidArgument naming the problem for anything that is not an AdmissionReview v1 with a
// request carrying a uid, a kind and an operation, or whose JSON nests deeper than kMaxJsonDepth.
Result<AdmissionRequest> decodeAdmissionReview(std::string_view body);

// True for the creation of a core/v1 Pod (no subresource).
bool isPodCreate(const AdmissionRequest& request);

// The pod namespace of the request (request.namespace, else object.metadata.namespace).
std::string requestNamespace(const AdmissionRequest& request);

// Decides and injects: a review that is not a pod creation is skipped (kNotPodCreate).
Mutation reviewAdmission(const AdmissionRequest& request, const InjectorConfig& cfg,
                         ReferenceLookup& lookup);

// The AdmissionReview response: allowed with a base64 JSONPatch when injected, allowed without
// a patch when skipped, denied with status {code, reason, message} when denied. Echoes `uid`.
std::string encodeAdmissionResponse(const std::string& uid, const Mutation& mutation);

// The HTTP-like status code of a denial (400 invalid, 404 not found, 503 unavailable, ...).
int denialCode(const Error& error);

// Standard base64 with padding.
std::string base64Encode(std::string_view data);

// The deepest nesting of arrays/objects in `text` (strings are skipped); stops counting at
// `limit` + 1.
size_t jsonNestingDepth(std::string_view text, size_t limit = kMaxJsonDepth);

}  // namespace attache::webhook
