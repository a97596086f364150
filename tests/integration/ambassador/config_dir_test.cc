// --config-dir: the operator's listener files, kubelet-style symlink swaps, hot reload without
// dropping clients, last good config kept on a bad file, and the admin endpoint.
#include <filesystem>
#include <thread>
#include <tuple>

#include "tests/integration/ambassador/fixture.h"

namespace attache::testing {
namespace {

namespace fs = std::filesystem;

class ConfigDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!haveBinary("redis-server")) GTEST_SKIP() << "no redis-server";
    for (int i = 0; i < 3; ++i) redis_.push_back(std::make_unique<RedisServer>());
    port_ = freePort();
    admin_port_ = freePort();
    fs::create_directories(dir_.file("config"));
  }

  std::string listenerJson(int shards, const std::string& extra = "") const {
    std::string servers;
    for (int i = 0; i < shards; ++i) {
      if (i > 0) servers += ",";
      servers += R"({"name": "sharded-redis-)" + std::to_string(i) +
                 R"(", "address": "127.0.0.1:)" +
                 std::to_string(redis_[static_cast<size_t>(i)]->port) + R"(", "weight": 1})";
    }
    return R"({"name": "cache", "kind": "sharded", "protocol": "redis", "listen": "127.0.0.1:)" +
           std::to_string(port_) + R"(", "distribution": "ketama", "hash": "fnv1a_64", )" + extra +
           R"("servers": [)" + servers + "]}";
  }

  // Publishes `files` the way kubelet does: a new timestamped dir, then an atomic rename of the
  // `..data` symlink; the visible names are links through `..data`.
  void publish(const std::map<std::string, std::string>& files) {
    std::string version = "..v" + std::to_string(++generation_);
    fs::create_directories(dir_.file("config/" + version));
    for (const auto& [name, text] : files)
      writeFile(dir_.file("config/" + version + "/" + name), text);
    fs::create_symlink(version, dir_.file("config/..data_tmp"));
    fs::rename(dir_.file("config/..data_tmp"), dir_.file("config/..data"));
    for (const auto& [name, text] : files) {
      if (!fs::is_symlink(dir_.file("config/" + name))) {
        fs::create_symlink("..data/" + name, dir_.file("config/" + name));
      }
    }
  }

  void startProxy(bool wait_for_listener = true) {
    proxy_ = startAmbassador({"--config-dir", dir_.file("config"), "--admin",
                              "127.0.0.1:" + std::to_string(admin_port_), "--log-level", "warn"},
                             wait_for_listener ? port_ : 0, dir_.file("ambassador.log"));
    ASSERT_TRUE(waitForPort(admin_port_));
  }

  // Polls /config until it mentions `needle`.
  bool awaitConfig(const std::string& needle) {
    for (int i = 0; i < 100; ++i) {
      if (httpGet(admin_port_, "/config").second.find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void TearDown() override {
    proxy_.stop();
    EXPECT_EQ(sanitizerReport(dir_.file("ambassador.log")), "");
  }

  TempDir dir_;
  std::vector<std::unique_ptr<RedisServer>> redis_;
  ChildProcess proxy_;
  int port_ = 0;
  int admin_port_ = 0;
  int generation_ = 0;
};

TEST_F(ConfigDirTest, ServesTheListenerFileAndTheAdminEndpoint) {
  publish({{"cache.json", listenerJson(3)}});
  startProxy();
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "a", "1"}), "+OK\r\n");
  EXPECT_EQ(httpGet(admin_port_, "/healthz"), (std::pair<int, std::string>{200, "ok\n"}));
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 200);
  auto metrics = httpGet(admin_port_, "/metrics");
  EXPECT_EQ(metrics.first, 200);
  EXPECT_NE(metrics.second.find("attache_listener_requests_total{listener=\"cache\"} 1"),
            std::string::npos)
      << metrics.second;
  EXPECT_NE(
      metrics.second.find("attache_server_up{listener=\"cache\",server=\"sharded-redis-0\"} 1"),
      std::string::npos);
  auto config = httpGet(admin_port_, "/config");
  EXPECT_NE(config.second.find("\"sharded-redis-2\""), std::string::npos) << config.second;
  EXPECT_EQ(httpGet(admin_port_, "/nope").first, 404);
}

TEST_F(ConfigDirTest, TheStatusEndpointServesProbesAndMetricsButNotTheConfig) {
  publish({{"cache.json", listenerJson(3)}});
  const int status_port = freePort();
  proxy_ = startAmbassador(
      {"--config-dir", dir_.file("config"), "--admin", "127.0.0.1:" + std::to_string(admin_port_),
       "--status", "127.0.0.1:" + std::to_string(status_port), "--log-level", "warn"},
      port_, dir_.file("ambassador.log"));
  ASSERT_TRUE(waitForPort(status_port));
  EXPECT_EQ(httpGet(status_port, "/healthz"), (std::pair<int, std::string>{200, "ok\n"}));
  EXPECT_EQ(httpGet(status_port, "/readyz").first, 200);
  auto metrics = httpGet(status_port, "/metrics");
  EXPECT_EQ(metrics.first, 200);
  EXPECT_NE(metrics.second.find("attache_server_up{listener=\"cache\""), std::string::npos);
  auto config = httpGet(status_port, "/config");
  EXPECT_EQ(config.first, 404) << "the configuration stays on the loopback admin endpoint";
  EXPECT_EQ(config.second.find("sharded-redis"), std::string::npos);
  EXPECT_EQ(httpGet(admin_port_, "/config").first, 200);
}

TEST_F(ConfigDirTest, ReloadsOnASymlinkSwapWithoutDroppingClients) {
  publish({{"cache.json", listenerJson(2)}});
  startProxy();
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "before", "1"}), "+OK\r\n");
  publish({{"cache.json", listenerJson(3)}});
  ASSERT_TRUE(awaitConfig("sharded-redis-2"));
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(c.command({"SET", "k" + std::to_string(i), "v"}), "+OK\r\n") << "same connection";
  }
  TestClient third(redis_[2]->port);
  EXPECT_NE(third.command({"DBSIZE"}), ":0\r\n") << "the new shard receives keys";
}

TEST_F(ConfigDirTest, AnInvalidFileKeepsTheLastGoodConfigAndIsReported) {
  publish({{"cache.json", listenerJson(3)}});
  startProxy();
  publish({{"cache.json", "{\"name\": \"cache\", \"listen\": \"nonsense\"}"}});
  bool reported = false;
  for (int i = 0; i < 100 && !reported; ++i) {
    reported =
        httpGet(admin_port_, "/metrics").second.find("attache_config_last_reload_successful 0") !=
        std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(reported);
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "still", "works"}), "+OK\r\n");
  EXPECT_TRUE(proxy_.running());
}

TEST_F(ConfigDirTest, ReadinessFollowsTheShards) {
  publish({{"cache.json", listenerJson(1, R"("autoEject": true, "failureLimit": 1, )")}});
  startProxy();
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 200);
  redis_[0]->stop();
  TestClient c(port_);
  EXPECT_EQ(c.command({"GET", "a"}).substr(0, 4), "-ERR");
  auto ready = httpGet(admin_port_, "/readyz");
  EXPECT_EQ(ready.first, 503);
  EXPECT_NE(ready.second.find("no shard available"), std::string::npos) << ready.second;
}

TEST_F(ConfigDirTest, StartsWithAnEmptyDirectoryAndPicksUpAFileAddedLater) {
  startProxy(/*wait_for_listener=*/false);
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 503);
  writeFile(dir_.file("config/cache.json"), listenerJson(3));
  ASSERT_TRUE(waitForPort(port_));
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "late", "1"}), "+OK\r\n");
}

TEST_F(ConfigDirTest, RefusesToStartOnAMalformedEndpointAddressAndNamesTheFlag) {
  writeFile(dir_.file("config/cache.json"), listenerJson(3));
  for (const auto& [flag, address, why] :
       {std::tuple{"--admin", "127.0.0.1:http", "has an invalid port"},
        std::tuple{"--status", "127.0.0.1:99999", "has an invalid port"},
        std::tuple{"--status", "localhost:15021", "the host must be an IP address"}}) {
    auto r = runCommand({ambassadorBinary(), "--config-dir", dir_.file("config"), flag, address},
                        "", std::chrono::seconds(10));
    EXPECT_NE(r.exit_code, 0) << flag << " " << address;
    EXPECT_NE(r.err.find(std::string(flag) + ": '" + address + "'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
  }
}

TEST_F(ConfigDirTest, ChecksTheDirectoryWithDashT) {
  writeFile(dir_.file("config/cache.json"), listenerJson(3));
  auto ok = runCommand({ambassadorBinary(), "--config-dir", dir_.file("config"), "-t"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  writeFile(dir_.file("config/bad.json"),
            R"({"name": "x", "listen": "127.0.0.1:1", "servers": 3})");
  auto bad = runCommand({ambassadorBinary(), "--config-dir", dir_.file("config"), "-t"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.json: servers: must be a list"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace attache::testing
