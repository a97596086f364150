#include "common/kube/selector.h"

#include <gtest/gtest.h>

namespace attache::kube {
namespace {

const nlohmann::json kObject = nlohmann::json::parse(R"({
  "metadata": {"name": "redis-0", "namespace": "shop",
               "labels": {"app": "redis", "tier": "cache", "shard": "0"}},
  "spec": {"nodeName": "node-a"}, "status": {"phase": "Running"}})");

struct SelectorCase {
  std::string selector;
  bool matches;
};

class LabelSelectorTest : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(LabelSelectorTest, MatchesLikeTheApiServer) {
  auto selector = LabelSelector::parse(GetParam().selector);
  ASSERT_TRUE(selector.ok()) << selector.error().toString();
  EXPECT_EQ(selector->matches(kObject), GetParam().matches) << GetParam().selector;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LabelSelectorTest,
    ::testing::Values(
        SelectorCase{"", true}, SelectorCase{"app=redis", true}, SelectorCase{"app==redis", true},
        SelectorCase{"app=memcached", false}, SelectorCase{"app!=memcached", true},
        SelectorCase{"missing!=x", true}, SelectorCase{"app=redis,tier=cache", true},
        SelectorCase{"app=redis,tier=web", false}, SelectorCase{"tier in (cache,web)", true},
        SelectorCase{"tier in (web)", false}, SelectorCase{"tier notin (web, db)", true},
        SelectorCase{"tier notin (cache)", false}, SelectorCase{"missing notin (x)", true},
        SelectorCase{"shard", true}, SelectorCase{"missing", false}, SelectorCase{"!missing", true},
        SelectorCase{"!app", false}, SelectorCase{"app = redis , tier in (cache)", true}));

TEST(LabelSelectorTest, RejectsMalformedSelectors) {
  for (const char* text : {"tier in cache", "a=b,,c=d", "=x", "bad key=x"}) {
    EXPECT_FALSE(LabelSelector::parse(text).ok()) << text;
  }
}

TEST(LabelSelectorTest, AnObjectWithoutLabelsHasNoneOfThem) {
  auto selector = LabelSelector::parse("!app");
  ASSERT_TRUE(selector.ok());
  EXPECT_TRUE(selector->matches(nlohmann::json::object()));
}

class FieldSelectorTest : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(FieldSelectorTest, ComparesDottedPathsAsStrings) {
  auto selector = FieldSelector::parse(GetParam().selector);
  ASSERT_TRUE(selector.ok()) << selector.error().toString();
  EXPECT_EQ(selector->matches(kObject), GetParam().matches) << GetParam().selector;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FieldSelectorTest,
    ::testing::Values(SelectorCase{"", true}, SelectorCase{"metadata.name=redis-0", true},
                      SelectorCase{"metadata.name==redis-1", false},
                      SelectorCase{"metadata.namespace=shop,spec.nodeName=node-a", true},
                      SelectorCase{"status.phase!=Running", false},
                      SelectorCase{"status.podIP=", true}));

TEST(FieldSelectorTest, RejectsASelectorWithoutOperator) {
  EXPECT_FALSE(FieldSelector::parse("metadata.name").ok());
}

}  // namespace
}  // namespace attache::kube
