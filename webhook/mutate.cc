#include "webhook/mutate.h"

#include <exception>

#include "webhook/injector.h"
#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

Mutation denied(Error error) {
  Mutation m;
  m.outcome = Outcome::kDenied;
  m.error = std::move(error);
  m.explanation = m.error.message;
  m.patch = json::array();
  return m;
}

Mutation mutateUnchecked(const json& pod, const std::string& ns, const InjectorConfig& cfg,
                         ReferenceLookup& lookup) {
  Mutation m;
  m.patch = json::array();
  Decision decision = shouldInject(pod, ns, cfg);
  m.reason = decision.reason;
  m.explanation = decision.explanation;
  if (!decision.inject) {
    if (decision.reason == SkipReason::kNoReferences ||
        decision.reason == SkipReason::kInvalidInjectValue) {
      m.warnings.push_back(decision.explanation);
    }
    return m;
  }
  static const json kEmpty = json::object();
  const json* meta = member(pod, "metadata");
  const json* annotations = meta != nullptr ? member(*meta, "annotations") : nullptr;
  auto refs = parseReferences(annotations != nullptr ? *annotations : kEmpty);
  if (!refs) return denied(refs.error());
  auto resolved = resolveReferences(*refs, ns, lookup, &m.warnings);
  if (!resolved) return denied(resolved.error());
  auto injected = inject(pod, cfg, *resolved);
  if (!injected) return denied(injected.error());
  m.outcome = Outcome::kInjected;
  m.pod = std::move(injected->pod);
  m.patch = json::diff(pod, m.pod);
  m.warnings.insert(m.warnings.end(), injected->warnings.begin(), injected->warnings.end());
  return m;
}

}  // namespace

Mutation mutatePod(const json& pod, const std::string& ns, const InjectorConfig& cfg,
                   ReferenceLookup& lookup) {
  try {
    return mutateUnchecked(pod, ns, cfg, lookup);
  } catch (const std::exception& e) {
    return denied(internalError(std::string("injection failed: ") + e.what()));
  }
}

}  // namespace attache::webhook
