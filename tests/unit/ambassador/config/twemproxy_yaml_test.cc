#include "ambassador-image/proxy/config/twemproxy_yaml.h"

#include <gtest/gtest.h>

#include "ambassador-image/proxy/config/listener_file.h"

namespace attache::ambassador::config {
namespace {

constexpr const char* kBookExample = R"(
redis:
  listen: 127.0.0.1:6379
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: true
  redis: true
  timeout: 400
  server_retry_timeout: 2000
  server_failure_limit: 1
  servers:
   - sharded-redis-0.redis:6379:1
   - sharded-redis-1.redis:6379:1
   - sharded-redis-2.redis:6379:1
)";

TEST(TwemproxyYamlTest, ParsesTheClassicShardedRedisSidecarConfig) {
  auto pools = parseTwemproxyYaml(kBookExample);
  ASSERT_TRUE(pools.ok()) << pools.error().message;
  ASSERT_EQ(pools->size(), 1u);
  const auto& p = pools->front();
  EXPECT_EQ(p.name, "redis");
  EXPECT_EQ(p.listen_host, "127.0.0.1");
  EXPECT_EQ(p.listen_port, 6379);
  EXPECT_EQ(p.protocol, Protocol::kRedis);
  EXPECT_EQ(p.hash, routing::HashKind::kFnv1a_64);
  EXPECT_EQ(p.distribution, routing::Distribution::kKetama);
  EXPECT_TRUE(p.auto_eject);
  EXPECT_EQ(p.timeout_ms, 400);
  EXPECT_EQ(p.retry_timeout_ms, 2000);
  EXPECT_EQ(p.failure_limit, 1);
  ASSERT_EQ(p.servers.size(), 3u);
  EXPECT_EQ(p.servers[1].host, "sharded-redis-1.redis");
  EXPECT_EQ(p.servers[1].port, 6379);
  EXPECT_EQ(p.servers[1].name, "sharded-redis-1.redis:6379");
}

TEST(TwemproxyYamlTest, AppliesTwemproxysDefaults) {
  auto pools =
      parseTwemproxyYaml("a:\n  listen: 127.0.0.1:1\n  servers: [\"127.0.0.1:11211:1\"]\n");
  ASSERT_TRUE(pools.ok()) << pools.error().message;
  const auto& p = pools->front();
  EXPECT_EQ(p.protocol, Protocol::kMemcache);
  EXPECT_EQ(p.timeout_ms, 0) << "no timeout";
  EXPECT_FALSE(p.auto_eject);
  EXPECT_EQ(p.failure_limit, 2);
  EXPECT_EQ(p.retry_timeout_ms, 30000);
  EXPECT_EQ(p.server_connections, 1);
  EXPECT_EQ(p.servers[0].name, "127.0.0.1") << "port 11211 is left out of the ketama name";
}

TEST(TwemproxyYamlTest, ReadsSeveralPoolsNamedServersWeightsAndUnixListen) {
  auto pools = parseTwemproxyYaml(R"(
alpha:
  listen: 127.0.0.1:22121
  hash: murmur
  hash_tag: "{}"
  distribution: modula
  redis: true
  redis_auth: pw
  redis_db: 2
  server_connections: 4
  preconnect: true
  servers:
   - 127.0.0.1:6379:2 shard-a
   - "[::1]:6380:1 shard-b"
beta:
  listen: /tmp/beta.sock 0666
  servers:
   - 10.0.0.1:11212:1
)");
  ASSERT_TRUE(pools.ok()) << pools.error().message;
  ASSERT_EQ(pools->size(), 2u);
  const auto& a = (*pools)[0];
  EXPECT_EQ(a.hash, routing::HashKind::kMurmur);
  EXPECT_EQ(a.hash_tag, "{}");
  EXPECT_EQ(a.distribution, routing::Distribution::kModula);
  EXPECT_EQ(a.redis_auth, "pw");
  EXPECT_TRUE(a.require_client_auth);
  EXPECT_EQ(a.redis_db, 2);
  EXPECT_EQ(a.server_connections, 4);
  EXPECT_TRUE(a.preconnect);
  EXPECT_EQ(a.servers[0].weight, 2u);
  EXPECT_EQ(a.servers[0].name, "shard-a");
  EXPECT_EQ(a.servers[1].host, "::1");
  EXPECT_EQ((*pools)[1].listen_path, "/tmp/beta.sock");
  EXPECT_EQ((*pools)[1].servers[0].name, "10.0.0.1:11212");
}

struct BadYaml {
  const char* name;
  const char* yaml;
  const char* message;
};

class TwemproxyYamlErrorTest : public ::testing::TestWithParam<BadYaml> {};

TEST_P(TwemproxyYamlErrorTest, NamesThePoolAndTheDirective) {
  auto r = parseTwemproxyYaml(GetParam().yaml);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(GetParam().message), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, TwemproxyYamlErrorTest,
    ::testing::Values(
        BadYaml{"UnknownHash", "p:\n  listen: 127.0.0.1:1\n  hash: sha1\n  servers: [\"h:1:1\"]\n",
                "pool 'p': directive \"hash\""},
        BadYaml{"UnknownDirective",
                "p:\n  listen: 127.0.0.1:1\n  colour: red\n  servers: [\"h:1:1\"]\n",
                "directive \"colour\" is unknown"},
        BadYaml{"NoListen", "p:\n  servers: [\"h:1:1\"]\n", "directive \"listen\" is missing"},
        BadYaml{"NoServers", "p:\n  listen: 127.0.0.1:1\n", "pool 'p': has no servers"},
        BadYaml{"BadWeight", "p:\n  listen: 127.0.0.1:1\n  servers: [\"h:1:x\"]\n",
                "invalid weight"},
        BadYaml{"BadPort", "p:\n  listen: 127.0.0.1:1\n  servers: [\"h:99999:1\"]\n",
                "invalid port"},
        BadYaml{"BadBool", "p:\n  listen: 127.0.0.1:1\n  redis: maybe\n  servers: [\"h:1:1\"]\n",
                "is not a boolean"},
        BadYaml{"BadTag", "p:\n  listen: 127.0.0.1:1\n  hash_tag: \"{\"\n  servers: [\"h:1:1\"]\n",
                "exactly two characters"},
        BadYaml{"DuplicateNames",
                "p:\n  listen: 127.0.0.1:1\n  servers: [\"h:1:1 a\", \"h:2:1 a\"]\n",
                "server name 'a' is not unique"},
        BadYaml{"SameListen",
                "p:\n  listen: 127.0.0.1:1\n  servers: [\"h:1:1\"]\nq:\n  listen: 127.0.0.1:1\n  "
                "servers: [\"h:1:1\"]\n",
                "used by another pool"},
        BadYaml{"AuthWithoutRedis",
                "p:\n  listen: 127.0.0.1:1\n  redis_auth: x\n  servers: [\"h:1:1\"]\n",
                "redis_auth needs redis: true"},
        BadYaml{"NotYaml", "p: [unclosed", "invalid YAML"},
        BadYaml{"NotAMapping", "- a\n- b\n", "mapping of pool names"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(ListenerFileTest, ParsesTheOperatorsShardedListener) {
  auto p = parseListenerFile(R"({"name": "cache", "kind": "sharded", "protocol": "redis",
    "listen": "127.0.0.1:6379", "distribution": "ketama", "hash": "fnv1a_64", "hashTag": "{}",
    "timeoutMs": 400, "autoEject": true, "failureLimit": 1, "retryTimeoutMs": 2000,
    "auth": {"passwordFile": "/etc/attache/secrets/cache/password"},
    "servers": [{"name": "sharded-redis-0", "address": "10.0.0.5:6379", "weight": 1}]})");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->name, "cache");
  EXPECT_EQ(p->protocol, Protocol::kRedis);
  EXPECT_EQ(p->auth_file, "/etc/attache/secrets/cache/password");
  EXPECT_FALSE(p->require_client_auth) << "the app on localhost does not AUTH";
  EXPECT_EQ(p->servers[0].name, "sharded-redis-0");
  EXPECT_EQ(p->servers[0].host, "10.0.0.5");
}

TEST(ListenerFileTest, ParsesABrokerListener) {
  auto p = parseListenerFile(R"({"name": "orders-db", "kind": "broker", "listen": "127.0.0.1:5432",
    "upstreams": [{"host": "postgres.shop.svc", "port": 5432}, {"host": "db.example.com", "port": 5432}],
    "tls": {"mode": "originate", "serverName": "db.example.com", "caFile": "/ca.crt"},
    "connectTimeoutMs": 1000})");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->kind, ListenerKind::kBroker);
  EXPECT_EQ(p->servers.size(), 2u);
  EXPECT_TRUE(p->tls.enabled);
  EXPECT_EQ(p->tls.server_name, "db.example.com");
}

TEST(ListenerFileTest, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* message;
  };
  for (const Case& c :
       {Case{"[]", "a listener file is a JSON object"}, Case{"{", "not valid JSON"},
        Case{R"({"listen": "127.0.0.1:1"})", "name: is required"},
        Case{R"({"name": "a", "listen": "x", "servers": []})", "listen: must be host:port"},
        Case{R"({"name": "a", "listen": "127.0.0.1:1", "servers": [{"address": "h"}]})",
             "servers[0].address: must be host:port"},
        Case{R"({"name": "a", "listen": "127.0.0.1:1", "hash": "sha", "servers": []})", "hash:"},
        Case{R"({"name": "a", "kind": "x", "listen": "127.0.0.1:1"})", "kind: must be"},
        Case{R"({"name": "a", "listen": "127.0.0.1:1", "timeoutMs": "1", "servers": []})",
             "timeoutMs: must be an integer"}}) {
    auto r = parseListenerFile(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.json << " -> " << r.error().message;
  }
}

}  // namespace
}  // namespace attache::ambassador::config
