#include "operator/controllers/sharded_service.h"

#include <gtest/gtest.h>

#include "ambassador-image/proxy/config/listener_file.h"
#include "operator/controllers/owned_config.h"

namespace attache::controller {
namespace {

using nlohmann::json;

json resource(json spec) {
  return {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ShardedService"},
          {"metadata", {{"name", "cache"}, {"namespace", "shop"}, {"generation", 3}}},
          {"spec", spec}};
}

json stsSpec() { return {{"shards", {{"statefulSet", {{"name", "redis"}, {"port", 6379}}}}}}; }

TEST(ParseShardedSpec, AppliesDefaultsByProtocol) {
  auto spec = parseShardedSpec(resource(stsSpec()));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->listen_port, 6379);
  EXPECT_EQ(spec->distribution, "ketama");
  EXPECT_EQ(spec->generation, 3);
  json mc = stsSpec();
  mc["protocol"] = "memcached";
  EXPECT_EQ(parseShardedSpec(resource(mc))->listen_port, 11211);
}

TEST(ParseShardedSpec, RejectsInvalidSpecsNamingTheField) {
  struct Case {
    const char* name;
    json patch;
    const char* field;
  } cases[] = {
      {"no shards", json{{"shards", nullptr}}, "spec.shards"},
      {"both sources",
       json{{"shards",
             {{"statefulSet", {{"name", "r"}, {"port", 1}}}, {"endpoints", json::array()}}}},
       "spec.shards"},
      {"bad protocol", json{{"protocol", "http"}}, "spec.protocol"},
      {"bad distribution", json{{"distribution", "rendezvous"}}, "spec.distribution"},
      {"bad hash", json{{"hash", "sha1"}}, "spec.hash"},
      {"one-char hash tag", json{{"hashTag", "{"}}, "spec.hashTag"},
      {"port out of range", json{{"listenPort", 70000}}, "spec.listenPort"},
      {"duplicate endpoint",
       json{{"shards",
             {{"statefulSet", nullptr},
              {"endpoints",
               {{{"name", "a"}, {"host", "h"}, {"port", 1}},
                {{"name", "a"}, {"host", "h"}, {"port", 2}}}}}}},
       "spec.shards.endpoints[1].name"},
      {"auth with memcached",
       json{{"protocol", "memcached"}, {"auth", {{"secretRef", {{"name", "s"}}}}}}, "spec.auth"},
  };
  for (const auto& c : cases) {
    json spec = stsSpec();
    spec.merge_patch(c.patch);
    auto parsed = parseShardedSpec(resource(spec));
    ASSERT_FALSE(parsed.ok()) << c.name;
    EXPECT_EQ(parsed.error().message.rfind(c.field, 0), 0u)
        << c.name << ": " << parsed.error().message;
  }
}

ShardedSpec stsShardedSpec() { return *parseShardedSpec(resource(stsSpec())); }

TEST(DiscoverShards, StatefulSetShardsFollowPodsAndKeepLastKnownAddresses) {
  ShardedObserved observed;
  observed.replicas = 4;
  observed.pods["redis-0"] = {"10.0.0.1", true};
  observed.pods["redis-1"] = {"", false};          // restarting: no IP
  observed.pods["redis-3"] = {"10.0.0.4", false};  // not ready yet
  observed.last_addresses["redis-1"] = "10.0.0.2:6379";
  auto shards = discoverShards(stsShardedSpec(), observed);
  ASSERT_EQ(shards.size(), 4u);
  EXPECT_EQ(shards[0].address, "10.0.0.1:6379");
  EXPECT_TRUE(shards[0].ready);
  EXPECT_EQ(shards[1].address, "10.0.0.2:6379");
  EXPECT_FALSE(shards[1].ready);
  EXPECT_EQ(shards[2].address, "");  // never had one
  EXPECT_EQ(shards[3].address, "10.0.0.4:6379");
}

TEST(DiscoverShards, OrdersByTwemproxyNameOrder) {
  ShardedObserved observed;
  observed.replicas = 11;
  for (int i = 0; i < 11; ++i) observed.pods["redis-" + std::to_string(i)] = {"10.0.0.9", true};
  auto shards = discoverShards(stsShardedSpec(), observed);
  EXPECT_EQ(shards[2].name, "redis-2");
  EXPECT_EQ(shards[10].name, "redis-10");
}

TEST(DiscoverShards, Ipv6AddressesAreBracketed) {
  ShardedObserved observed;
  observed.replicas = 1;
  observed.pods["redis-0"] = {"fd00::1", true};
  EXPECT_EQ(discoverShards(stsShardedSpec(), observed)[0].address, "[fd00::1]:6379");
}

TEST(RenderShardedListener, ParsesInTheAmbassador) {
  json spec_json = stsSpec();
  spec_json["auth"] = {{"secretRef", {{"name", "redis-auth"}}}};
  spec_json["tls"] = {{"enabled", true},
                      {"serverName", "redis.example.com"},
                      {"caSecretRef", {{"name", "redis-ca"}}}};
  spec_json["hashTag"] = "{}";
  auto spec = *parseShardedSpec(resource(spec_json));
  std::vector<Shard> shards = {{"redis-0", "10.0.0.1:6379", true, 1},
                               {"redis-1", "", false, 1},
                               {"redis-2", "10.0.0.3:6379", false, 1}};
  json listener = renderShardedListener(spec, shards);
  auto pool = ambassador::config::parseListenerFile(renderListener(listener));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  ASSERT_EQ(pool->servers.size(), 2u);  // the shard without any address is left out
  EXPECT_EQ(pool->servers[0].name, "redis-0");
  EXPECT_EQ(pool->listen_port, 6379);
  EXPECT_EQ(pool->hash_tag, "{}");
  EXPECT_EQ(pool->auth_file, "/etc/attache/secrets/cache/password");
  EXPECT_TRUE(pool->tls.enabled);
  EXPECT_EQ(pool->tls.ca_file, "/etc/attache/secrets/cache/ca.crt");
}

TEST(RenderShardedListener, TlsWithoutACaSecretUsesTheSystemTrustStore) {
  json spec_json = stsSpec();
  spec_json["tls"] = {{"enabled", true}};
  auto spec = *parseShardedSpec(resource(spec_json));
  json listener = renderShardedListener(spec, {{"redis-0", "10.0.0.1:6379", true, 1}});
  EXPECT_FALSE(listener["tls"].contains("caFile")) << listener["tls"].dump();
  auto pool = ambassador::config::parseListenerFile(renderListener(listener));
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  EXPECT_TRUE(pool->tls.enabled);
  EXPECT_EQ(pool->tls.ca_file, "");
}

TEST(RenderShardedListener, IsDeterministic) {
  auto spec = stsShardedSpec();
  std::vector<Shard> shards = {{"redis-0", "10.0.0.1:6379", true, 1}};
  EXPECT_EQ(renderListener(renderShardedListener(spec, shards)),
            renderListener(renderShardedListener(spec, shards)));
}

TEST(ExpectedKeyMovement, ReportsTheShareOfTheRingThatMoves) {
  std::vector<RingMember> three = {{"a", 1}, {"b", 1}, {"c", 1}};
  std::vector<RingMember> four = {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}};
  EXPECT_FALSE(expectedKeyMovement("ketama", three, three).has_value());
  EXPECT_FALSE(expectedKeyMovement("ketama", {}, three).has_value());
  auto moved = expectedKeyMovement("ketama", three, four);
  ASSERT_TRUE(moved.has_value());
  double share = std::stod(*moved);
  EXPECT_GT(share, 0.15);
  EXPECT_LT(share, 0.35);
  EXPECT_GT(std::stod(*expectedKeyMovement("modula", three, four)), 0.5);
}

TEST(ComputeShardedStatus, Table) {
  auto spec = stsShardedSpec();
  struct Case {
    const char* name;
    ShardedOutcome outcome;
    const char* ready;
    const char* ready_reason;
    const char* degraded_reason;
  } cases[] = {
      {"all ready",
       {{{"redis-0", "1.1.1.1:6379", true, 1}}, 1, "cache-attache", "h", "", "", ""},
       "True",
       "AllShardsReady",
       "AsExpected"},
      {"one not ready",
       {{{"redis-0", "1.1.1.1:6379", true, 1}, {"redis-1", "", false, 1}}, 2, "cache-attache", "h"},
       "False",
       "ShardsNotReady",
       "ShardNotReady"},
      {"no replicas", {{}, 0, "", ""}, "False", "NoShards", "NoShards"},
      {"statefulset missing",
       {{}, std::nullopt, "", "", "", "StatefulSetNotFound", "m"},
       "False",
       "StatefulSetNotFound",
       "StatefulSetNotFound"},
  };
  for (const auto& c : cases) {
    json status = computeShardedStatus(spec, c.outcome, json::object(), "now");
    EXPECT_EQ((*findCondition(status, "Ready"))["status"], c.ready) << c.name;
    EXPECT_EQ((*findCondition(status, "Ready"))["reason"], c.ready_reason) << c.name;
    EXPECT_EQ((*findCondition(status, "Degraded"))["reason"], c.degraded_reason) << c.name;
    EXPECT_EQ(status["observedGeneration"], 3) << c.name;
    EXPECT_EQ(status["totalShards"], c.outcome.shards.size()) << c.name;
  }
}

TEST(ComputeShardedStatus, IsStableSoAConvergedWorldWritesNothing) {
  auto spec = stsShardedSpec();
  ShardedOutcome outcome{{{"redis-0", "1.1.1.1:6379", true, 1}}, 1, "cache-attache", "h"};
  json first = computeShardedStatus(spec, outcome, json::object(), "t1");
  json second = computeShardedStatus(spec, outcome, first, "t2");
  EXPECT_FALSE(statusPatch(first, second).has_value());
}

TEST(InvalidSpecStatus, SaysWhy) {
  json status = invalidSpecStatus(4, "spec.hash: unknown", json::object(), "now");
  EXPECT_EQ((*findCondition(status, "Ready"))["reason"], "InvalidSpec");
  EXPECT_EQ((*findCondition(status, "Degraded"))["message"], "spec.hash: unknown");
}

}  // namespace
}  // namespace attache::controller
