// The small pure helpers of the injector: per-pod overrides, env and volume names.
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "webhook/annotations.h"
#include "webhook/injector.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

struct QuantityOverride {
  const char* annotation;
  std::string ProxyResources::*field;
};

constexpr std::array<QuantityOverride, 4> kOverrides{{
    {kAnnotationCpuRequest, &ProxyResources::cpu_request},
    {kAnnotationCpuLimit, &ProxyResources::cpu_limit},
    {kAnnotationMemoryRequest, &ProxyResources::memory_request},
    {kAnnotationMemoryLimit, &ProxyResources::memory_limit},
}};

// Checks request <= limit for one resource. When only one of them comes from the pod, the
// default one follows it (a default limit rises, a default request falls).
Status reconcileLimit(std::string* request, std::string* limit, bool request_overridden,
                      bool limit_overridden, const char* request_annotation,
                      const char* limit_annotation) {
  if (request->empty() || limit->empty()) return {};
  auto req = parseQuantity(*request);
  auto lim = parseQuantity(*limit);
  if (!req || !lim || *req <= *lim) return {};
  if (!limit_overridden) {
    *limit = *request;
    return {};
  }
  if (!request_overridden) {
    *request = *limit;
    return {};
  }
  return invalidArgument(std::string(request_annotation) + " (" + *request + ") exceeds " +
                         limit_annotation + " (" + *limit + ")");
}

uint32_t fnv1a32(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

}  // namespace

std::string addressEnvName(std::string_view resource_name) {
  std::string out = "ATTACHE_";
  for (char c : resource_name) {
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  }
  return out + "_ADDR";
}

std::string volumeName(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  if (out.size() <= 63) return out;
  char suffix[10];
  std::snprintf(suffix, sizeof(suffix), "-%08x", fnv1a32(name));
  out.resize(63 - 9);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out + suffix;
}

Result<ProxySettings> proxySettings(const json& annotations, const InjectorConfig& cfg) {
  ProxySettings s{cfg.resources, cfg.log_level};
  std::array<bool, kOverrides.size()> overridden{};
  for (size_t i = 0; i < kOverrides.size(); ++i) {
    const json* value = member(annotations, kOverrides[i].annotation);
    if (value == nullptr) continue;
    if (!value->is_string()) {
      return invalidArgument(std::string(kOverrides[i].annotation) + ": must be a string");
    }
    const std::string& text = value->get_ref<const std::string&>();
    if (!text.empty()) {
      if (auto q = parseQuantity(text); !q) {
        return invalidArgument(std::string(kOverrides[i].annotation) + ": " + q.error().message);
      }
    }
    s.resources.*kOverrides[i].field = text;
    overridden[i] = true;
  }
  if (auto st = reconcileLimit(&s.resources.cpu_request, &s.resources.cpu_limit, overridden[0],
                               overridden[1], kAnnotationCpuRequest, kAnnotationCpuLimit);
      !st) {
    return st.error();
  }
  if (auto st =
          reconcileLimit(&s.resources.memory_request, &s.resources.memory_limit, overridden[2],
                         overridden[3], kAnnotationMemoryRequest, kAnnotationMemoryLimit);
      !st) {
    return st.error();
  }
  if (const json* level = member(annotations, kAnnotationLogLevel); level != nullptr) {
    std::string text = level->is_string() ? level->get<std::string>() : "";
    if (!isValidLogLevel(text)) {
      return invalidArgument(std::string(kAnnotationLogLevel) + ": '" + text +
                             "' is not one of trace, debug, info, warn, error, critical, off");
    }
    s.log_level = text;
  }
  return s;
}

}  // namespace attache::webhook
