// YAML <-> JSON: scalar typing, quoting on output so types survive a round trip, errors.
#include <gtest/gtest.h>

#include "webhook/manifest.h"
#include "webhook/yaml_json.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

TEST(YamlJsonTest, TypesPlainScalarsAndKeepsQuotedOnesAsStrings) {
  auto docs = parseYamlDocuments(
      "a: 1\nb: \"1\"\nc: true\nd: 'true'\ne: ~\nf: 1.5\ng: yes\nh: 0x1F\ni: -3\nj: \"\"\n");
  ASSERT_TRUE(docs.ok()) << docs.error().toString();
  json want = {{"a", 1},   {"b", "1"},   {"c", true},   {"d", "true"}, {"e", nullptr},
               {"f", 1.5}, {"g", "yes"}, {"h", "0x1F"}, {"i", -3},     {"j", ""}};
  EXPECT_EQ((*docs)[0], want);
}

TEST(YamlJsonTest, StreamsSkipEmptyDocuments) {
  auto docs = parseYamlDocuments("---\na: 1\n---\n---\nb: [x, y]\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"], json::array({"x", "y"}));
}

TEST(YamlJsonTest, RoundTripKeepsTypes) {
  json value = {{"annotations", {{"attache.dev/inject", "true"}, {"n", "6379"}, {"on", "off"}}},
                {"port", 6379},
                {"ratio", 0.5},
                {"flag", false},
                {"none", nullptr},
                {"list", json::array({"1", 1, "null", "a: b", "- x", "#c", ""})},
                {"empty", json::object()},
                {"nothing", json::array()},
                {"multi", "a\nb"}};
  auto back = parseYamlDocuments(toYaml(value));
  ASSERT_TRUE(back.ok()) << back.error().toString() << "\n" << toYaml(value);
  EXPECT_EQ((*back)[0], value) << toYaml(value);
}

TEST(YamlJsonTest, SyntaxErrorsCarryAPosition) {
  auto docs = parseYamlDocuments("a: [1, 2\nb: c\n");
  ASSERT_FALSE(docs.ok());
  EXPECT_NE(docs.error().message.find("line"), std::string::npos);
}

TEST(ManifestTest, DetectsJsonAndYaml) {
  auto j = parseManifest("  {\"kind\": \"Pod\"}");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->format, ManifestFormat::kJson);
  auto arr = parseManifest("[{\"kind\": \"Pod\"}, {\"kind\": \"Service\"}]");
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(arr->objects.size(), 2u);
  auto y = parseManifest("kind: Pod\n");
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->format, ManifestFormat::kYaml);
  EXPECT_FALSE(parseManifest("{broken").ok());
}

TEST(ManifestTest, InjectsInsideListsAndLeavesOtherKindsAlone) {
  json pod = {{"kind", "Pod"},
              {"metadata",
               {{"name", "p"},
                {"annotations",
                 {{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", "cache"}}}}},
              {"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
  json list = {
      {"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array({pod, {{"kind", "Service"}}})}};
  StaticLookup lookup;
  auto out = injectManifest({list}, InjectorConfig::defaults(), lookup, "shop");
  ASSERT_TRUE(out.ok()) << out.error().toString();
  EXPECT_EQ(out->objects[0]["items"][0]["spec"]["initContainers"][0]["name"], "attache-ambassador");
  EXPECT_EQ(out->objects[0]["items"][1], json({{"kind", "Service"}}));
  EXPECT_EQ(out->notes, std::vector<std::string>{"Pod/p: injected"});
  std::string rendered = renderManifest(out->objects, ManifestFormat::kYaml);
  EXPECT_EQ(parseManifest(rendered)->objects, out->objects);
}

}  // namespace
}  // namespace attache::webhook
