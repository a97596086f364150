// The webhook's pure core for one pod: decide, resolve the references, inject, diff. Shared by
// the HTTPS server and the offline `inject` command.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "webhook/decision.h"
#include "webhook/injector_config.h"
#include "webhook/references.h"

namespace attache::webhook {

enum class Outcome {
  kInjected,  // `pod` is the injected pod and `patch` its JSON patch
  kSkipped,   // not for us (see `reason`): allowed unchanged
  kDenied,    // opted in but injection is impossible: `error` says why
};

struct Mutation {
  Outcome outcome = Outcome::kSkipped;
  SkipReason reason = SkipReason::kNone;
  std::string explanation;
  Error error;                        // kDenied only
  nlohmann::json pod;                 // kInjected only
  nlohmann::json patch;               // RFC 6902 operations (json::diff(before, after))
  std::vector<std::string> warnings;  // for the client (admission warnings)
};

// Never throws; a library exception becomes a kDenied mutation with a kInternal error.
Mutation mutatePod(const nlohmann::json& pod, const std::string& ns, const InjectorConfig& cfg,
                   ReferenceLookup& lookup);

}  // namespace attache::webhook
