#include "operator/controllers/owned_config.h"

#include <gtest/gtest.h>

namespace attache::controller {
namespace {

using nlohmann::json;

Owner owner(const std::string& kind = "ShardedService", const std::string& uid = "u1") {
  Owner o;
  o.kind = kind;
  o.name = "cache";
  o.ns = "shop";
  o.uid = uid;
  return o;
}

TEST(DesiredConfigMap, FollowsTheContract) {
  json cm = desiredConfigMap(owner(), "{\"a\":1}");
  EXPECT_EQ(cm["metadata"]["name"], "cache-attache");
  EXPECT_EQ(cm["metadata"]["namespace"], "shop");
  EXPECT_EQ(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "attache-operator");
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(cm["metadata"]["ownerReferences"][0]["kind"], "ShardedService");
  EXPECT_EQ(cm["data"].size(), 1u);
  EXPECT_EQ(cm["data"]["cache.json"], "{\"a\":1}");
}

TEST(PlanConfigMap, Table) {
  json desired = desiredConfigMap(owner(), "v2");
  json same = desired;
  json stale = desiredConfigMap(owner(), "v1");
  json other_kind = desiredConfigMap(owner("ServiceBinding"), "v2");
  json recreated_owner = desiredConfigMap(owner("ShardedService", "u0"), "v2");
  json unowned = stale;
  unowned["metadata"].erase("ownerReferences");
  struct Case {
    const char* name;
    const json* existing;
    ConfigMapAction want;
  } cases[] = {
      {"missing is created", nullptr, ConfigMapAction::kCreate},
      {"equal needs nothing", &same, ConfigMapAction::kNone},
      {"different data is updated", &stale, ConfigMapAction::kUpdate},
      {"another kind's ConfigMap is a conflict", &other_kind, ConfigMapAction::kConflict},
      {"a re-created owner takes it over", &recreated_owner, ConfigMapAction::kUpdate},
      {"an unowned ConfigMap is adopted", &unowned, ConfigMapAction::kUpdate},
  };
  for (const auto& c : cases) EXPECT_EQ(planConfigMap(desired, c.existing), c.want) << c.name;
  // A desired ConfigMap without a controller reference (never rendered so, but no crash).
  json ownerless = desired;
  ownerless["metadata"].erase("ownerReferences");
  EXPECT_EQ(planConfigMap(ownerless, &same), ConfigMapAction::kUpdate);
}

TEST(ConfigMapPatch, RemovesForeignDataKeys) {
  json desired = desiredConfigMap(owner(), "v2");
  json existing = desired;
  existing["data"]["old.json"] = "x";
  json patch = configMapPatch(desired, &existing);
  EXPECT_TRUE(patch["data"]["old.json"].is_null());
  EXPECT_EQ(patch["data"]["cache.json"], "v2");
}

TEST(ConfigHash, ChangesOnlyWithContent) {
  EXPECT_EQ(configHash("abc"), configHash("abc"));
  EXPECT_NE(configHash("abc"), configHash("abd"));
  EXPECT_EQ(configHash("abc").size(), 16u);
}

TEST(SetCondition, KeepsTransitionTimeWhileStatusIsUnchanged) {
  json c = setCondition(json::array(), "Ready", "True", "A", "m", 1, "t1");
  c = setCondition(c, "Ready", "True", "B", "m2", 2, "t2");
  EXPECT_EQ(c[0]["lastTransitionTime"], "t1");
  EXPECT_EQ(c[0]["reason"], "B");
  c = setCondition(c, "Ready", "False", "C", "", 2, "t3");
  EXPECT_EQ(c[0]["lastTransitionTime"], "t3");
  EXPECT_EQ(c.size(), 1u);
}

TEST(StatusPatch, EmptyWhenEqualAndNullsDroppedKeys) {
  json current = {{"a", 1}, {"b", 2}};
  EXPECT_FALSE(statusPatch(current, current).has_value());
  auto patch = statusPatch(current, json{{"a", 1}});
  ASSERT_TRUE(patch.has_value());
  EXPECT_TRUE((*patch)["status"]["b"].is_null());
}

}  // namespace
}  // namespace attache::controller
