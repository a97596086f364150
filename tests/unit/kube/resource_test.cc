#include "common/kube/resource.h"

#include <gtest/gtest.h>

namespace attache::kube {
namespace {

struct PathCase {
  std::string name;
  ResourceRef ref;
  std::string ns, object, subresource;
  std::string expected;
};

class ResourcePathTest : public ::testing::TestWithParam<PathCase> {};

TEST_P(ResourcePathTest, BuildsTheApiServerPath) {
  const auto& c = GetParam();
  EXPECT_EQ(resourcePath(c.ref, c.ns, c.object, c.subresource), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Paths, ResourcePathTest,
    ::testing::Values(
        PathCase{"CoreNamespacedCollection", kPods, "shop", "", "", "/api/v1/namespaces/shop/pods"},
        PathCase{"CoreObject", kConfigMaps, "shop", "cache", "",
                 "/api/v1/namespaces/shop/configmaps/cache"},
        PathCase{"AllNamespaces", kPods, "", "", "", "/api/v1/pods"},
        PathCase{"GroupedObjectStatus", kShardedServices, "shop", "cache", "status",
                 "/apis/attache.dev/v1alpha1/namespaces/shop/shardedservices/cache/status"},
        PathCase{"ClusterScopedIgnoresNamespace", kMutatingWebhookConfigurations, "shop", "attache",
                 "", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/attache"},
        PathCase{"NamesArePercentEncoded", kConfigMaps, "a b", "x/y", "",
                 "/api/v1/namespaces/a%20b/configmaps/x%2Fy"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(BuildQueryTest, SkipsEmptyValuesAndEncodesTheRest) {
  EXPECT_EQ(buildQuery({}), "");
  EXPECT_EQ(buildQuery({{"a", ""}}), "");
  EXPECT_EQ(buildQuery({{"labelSelector", "app in (a,b)"}, {"x", ""}, {"limit", "3"}}),
            "?labelSelector=app%20in%20%28a%2Cb%29&limit=3");
}

TEST(ResourceRefTest, NamesAndApiVersions) {
  EXPECT_EQ(kPods.displayName(), "pods");
  EXPECT_EQ(kStatefulSets.displayName(), "statefulsets.apps");
  EXPECT_EQ(kPods.apiVersion(), "v1");
  EXPECT_EQ(kLeases.apiVersion(), "coordination.k8s.io/v1");
  EXPECT_FALSE(kMutatingWebhookConfigurations.namespaced);
  EXPECT_EQ(kServiceBindings, (ResourceRef{"attache.dev", "v1alpha1", "servicebindings", true}));
}

}  // namespace
}  // namespace attache::kube
