// Reference parsing (annotations) and resolution (what the injector needs from each CR).
#include <gtest/gtest.h>

#include "webhook/references.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

TEST(ParseReferencesTest, SplitsBothListsInOrderAndTrimsBlanks) {
  auto refs = parseReferences({{"attache.dev/sharded-services", " cache ,sessions,, "},
                               {"attache.dev/bindings", "orders-db"}});
  ASSERT_TRUE(refs.ok()) << refs.error().toString();
  ASSERT_EQ(refs->size(), 3u);
  EXPECT_EQ((*refs)[0].name, "cache");
  EXPECT_EQ((*refs)[0].kind, ReferenceKind::kShardedService);
  EXPECT_EQ((*refs)[1].name, "sessions");
  EXPECT_EQ((*refs)[2].name, "orders-db");
  EXPECT_EQ((*refs)[2].kind, ReferenceKind::kServiceBinding);
}

TEST(ParseReferencesTest, RejectsNamesThatAreNotObjectNames) {
  for (const char* bad : {"Cache", "cache_1", "-cache", "cache.", "a..b", "ca che"}) {
    auto refs = parseReferences({{"attache.dev/sharded-services", bad}});
    ASSERT_FALSE(refs.ok()) << bad;
    EXPECT_EQ(refs.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(refs.error().message.find("attache.dev/sharded-services"), std::string::npos);
  }
  EXPECT_FALSE(parseReferences({{"attache.dev/bindings", std::string(250, 'a')}}).ok());
  EXPECT_FALSE(parseReferences({{"attache.dev/bindings", 7}}).ok());
}

TEST(ParseReferencesTest, ANameMayAppearOnlyOnce) {
  auto refs = parseReferences(
      {{"attache.dev/sharded-services", "cache"}, {"attache.dev/bindings", "cache"}});
  ASSERT_FALSE(refs.ok());
  EXPECT_NE(refs.error().message.find("more than once"), std::string::npos);
}

TEST(ResolveReferenceTest, ShardedServicePortComesFromSpecOrProtocol) {
  Reference ref{ReferenceKind::kShardedService, "cache"};
  json explicit_port = {{"spec", {{"listenPort", 7000}}}};
  EXPECT_EQ(resolveReference(ref, &explicit_port, "shop")->port, 7000);
  json memcached = {{"spec", {{"protocol", "memcached"}}}};
  EXPECT_EQ(resolveReference(ref, &memcached, "shop")->port, 11211);
  json redis = {{"spec", json::object()}};
  EXPECT_EQ(resolveReference(ref, &redis, "shop")->port, 6379);
  auto missing = resolveReference(ref, nullptr, "shop");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->found);
  EXPECT_EQ(missing->port, 6379);
}

TEST(ResolveReferenceTest, ShardedServiceSecretsAreMountedForTheAmbassador) {
  Reference ref{ReferenceKind::kShardedService, "cache"};
  json cr = {
      {"spec",
       {{"auth", {{"secretRef", {{"name", "redis-auth"}}}}},
        {"tls", {{"enabled", true}, {"caSecretRef", {{"name", "ca"}, {"key", "root.pem"}}}}}}}};
  auto r = resolveReference(ref, &cr, "shop");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->secrets.size(), 2u);
  EXPECT_EQ(r->secrets[0].secret, "redis-auth");
  EXPECT_EQ(r->secrets[0].key, "password");
  EXPECT_EQ(r->secrets[0].path, "password");
  EXPECT_EQ(r->secrets[1].key, "root.pem");
  EXPECT_EQ(r->secrets[1].path, "ca.crt");
}

TEST(ResolveReferenceTest, AMissingBindingIsNotFoundWithAClearMessage) {
  auto r = resolveReference({ReferenceKind::kServiceBinding, "orders-db"}, nullptr, "shop");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("ServiceBinding \"orders-db\" not found in namespace \"shop\""),
            std::string::npos)
      << r.error().message;
}

TEST(ResolveReferenceTest, BindingsCarryPortProjectionAndSecret) {
  json cr = {{"spec", {{"listenPort", 5432}, {"project", true}}},
             {"status", {{"binding", {{"name", "orders-db-binding"}}}}}};
  auto r = resolveReference({ReferenceKind::kServiceBinding, "orders-db"}, &cr, "shop");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->port, 5432);
  EXPECT_TRUE(r->project);
  EXPECT_EQ(r->binding_secret, "orders-db-binding");
}

TEST(ResolveReferenceTest, BadPortsAreRejected) {
  for (json port : {json(0), json(70000), json("5432"), json(1.5)}) {
    json cr = {{"spec", {{"listenPort", port}}}};
    EXPECT_FALSE(resolveReference({ReferenceKind::kServiceBinding, "b"}, &cr, "shop").ok()) << port;
  }
  json no_port = {{"spec", json::object()}};
  EXPECT_FALSE(resolveReference({ReferenceKind::kServiceBinding, "b"}, &no_port, "shop").ok());
}

TEST(StaticLookupTest, FindsByKindNamespaceAndName) {
  StaticLookup lookup;
  ASSERT_TRUE(
      lookup.add({{"kind", "ShardedService"}, {"metadata", {{"name", "cache"}}}}, "shop").ok());
  EXPECT_FALSE(lookup.add({{"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}}).ok());
  EXPECT_FALSE(lookup.add({{"kind", "ServiceBinding"}}).ok());
  EXPECT_NE(lookup.find(ReferenceKind::kShardedService, "shop", "cache")->get(), nullptr);
  EXPECT_EQ(lookup.find(ReferenceKind::kServiceBinding, "shop", "cache")->get(), nullptr);
  EXPECT_EQ(lookup.find(ReferenceKind::kShardedService, "other", "cache")->get(), nullptr);
}

class FailingLookup : public ReferenceLookup {
 public:
  Result<std::shared_ptr<const json>> find(ReferenceKind, const std::string&,
                                           const std::string&) override {
    return unavailable("connection refused");
  }
};

TEST(ResolveReferencesTest, LookupErrorsNameTheResource) {
  FailingLookup lookup;
  std::vector<std::string> warnings;
  auto r =
      resolveReferences({{ReferenceKind::kShardedService, "cache"}}, "shop", lookup, &warnings);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message, "reading ShardedService \"cache\": connection refused");
}

}  // namespace
}  // namespace attache::webhook
