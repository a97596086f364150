// Listener files: the tls block of sharded listeners (TLS to the shards), the broker's
// idleTimeoutMs, and the errors that name the bad field.
#include "ambassador-image/proxy/config/listener_file.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace attache::ambassador::config {
namespace {

std::string sharded(const std::string& extra) {
  return R"({"name": "cache", "kind": "sharded", "protocol": "redis", "listen": "127.0.0.1:6379",
    "servers": [{"name": "sharded-redis-0", "address": "10.0.0.5:6379"}])" +
         extra + "}";
}

std::string broker(const std::string& extra) {
  return R"({"name": "db", "kind": "broker", "listen": "127.0.0.1:5432",
    "upstreams": [{"host": "db.example.com", "port": 5432}])" +
         extra + "}";
}

TEST(ListenerFileTlsTest, ParsesTheTlsBlockTheOperatorRendersForAShardedService) {
  auto p = parseListenerFile(sharded(R"(, "tls": {"enabled": true,
    "caFile": "/etc/attache/secrets/cache/ca.crt", "serverName": "redis.example.com"})"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->kind, ListenerKind::kSharded);
  EXPECT_TRUE(p->tls.enabled);
  EXPECT_EQ(p->tls.ca_file, "/etc/attache/secrets/cache/ca.crt");
  EXPECT_EQ(p->tls.server_name, "redis.example.com");
  EXPECT_TRUE(p->tls.cert_file.empty());
  EXPECT_FALSE(p->tls.insecure_skip_verify);
}

TEST(ListenerFileTlsTest, AcceptsModeOriginateAndAClientCertificateWithItsKey) {
  auto p = parseListenerFile(sharded(R"(, "tls": {"mode": "originate", "caFile": "/ca.crt",
    "certFile": "/tls.crt", "keyFile": "/tls.key"})"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->tls.enabled);
  EXPECT_EQ(p->tls.cert_file, "/tls.crt");
  EXPECT_EQ(p->tls.key_file, "/tls.key");
}

TEST(ListenerFileTlsTest, LeavesTlsOffWithoutABlockOrWithModeDisable) {
  for (const std::string extra : {"", R"(, "tls": null)", R"(, "tls": {"mode": "disable"})",
                                  R"(, "tls": {"enabled": false})"}) {
    auto p = parseListenerFile(sharded(extra));
    ASSERT_TRUE(p.ok()) << extra << ": " << p.error().message;
    EXPECT_FALSE(p->tls.enabled) << extra;
  }
}

TEST(ListenerFileTlsTest, AChangedTlsBlockMakesADifferentConfiguration) {
  // Proxy::apply rebuilds a listener's pool (and so its shard connections) only when its
  // configuration compares unequal.
  auto a = parseListenerFile(sharded(R"(, "tls": {"enabled": true, "caFile": "/a.crt"})"));
  auto b = parseListenerFile(sharded(R"(, "tls": {"enabled": true, "caFile": "/b.crt"})"));
  auto again = parseListenerFile(sharded(R"(, "tls": {"enabled": true, "caFile": "/a.crt"})"));
  ASSERT_TRUE(a.ok() && b.ok() && again.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*a, *again);
}

TEST(ListenerFileTlsTest, ShowsTheTlsSettingsOnConfigWithoutSecrets) {
  auto p = parseListenerFile(sharded(R"(, "tls": {"enabled": true, "caFile": "/ca.crt",
    "certFile": "/tls.crt", "keyFile": "/tls.key"})"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  const auto out = poolToJson(*p);
  EXPECT_EQ(out["tls"]["enabled"], true);
  EXPECT_EQ(out["tls"]["caFile"], "/ca.crt");
  EXPECT_EQ(out["tls"]["clientCert"], true);
  EXPECT_EQ(out.dump().find("tls.key"), std::string::npos) << "no key path on /config";
}

TEST(ListenerFileTlsTest, ErrorsNameTheTlsField) {
  struct Case {
    const char* name;
    std::string tls;
    const char* message;
  };
  for (const Case& c : {
           Case{"cert without key", R"({"enabled": true, "certFile": "/tls.crt"})",
                "tls.keyFile: is required with tls.certFile"},
           Case{"key without cert", R"({"enabled": true, "keyFile": "/tls.key"})",
                "tls.certFile: is required with tls.keyFile"},
           Case{"not an object", R"("on")", "tls: must be an object"},
           Case{"unknown mode", R"({"mode": "passthrough"})", "tls.mode: must be"},
           Case{"enabled not a boolean", R"({"enabled": "yes"})", "tls.enabled: must be a boolean"},
           Case{"mode and enabled disagree", R"({"mode": "disable", "enabled": true})",
                "tls.enabled: contradicts tls.mode"},
           Case{"caFile not a string", R"({"enabled": true, "caFile": 7})",
                "tls.caFile: must be a string"},
           Case{"a CA with TLS off", R"({"enabled": false, "caFile": "/ca.crt"})",
                "tls.caFile: is set but TLS is off"},
           Case{"a server name without enabled", R"({"serverName": "db.example.com"})",
                "tls.serverName: is set but TLS is off"},
           Case{"a client certificate with mode disable",
                R"({"mode": "disable", "certFile": "/tls.crt", "keyFile": "/tls.key"})",
                "tls.certFile: is set but TLS is off"},
           Case{"insecureSkipVerify not a boolean", R"({"enabled": true, "insecureSkipVerify": 1})",
                "tls.insecureSkipVerify: must be a boolean"},
       }) {
    auto r = parseListenerFile(sharded(R"(, "tls": )" + c.tls));
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.name << " -> " << r.error().message;
  }
}

TEST(ValidatePoolTest, RefusesAClientCertificateWithoutItsKeyFromAnySource) {
  PoolConfig pool;
  pool.name = "cache";
  pool.servers.push_back({"127.0.0.1", 6379, 1, "a"});
  pool.tls.enabled = true;
  pool.tls.cert_file = "/tls.crt";
  auto st = validatePool(pool);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "pool 'cache': tls.certFile and tls.keyFile go together");
  pool.tls.key_file = "/tls.key";
  EXPECT_TRUE(validatePool(pool).ok());
}

TEST(ListenerFileIdleTimeoutTest, ReadsTheBrokersIdleTimeout) {
  auto p = parseListenerFile(broker(R"(, "idleTimeoutMs": 30000)"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->idle_timeout_ms, 30000);
  EXPECT_EQ(poolToJson(*p)["idleTimeoutMs"], 30000);
}

TEST(ListenerFileIdleTimeoutTest, DefaultsToAnHourAndZeroMeansNever) {
  auto p = parseListenerFile(broker(""));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->idle_timeout_ms, 3600000);
  auto never = parseListenerFile(broker(R"(, "idleTimeoutMs": 0)"));
  ASSERT_TRUE(never.ok()) << never.error().message;
  EXPECT_EQ(never->idle_timeout_ms, 0);
}

TEST(ListenerFileIdleTimeoutTest, ErrorsNameTheField) {
  struct Case {
    std::string file;
    const char* message;
  };
  for (const Case& c : {
           Case{broker(R"(, "idleTimeoutMs": -1)"), "idleTimeoutMs: is out of range (0-86400000)"},
           Case{broker(R"(, "idleTimeoutMs": 86400001)"), "idleTimeoutMs: is out of range"},
           Case{broker(R"(, "idleTimeoutMs": "30s")"), "idleTimeoutMs: must be an integer"},
           Case{broker(R"(, "idleTimeoutMs": 1.5)"), "idleTimeoutMs: must be an integer"},
           Case{sharded(R"(, "idleTimeoutMs": 1000)"),
                "idleTimeoutMs: only broker listeners have an idle timeout"},
       }) {
    auto r = parseListenerFile(c.file);
    ASSERT_FALSE(r.ok()) << c.file;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.file << " -> " << r.error().message;
  }
}

}  // namespace
}  // namespace attache::ambassador::config
