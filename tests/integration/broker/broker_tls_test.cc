// Broker listeners originating TLS to a real redis-server (certificates made by the test):
// round trips, name and CA checks that refuse rather than downgrade, mTLS, failover, rotated
// credentials picked up without cutting live connections, listener files added or changed at
// run time.
#include <filesystem>

#include "tests/integration/broker/broker_fixture.h"

namespace attache::testing {
namespace {

namespace fs = std::filesystem;

class BrokerTlsTest : public BrokerFixture {
 protected:
  std::string up(const std::string& upstream) {
    return R"(attache_broker_upstream_up{listener="db",upstream=")" + upstream + R"("})";
  }
};

TEST_F(BrokerTlsTest, RoundTripsThroughTlsOrigination) {
  TlsRedis redis(pki_, "no");
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}}, tlsJson(pki_.ca_crt)));
  startProxy(port_);
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "greeting", "hello over tls"}), "+OK\r\n");
  EXPECT_EQ(c.command({"GET", "greeting"}), "$14\r\nhello over tls\r\n");
  std::string big(1 << 20, 'x');
  EXPECT_EQ(c.command({"SET", "big", big}), "+OK\r\n");
  EXPECT_EQ(c.command({"STRLEN", "big"}), ":1048576\r\n");
  auto cli = runCommand({"redis-cli", "-p", std::to_string(port_), "GET", "greeting"});
  EXPECT_EQ(cli.out, "hello over tls\n") << cli.err;
  TestClient plain(redis.server->port);
  EXPECT_EQ(plain.command({"GET", "greeting"}), "$14\r\nhello over tls\r\n") << "same server";
  EXPECT_GT(metric(R"(attache_broker_bytes_total{listener="db",direction="upstream"})"), 1 << 20);
  EXPECT_EQ(metric(up("127.0.0.1:" + std::to_string(redis.tls_port))), 1);
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 200);
}

TEST_F(BrokerTlsTest, RelaysRepliesLargerThanWhatOpenSslReadsAhead) {
  // OpenSSL reads ahead one buffer (~17 KiB) at a time: an empty buffer does not mean an
  // empty socket, and the loop's edge-triggered epoll does not report bytes already there.
  TlsRedis redis(pki_, "no");
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}}, tlsJson(pki_.ca_crt)));
  startProxy(port_);
  std::string huge(8 << 20, 'h');
  for (size_t i = 0; i < huge.size(); i += 4096) huge[i] = static_cast<char>('a' + i / 4096 % 26);
  ASSERT_EQ(TestClient(redis.server->port).command({"SET", "huge", huge}), "+OK\r\n");
  const std::string reply = "$" + std::to_string(huge.size()) + "\r\n" + huge + "\r\n";
  std::string requests;
  for (int i = 0; i < 3; ++i) requests += encodeCommand({"GET", "huge"});
  TestClient c(port_);
  const std::string got = c.pipeline(requests, 3 * reply.size(), std::chrono::milliseconds(500));
  ASSERT_EQ(got.size(), 3 * reply.size()) << "the replies stopped";
  EXPECT_TRUE(got == reply + reply + reply);
}

TEST_F(BrokerTlsTest, ChecksTheCandidateHostWhenNoServerNameIsGiven) {
  TlsRedis redis(pki_, "no");
  const int by_ip = freePort();
  writeListener("dns.json", brokerJson("dns", port_, {{"localhost", redis.tls_port}},
                                       tlsJson(pki_.ca_crt, "")));
  writeListener("ip.json",
                brokerJson("ip", by_ip, {{"127.0.0.1", redis.tls_port}}, tlsJson(pki_.ca_crt, "")));
  startProxy(port_);
  ASSERT_TRUE(waitForPort(by_ip));
  EXPECT_TRUE(pingThrough(port_)) << "DNS:localhost in the certificate";
  EXPECT_TRUE(pingThrough(by_ip)) << "IP:127.0.0.1 in the certificate";
}

TEST_F(BrokerTlsTest, RefusesAWrongCaOrNameAndNeverFallsBackToPlainText) {
  TlsRedis redis(pki_, "no");
  auto other = makePki(dir_.file("other"), "Some Other CA");
  const int wrong_name = freePort();
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}}, tlsJson(other.ca_crt)));
  writeListener("name.json", brokerJson("name", wrong_name, {{"127.0.0.1", redis.tls_port}},
                                        tlsJson(pki_.ca_crt, "db.example.com")));
  startProxy(port_);
  ASSERT_TRUE(waitForPort(wrong_name));
  for (int port : {port_, wrong_name}) {
    TestClient c(port);
    c.sendRaw(encodeCommand({"PING"}));
    EXPECT_EQ(c.readReply(std::chrono::milliseconds(2000)), "") << port;
    EXPECT_TRUE(c.closedByPeer()) << port;
  }
  const std::string candidate = "127.0.0.1:" + std::to_string(redis.tls_port);
  EXPECT_GE(metric(R"(attache_broker_upstream_handshake_failures_total{listener="db",upstream=")" +
                   candidate + R"("})"),
            1);
  EXPECT_GE(
      metric(R"(attache_broker_upstream_handshake_failures_total{listener="name",upstream=")" +
             candidate + R"("})"),
      1);
  EXPECT_EQ(metric(up(candidate)), 0);
  EXPECT_EQ(metric(R"(attache_broker_bytes_total{listener="db",direction="upstream"})"), 0);
  auto ready = httpGet(admin_port_, "/readyz");
  EXPECT_EQ(ready.first, 503);
  EXPECT_NE(ready.second.find("no upstream available"), std::string::npos) << ready.second;
  auto log = readFile(dir_.file("ambassador.log"));
  EXPECT_NE(log.find("certificate verify failed"), std::string::npos) << log;
}

TEST_F(BrokerTlsTest, PresentsAClientCertificateWhenTheUpstreamRequiresOne) {
  TlsRedis redis(pki_, "yes");
  const int anonymous = freePort();
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}},
                           tlsJson(pki_.ca_crt, "localhost", pki_.client_crt, pki_.client_key)));
  writeListener("anon.json", brokerJson("anon", anonymous, {{"127.0.0.1", redis.tls_port}},
                                        tlsJson(pki_.ca_crt)));
  startProxy(port_);
  ASSERT_TRUE(waitForPort(anonymous));
  EXPECT_TRUE(pingThrough(port_));
  EXPECT_FALSE(pingThrough(anonymous)) << "redis refuses a client without a certificate";
}

TEST_F(BrokerTlsTest, FailsOverFromADeadFirstCandidateAndAfterTheFirstDies) {
  TlsRedis first(pki_, "no");
  TlsRedis second(pki_, "no");
  TestClient(first.server->port).command({"SET", "who", "first"});
  TestClient(second.server->port).command({"SET", "who", "second"});
  const int dead = freePort();
  writeListener("db.json", brokerJson("db", port_,
                                      {{"127.0.0.1", dead},
                                       {"127.0.0.1", first.tls_port},
                                       {"127.0.0.1", second.tls_port}},
                                      tlsJson(pki_.ca_crt)));
  startProxy(port_);
  TestClient c(port_);
  EXPECT_EQ(c.command({"GET", "who"}), "$5\r\nfirst\r\n");
  EXPECT_EQ(metric(up("127.0.0.1:" + std::to_string(dead))), 0);
  first.server->stop();
  TestClient after(port_);
  EXPECT_EQ(after.command({"GET", "who"}), "$6\r\nsecond\r\n");
  const std::string s2 = "127.0.0.1:" + std::to_string(second.tls_port);
  EXPECT_EQ(
      metric(R"(attache_broker_upstream_selected_total{listener="db",upstream=")" + s2 + R"("})"),
      1);
  EXPECT_TRUE(
      eventually([&] { return metric(up("127.0.0.1:" + std::to_string(first.tls_port))) == 0; }));
  first.server->restart();
  EXPECT_TRUE(eventually([&] {
    return metric(up("127.0.0.1:" + std::to_string(first.tls_port))) == 1;
  })) << "probed again with backoff";
  TestClient(first.server->port).command({"SET", "who", "first again"});
  TestClient back(port_);
  EXPECT_EQ(back.command({"GET", "who"}), "$11\r\nfirst again\r\n") << "preferred again";
}

TEST_F(BrokerTlsTest, PicksUpARotatedCaWithoutCuttingLiveConnections) {
  TlsRedis redis(pki_, "no");
  auto next = makePki(dir_.file("next"), "Next CA");
  auto ca = publishSecrets({{"ca.crt", readFile(pki_.ca_crt)}});
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}}, tlsJson(ca[0])));
  startProxy(port_);
  TestClient live(port_);
  ASSERT_EQ(live.command({"PING"}), "+PONG\r\n");
  // The server moves to a certificate from the next CA (redis re-reads on CONFIG SET).
  TestClient admin(redis.server->port);
  ASSERT_EQ(admin.command({"CONFIG", "SET", "tls-cert-file", next.server_crt, "tls-key-file",
                           next.server_key}),
            "+OK\r\n");
  EXPECT_FALSE(pingThrough(port_)) << "the old CA no longer verifies the server";
  publishSecrets({{"ca.crt", readFile(next.ca_crt)}});
  EXPECT_TRUE(eventually([&] { return pingThrough(port_); })) << "the new CA is picked up";
  EXPECT_EQ(live.command({"PING"}), "+PONG\r\n") << "the live connection was not cut";
  EXPECT_EQ(metric(R"(attache_broker_tls_reloads_total{listener="db",result="success"})"), 1);
}

TEST_F(BrokerTlsTest, PicksUpARotatedClientCertificate) {
  TlsRedis redis(pki_, "yes");
  auto stranger = makePki(dir_.file("stranger"), "Untrusted CA");
  auto files = publishSecrets(
      {{"tls.crt", readFile(pki_.client_crt)}, {"tls.key", readFile(pki_.client_key)}});
  writeListener("db.json", brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}},
                                      tlsJson(pki_.ca_crt, "localhost", files[0], files[1])));
  startProxy(port_);
  TestClient live(port_);
  ASSERT_EQ(live.command({"PING"}), "+PONG\r\n");
  publishSecrets(
      {{"tls.crt", readFile(stranger.client_crt)}, {"tls.key", readFile(stranger.client_key)}});
  EXPECT_TRUE(eventually([&] { return !pingThrough(port_); }))
      << "the new (untrusted) certificate is presented";
  EXPECT_EQ(live.command({"PING"}), "+PONG\r\n");
  publishSecrets({{"tls.key", "-----BEGIN PRIVATE KEY-----\nhalf\n"}});
  EXPECT_TRUE(eventually([&] {
    pingThrough(port_);  // credentials are checked when a client arrives
    return metric(R"(attache_broker_tls_reloads_total{listener="db",result="failure"})") >= 1;
  }));
  EXPECT_TRUE(proxy_.running()) << "a bad rotation keeps the previous credentials";
}

TEST_F(BrokerTlsTest, PicksUpAListenerFileAddedAtRunTimeAndKeepsConnectionsOnReload) {
  TlsRedis redis(pki_, "no");
  startProxy(0);
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 503);
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", redis.tls_port}}, tlsJson(pki_.ca_crt)));
  ASSERT_TRUE(waitForPort(port_));
  TestClient live(port_);
  ASSERT_EQ(live.command({"SET", "k", "v"}), "+OK\r\n");
  const int spare = freePort();
  writeListener("db.json",
                brokerJson("db", port_, {{"127.0.0.1", spare}, {"127.0.0.1", redis.tls_port}},
                           tlsJson(pki_.ca_crt)));
  ASSERT_TRUE(eventually([&] {
    return httpGet(admin_port_, "/config").second.find(std::to_string(spare)) != std::string::npos;
  }));
  EXPECT_EQ(live.command({"GET", "k"}), "$1\r\nv\r\n") << "the reload kept the connection";
  EXPECT_TRUE(pingThrough(port_));
  EXPECT_EQ(httpGet(admin_port_, "/readyz").first, 200);
}

}  // namespace
}  // namespace attache::testing
