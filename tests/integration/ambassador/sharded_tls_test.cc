// Sharded listeners with TLS to every shard, against real redis-servers (and memcacheds) with
// TLS ports and certificates made by the test: round trips across shards, a wrong CA, a wrong
// name or a plain-text port refused with an error reply (never a hang, never plain text), mTLS,
// rotated credentials picked up by new connections, and a changed tls block applied on reload.
#include <algorithm>

#include "tests/integration/broker/broker_fixture.h"

namespace attache::testing {
namespace {

constexpr int kShards = 3;

// The listener-file fixture of the broker tests (PKI, config dir, Secrets, the ambassador with
// its admin port) with a sharded listener in front of TLS shards.
class ShardedTlsTest : public BrokerFixture {
 protected:
  void TearDown() override {
    BrokerFixture::TearDown();
    proxy_.stop();
    EXPECT_EQ(sanitizerReport(dir_.file("ambassador.log")), "");
  }

  void startShards(const std::string& auth_clients = "no") {
    for (int i = 0; i < kShards; ++i)
      shards_.push_back(std::make_unique<TlsRedis>(pki_, auth_clients));
  }

  // A sharded listener file; `ports` are the shards' ports (their TLS ports by default).
  std::string shardedJson(const std::string& name, int listen_port, const std::string& tls,
                          const std::string& extra = "", std::vector<int> ports = {}) const {
    if (ports.empty()) {
      for (const auto& s : shards_) ports.push_back(s->tls_port);
    }
    std::string servers;
    for (size_t i = 0; i < ports.size(); ++i) {
      if (i > 0) servers += ", ";
      servers += R"({"name": "shard-)" + std::to_string(i) + R"(", "address": ")" + shard_host_ +
                 ":" + std::to_string(ports[i]) + R"("})";
    }
    return R"({"name": ")" + name +
           R"(", "kind": "sharded", "protocol": "redis", "listen": "127.0.0.1:)" +
           std::to_string(listen_port) + R"(", "timeoutMs": 2000, "tls": )" + tls + extra +
           R"(, "servers": [)" + servers + "]}";
  }

  // The tls block as the operator renders it for a ShardedService.
  static std::string shardTls(const std::string& ca, const std::string& server_name = "",
                              const std::string& cert = "", const std::string& key = "") {
    std::string out = R"({"enabled": true, "caFile": ")" + ca + R"(")";
    if (!server_name.empty()) out += R"(, "serverName": ")" + server_name + R"(")";
    if (!cert.empty()) out += R"(, "certFile": ")" + cert + R"(", "keyFile": ")" + key + R"(")";
    return out + "}";
  }

  // Sum of a per-shard series over the shards of `listener`.
  double perShard(const std::string& name, const std::string& listener) {
    double sum = 0;
    for (int i = 0; i < kShards; ++i) {
      sum += std::max(0.0, metric(name + R"({listener=")" + listener + R"(",server="shard-)" +
                                  std::to_string(i) + R"("})"));
    }
    return sum;
  }

  // Keys stored on each shard, read over its plain port.
  std::vector<std::string> dbsizes() {
    std::vector<std::string> out;
    for (const auto& s : shards_) out.push_back(TestClient(s->server->port).command({"DBSIZE"}));
    return out;
  }

  std::vector<std::unique_ptr<TlsRedis>> shards_;
  std::string shard_host_ = "127.0.0.1";
};

bool isError(const std::string& reply) { return reply.rfind("-ERR", 0) == 0; }

TEST_F(ShardedTlsTest, RoundTripsSetGetAndMgetAcrossTlsShards) {
  startShards();
  // md5: twemproxy's fnv1a_64 puts these 30 similar keys on one shard.
  writeListener("cache.json",
                shardedJson("cache", port_, shardTls(pki_.ca_crt), R"(, "hash": "md5")"));
  startProxy(port_);
  TestClient c(port_);
  std::vector<std::string> mget{"MGET"};
  std::string expected = "*30\r\n";
  for (int i = 0; i < 30; ++i) {
    const std::string key = "key:" + std::to_string(i), value = "value-" + std::to_string(i);
    ASSERT_EQ(c.command({"SET", key, value}), "+OK\r\n") << key;
    EXPECT_EQ(c.command({"GET", key}),
              "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
    mget.push_back(key);
    expected += "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  }
  EXPECT_EQ(c.command(mget), expected) << "split across the shards and merged";
  for (const auto& size : dbsizes()) EXPECT_NE(size, ":0\r\n") << "every shard holds keys";
  // A large value spans many TLS records both ways; a deep pipeline fills the read budget.
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(c.command({"SET", "big", big}), "+OK\r\n");
  EXPECT_EQ(c.command({"GET", "big"}), "$" + std::to_string(big.size()) + "\r\n" + big + "\r\n");
  const std::string mid(64 << 10, 'm');
  const std::string mid_reply = "$" + std::to_string(mid.size()) + "\r\n" + mid + "\r\n";
  ASSERT_EQ(c.command({"SET", "mid", mid}), "+OK\r\n");
  std::string pipeline;
  for (int i = 0; i < 200; ++i) pipeline += encodeCommand({"GET", "mid"});
  c.sendRaw(pipeline);
  int replies = 0;
  while (replies < 200 && c.readReply(std::chrono::seconds(20)) == mid_reply) ++replies;
  EXPECT_EQ(replies, 200);
  EXPECT_EQ(perShard("attache_server_handshake_failures_total", "cache"), 0);
  EXPECT_GE(perShard("attache_server_connections", "cache"), 1);
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 200);
}

TEST_F(ShardedTlsTest, CarriesRepliesLargerThanWhatOpenSslReadsAhead) {
  // OpenSSL reads ahead one buffer (~17 KiB) at a time, so the socket can still hold most of an
  // 8 MiB reply when that buffer is empty; the loop's edge-triggered epoll does not report
  // those bytes again, and only reading on until WANT_READ gets them. A client that reads late
  // lets the reply pile up in the shard's socket.
  startShards();
  writeListener("cache.json",
                shardedJson("cache", port_, shardTls(pki_.ca_crt), R"(, "timeoutMs": 30000)"));
  startProxy(port_);
  std::string huge(8 << 20, 'h');
  for (size_t i = 0; i < huge.size(); i += 4096) huge[i] = static_cast<char>('a' + i / 4096 % 26);
  TestClient c(port_);
  ASSERT_EQ(c.command({"SET", "huge", huge}), "+OK\r\n");
  const std::string reply = "$" + std::to_string(huge.size()) + "\r\n" + huge + "\r\n";
  std::string requests;
  for (int i = 0; i < 3; ++i) requests += encodeCommand({"GET", "huge"});
  const std::string got = c.pipeline(requests, 3 * reply.size(), std::chrono::milliseconds(500));
  ASSERT_EQ(got.size(), 3 * reply.size()) << "the replies stopped";
  EXPECT_TRUE(got == reply + reply + reply);
}

TEST_F(ShardedTlsTest, RefusesAWrongCaWithAnErrorReplyAndNeverFallsBackToPlainText) {
  startShards();
  auto other = makePki(dir_.file("other"), "Some Other CA");
  const int to_plain = freePort();
  std::vector<int> plain_ports;
  for (const auto& s : shards_) plain_ports.push_back(s->server->port);
  writeListener("cache.json", shardedJson("cache", port_, shardTls(other.ca_crt)));
  writeListener("plain.json",
                shardedJson("plain", to_plain, shardTls(pki_.ca_crt), "", plain_ports));
  startProxy(port_);
  ASSERT_TRUE(waitForPort(to_plain));
  for (int port : {port_, to_plain}) {
    TestClient c(port);
    const std::string reply = c.command({"SET", "k", "v"});
    EXPECT_TRUE(isError(reply)) << port << ": " << reply;
    EXPECT_TRUE(isError(c.command({"GET", "k"}))) << "still refused, not a hang";
  }
  for (const auto& size : dbsizes()) EXPECT_EQ(size, ":0\r\n") << "nothing reached a shard";
  EXPECT_GE(perShard("attache_server_handshake_failures_total", "cache"), 1);
  EXPECT_GE(perShard("attache_server_handshake_failures_total", "plain"), 1);
  EXPECT_EQ(perShard("attache_server_connections", "cache"), 0);
  const std::string log = readFile(dir_.file("ambassador.log"));
  EXPECT_NE(log.find("TLS handshake with shard failed"), std::string::npos) << log;
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
}

TEST_F(ShardedTlsTest, RefusesAServerNameTheCertificateDoesNotCover) {
  startShards();
  writeListener("cache.json", shardedJson("cache", port_, shardTls(pki_.ca_crt, "db.example.com")));
  startProxy(port_);
  TestClient c(port_);
  const std::string reply = c.command({"GET", "k"});
  EXPECT_TRUE(isError(reply)) << reply;
  EXPECT_NE(reply.find("hostname mismatch"), std::string::npos) << reply;
  EXPECT_GE(perShard("attache_server_handshake_failures_total", "cache"), 1);
}

TEST_F(ShardedTlsTest, VerifiesTheShardHostWhenNoServerNameIsGiven) {
  startShards();
  const int by_name = freePort();
  writeListener("ip.json", shardedJson("ip", port_, shardTls(pki_.ca_crt)));
  shard_host_ = "localhost";
  const std::string by_host = shardedJson("dns", by_name, shardTls(pki_.ca_crt));
  writeListener("dns.json", by_host);
  startProxy(port_);
  ASSERT_TRUE(waitForPort(by_name));
  EXPECT_EQ(TestClient(port_).command({"SET", "a", "1"}), "+OK\r\n") << "IP:127.0.0.1 SAN";
  EXPECT_EQ(TestClient(by_name).command({"GET", "a"}), "$1\r\n1\r\n") << "DNS:localhost SAN";
}

TEST_F(ShardedTlsTest, PresentsAClientCertificateWhenTheShardsRequireOne) {
  startShards("yes");
  const int anonymous = freePort();
  writeListener("cache.json",
                shardedJson("cache", port_,
                            shardTls(pki_.ca_crt, "localhost", pki_.client_crt, pki_.client_key)));
  writeListener("anon.json", shardedJson("anon", anonymous, shardTls(pki_.ca_crt)));
  startProxy(port_);
  ASSERT_TRUE(waitForPort(anonymous));
  TestClient c(port_);
  EXPECT_EQ(c.command({"MSET", "a", "1", "b", "2", "c", "3"}), "+OK\r\n");
  EXPECT_EQ(c.command({"MGET", "a", "b", "c"}), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n");
  TestClient anon(anonymous);
  EXPECT_TRUE(isError(anon.command({"GET", "a"})))
      << "redis refuses a client without a certificate";
}

TEST_F(ShardedTlsTest, PicksUpARotatedCaForNewConnectionsWithoutCuttingLiveOnes) {
  startShards();
  auto next = makePki(dir_.file("next"), "Next CA");
  auto ca = publishSecrets({{"ca.crt", readFile(pki_.ca_crt)}});
  // Data-store mode: a shard that fails is retried with backoff, its keys never move.
  writeListener("cache.json", shardedJson("cache", port_, shardTls(ca[0]),
                                          R"(, "autoEject": false, "retryTimeoutMs": 200)"));
  startProxy(port_);
  TestClient c(port_);
  ASSERT_EQ(c.command({"SET", "k", "before"}), "+OK\r\n");
  for (const auto& s : shards_) {
    ASSERT_EQ(TestClient(s->server->port)
                  .command({"CONFIG", "SET", "tls-cert-file", next.server_crt, "tls-key-file",
                            next.server_key}),
              "+OK\r\n");
  }
  EXPECT_EQ(c.command({"GET", "k"}), "$6\r\nbefore\r\n") << "the open shard connection stays";
  for (const auto& s : shards_) {
    TestClient(s->server->port).command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  }
  EXPECT_TRUE(eventually([&] {
    return isError(c.command({"GET", "k"}));
  })) << "a new connection does not verify with the old CA";
  EXPECT_TRUE(eventually([&] {
    c.command({"GET", "k"});  // shard connections open on demand
    return perShard("attache_server_handshake_failures_total", "cache") >= 1;
  }));
  publishSecrets({{"ca.crt", readFile(next.ca_crt)}});
  EXPECT_TRUE(eventually([&] {
    return c.command({"GET", "k"}) == "$6\r\nbefore\r\n";
  })) << "the new CA is picked up without a restart";
  EXPECT_EQ(metric(R"(attache_listener_tls_reloads_total{listener="cache",result="success"})"), 1);
  const std::string log = readFile(dir_.file("ambassador.log"));
  EXPECT_NE(log.find("TLS credentials reloaded pool=cache"), std::string::npos) << log;
}

TEST_F(ShardedTlsTest, PicksUpARotatedClientCertificate) {
  startShards("yes");
  auto stranger = makePki(dir_.file("stranger"), "Untrusted CA");
  auto files = publishSecrets(
      {{"tls.crt", readFile(pki_.client_crt)}, {"tls.key", readFile(pki_.client_key)}});
  writeListener("cache.json",
                shardedJson("cache", port_, shardTls(pki_.ca_crt, "", files[0], files[1]),
                            R"(, "autoEject": false, "retryTimeoutMs": 200)"));
  startProxy(port_);
  TestClient c(port_);
  ASSERT_EQ(c.command({"SET", "k", "v"}), "+OK\r\n");
  publishSecrets(
      {{"tls.crt", readFile(stranger.client_crt)}, {"tls.key", readFile(stranger.client_key)}});
  // Shard connections live on: the files are read again when one opens (at most once a second).
  auto reconnect = [&] {
    for (const auto& s : shards_) {
      TestClient(s->server->port).command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    }
    c.command({"GET", "k"});
  };
  EXPECT_TRUE(eventually([&] {
    reconnect();
    return metric(R"(attache_listener_tls_reloads_total{listener="cache",result="success"})") >= 1;
  }));
  EXPECT_FALSE(eventually(
      [&] {
        return c.command({"GET", "k"}) == "$1\r\nv\r\n";
      },
      1000))
      << "the new (untrusted) certificate is presented";
  publishSecrets({{"tls.key", "-----BEGIN PRIVATE KEY-----\nhalf\n"}});
  EXPECT_TRUE(eventually([&] {
    reconnect();
    return metric(R"(attache_listener_tls_reloads_total{listener="cache",result="failure"})") >= 1;
  }));
  EXPECT_TRUE(proxy_.running()) << "a bad rotation keeps the previous credentials";
  const std::string log = readFile(dir_.file("ambassador.log"));
  EXPECT_NE(log.find("TLS credentials not reloaded, the previous ones stay pool=cache"),
            std::string::npos)
      << log;
}

TEST_F(ShardedTlsTest, AppliesAChangedTlsBlockOnReloadToNewConnections) {
  startShards();
  auto other = makePki(dir_.file("other"), "Some Other CA");
  writeListener("cache.json", shardedJson("cache", port_, shardTls(other.ca_crt)));
  startProxy(port_);
  TestClient c(port_);
  EXPECT_TRUE(isError(c.command({"SET", "k", "v"})));
  writeListener("cache.json", shardedJson("cache", port_, shardTls(pki_.ca_crt)));
  EXPECT_TRUE(eventually([&] {
    return c.command({"SET", "k", "v"}) == "+OK\r\n";
  })) << "the same client, through the reloaded pool";
  EXPECT_EQ(c.command({"GET", "k"}), "$1\r\nv\r\n");
  // A tls block that cannot load keeps the running pool.
  writeListener("cache.json", shardedJson("cache", port_, shardTls(dir_.file("missing.crt"))));
  EXPECT_TRUE(
      eventually([&] { return metric(R"(attache_config_reloads_total{result="failure"})") >= 1; }));
  EXPECT_EQ(c.command({"GET", "k"}), "$1\r\nv\r\n");
  const std::string log = readFile(dir_.file("ambassador.log"));
  EXPECT_NE(log.find("tls.caFile: cannot read"), std::string::npos) << log;
}

TEST_F(ShardedTlsTest, RefusesToStartWithUnreadableTlsFiles) {
  writeListener("cache.json",
                shardedJson("cache", port_, shardTls(dir_.file("missing.crt")), "", {freePort()}));
  auto run = runCommand({ambassadorBinary(), "--config-dir", dir_.file("config")}, "",
                        std::chrono::seconds(30));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("tls.caFile: cannot read"), std::string::npos) << run.err;
}

// memcached speaks TLS too when built with it (-Z).
TEST_F(ShardedTlsTest, RoundTripsMemcachedOverTls) {
  if (!haveBinary("memcached") ||
      runCommand({"memcached", "-h"}).out.find("enable-ssl") == std::string::npos) {
    GTEST_SKIP() << "memcached without TLS";
  }
  std::vector<ChildProcess> servers;
  std::vector<int> ports;
  for (int i = 0; i < 2; ++i) {
    ports.push_back(freePort());
    servers.push_back(ChildProcess::start(
        {"memcached", "-u", "nobody", "-l", "127.0.0.1", "-p", std::to_string(ports.back()), "-U",
         "0", "-Z", "-o", "ssl_chain_cert=" + pki_.server_crt + ",ssl_key=" + pki_.server_key}));
    ASSERT_TRUE(waitForPort(ports.back()));
  }
  std::string json = shardedJson("mc", port_, shardTls(pki_.ca_crt), "", ports);
  json.replace(json.find(R"("redis")"), 7, R"("memcached")");
  writeListener("mc.json", json);
  startProxy(port_);
  TestClient c(port_);
  for (int i = 0; i < 10; ++i) {
    const std::string k = "k" + std::to_string(i);
    c.sendRaw("set " + k + " 0 0 2\r\nv" + std::to_string(i) + "\r\n");
    ASSERT_EQ(c.readUntil("\r\n"), "STORED\r\n") << k;
  }
  c.sendRaw("get k0 k1 k2 k3 k4 k5 k6 k7 k8 k9\r\n");
  const std::string got = c.readUntil("END\r\n");
  for (int i = 0; i < 10; ++i) {
    EXPECT_NE(got.find("VALUE k" + std::to_string(i) + " 0 2\r\nv" + std::to_string(i)),
              std::string::npos)
        << got;
  }
}

}  // namespace
}  // namespace attache::testing
