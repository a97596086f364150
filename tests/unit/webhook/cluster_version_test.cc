// Native sidecar detection from /version.
#include <gtest/gtest.h>

#include "webhook/cluster_version.h"

#include "common/kube/fake_kube_client.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

TEST(ServerVersionTest, ParsesMajorMinorIncludingProviderSuffixes) {
  auto v = parseServerVersion({{"major", "1"}, {"minor", "29+"}, {"gitVersion", "v1.29.3-gke.1"}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->major, 1);
  EXPECT_EQ(v->minor, 29);
  EXPECT_TRUE(supportsNativeSidecars(*v));
}

TEST(ServerVersionTest, FallsBackToGitVersion) {
  auto v = parseServerVersion({{"major", ""}, {"minor", ""}, {"gitVersion", "v1.34.4"}});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->minor, 34);
  EXPECT_FALSE(parseServerVersion({{"gitVersion", "nonsense"}}).ok());
  EXPECT_FALSE(parseServerVersion(json::array()).ok());
}

TEST(ServerVersionTest, FetchedThroughTheKubeClient) {
  kube::FakeKubeClient client;
  EXPECT_EQ(fetchServerVersion(client).error().code, ErrorCode::kNotFound);
  client.setPath("/version", {{"major", "1"}, {"minor", "28"}, {"gitVersion", "v1.28.9"}});
  auto v = fetchServerVersion(client);
  ASSERT_TRUE(v.ok()) << v.error().toString();
  EXPECT_EQ(v->git_version, "v1.28.9");
  EXPECT_FALSE(supportsNativeSidecars(*v));
}

TEST(ServerVersionTest, NativeSidecarsFrom1_29) {
  EXPECT_FALSE(supportsNativeSidecars({1, 28, ""}));
  EXPECT_TRUE(supportsNativeSidecars({1, 29, ""}));
  EXPECT_TRUE(supportsNativeSidecars({2, 0, ""}));
}

}  // namespace
}  // namespace attache::webhook
