// shouldInject: who gets an ambassador, and the reason (a metrics label) when not.
#include <gtest/gtest.h>

#include "webhook/decision.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

json pod(json annotations, json spec = json::object()) {
  if (!spec.contains("containers")) spec["containers"] = json::array({{{"name", "app"}}});
  json p = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", json::object()}, {"spec", spec}};
  if (!annotations.is_null()) p["metadata"]["annotations"] = annotations;
  return p;
}

struct Case {
  std::string name;
  json pod;
  std::string ns;
  bool inject;
  SkipReason reason;
};

class DecisionTest : public ::testing::TestWithParam<Case> {};

TEST_P(DecisionTest, DecidesWithAReason) {
  const Case& c = GetParam();
  Decision d = shouldInject(c.pod, c.ns, InjectorConfig::defaults());
  EXPECT_EQ(d.inject, c.inject) << d.explanation;
  EXPECT_EQ(d.reason, c.reason) << skipReasonName(d.reason);
  EXPECT_FALSE(d.explanation.empty());
}

const json kOptIn = {{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", "cache"}};

INSTANTIATE_TEST_SUITE_P(
    Table, DecisionTest,
    ::testing::Values(
        Case{"AnOptedInPodWithAReferenceIsInjected", pod(kOptIn), "shop", true, SkipReason::kNone},
        Case{"BindingsAloneAreEnough",
             pod({{"attache.dev/inject", "true"}, {"attache.dev/bindings", "db"}}), "shop", true,
             SkipReason::kNone},
        Case{"APodWithoutAnnotationsIsNotAnnotated", pod(nullptr), "shop", false,
             SkipReason::kNotAnnotated},
        Case{"ReferencesWithoutOptInAreNotEnough", pod({{"attache.dev/sharded-services", "cache"}}),
             "shop", false, SkipReason::kNotAnnotated},
        Case{"FalseAlwaysWins",
             pod({{"attache.dev/inject", "false"}, {"attache.dev/sharded-services", "cache"}}),
             "kube-system", false, SkipReason::kOptedOut},
        Case{"OtherValuesAreInvalid",
             pod({{"attache.dev/inject", "yes"}, {"attache.dev/sharded-services", "cache"}}),
             "shop", false, SkipReason::kInvalidInjectValue},
        Case{"ANonStringValueIsInvalid",
             pod({{"attache.dev/inject", true}, {"attache.dev/sharded-services", "cache"}}), "shop",
             false, SkipReason::kInvalidInjectValue},
        Case{"KubeSystemIsExcluded", pod(kOptIn), "kube-system", false,
             SkipReason::kExcludedNamespace},
        Case{"KubePublicIsExcluded", pod(kOptIn), "kube-public", false,
             SkipReason::kExcludedNamespace},
        Case{"KubeNodeLeaseIsExcluded", pod(kOptIn), "kube-node-lease", false,
             SkipReason::kExcludedNamespace},
        Case{"AttachesOwnNamespaceIsExcluded", pod(kOptIn), "attache-system", false,
             SkipReason::kExcludedNamespace},
        Case{"HostNetworkPodsAreExcluded", pod(kOptIn, {{"hostNetwork", true}}), "shop", false,
             SkipReason::kHostNetwork},
        Case{"TheStatusAnnotationMeansAlreadyInjected",
             pod({{"attache.dev/inject", "true"},
                  {"attache.dev/sharded-services", "cache"},
                  {"attache.dev/injected", "0.1.0"}}),
             "shop", false, SkipReason::kAlreadyInjected},
        Case{"TheAmbassadorContainerMeansAlreadyInjected",
             pod(kOptIn, {{"containers", json::array({{{"name", "app"}}})},
                          {"initContainers", json::array({{{"name", "attache-ambassador"}}})}}),
             "shop", false, SkipReason::kAlreadyInjected},
        Case{"OptedInWithoutReferencesIsSkipped",
             pod({{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", " , "}}), "shop",
             false, SkipReason::kNoReferences},
        Case{"GarbageAnnotationsAreNotAnnotated", pod(json::array({1, 2})), "shop", false,
             SkipReason::kNotAnnotated}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(DecisionConfigTest, ExcludedNamespacesAreConfigurable) {
  InjectorConfig cfg = InjectorConfig::defaults();
  cfg.own_namespace = "platform";
  EXPECT_EQ(shouldInject(pod(kOptIn), "platform", cfg).reason, SkipReason::kExcludedNamespace);
  EXPECT_TRUE(shouldInject(pod(kOptIn), "attache-system", cfg).inject);
}

TEST(SkipReasonTest, EveryReasonHasADistinctMetricsLabel) {
  std::set<std::string> names;
  for (SkipReason r : allSkipReasons()) names.insert(std::string(skipReasonName(r)));
  EXPECT_EQ(names.size(), allSkipReasons().size());
  EXPECT_EQ(names.count("none"), 0u);
}

}  // namespace
}  // namespace attache::webhook
