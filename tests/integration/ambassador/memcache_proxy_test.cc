// The ambassador as a memcached sharding proxy, against real memcacheds: a client should not be
// able to tell it is not one memcached.
#include "tests/integration/ambassador/fixture.h"

namespace attache::testing {
namespace {

class MemcacheProxyTest : public ProxyFixture {
 protected:
  void SetUp() override {
    PoolOptions o;
    o.redis = false;
    startPool(o);
  }
};

TEST_F(MemcacheProxyTest, StorageRetrievalAndArithmeticBehaveLikeOneMemcached) {
  TestClient c(port_);
  c.sendRaw("set a 0 0 1\r\n1\r\nadd a 0 0 1\r\n2\r\nreplace a 7 0 2\r\n11\r\n");
  EXPECT_EQ(c.readUntil("STORED\r\n"), "STORED\r\n");
  EXPECT_EQ(c.readUntil("STORED\r\n"), "NOT_STORED\r\n");
  EXPECT_EQ(c.readUntil("STORED\r\n"), "STORED\r\n");
  c.sendRaw("append a 0 0 1\r\nx\r\nprepend a 0 0 1\r\ny\r\nget a\r\n");
  EXPECT_EQ(c.readUntil("END\r\n"), "STORED\r\nSTORED\r\nVALUE a 7 4\r\ny11x\r\nEND\r\n");
  c.sendRaw("set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 20\r\nincr missing 1\r\n");
  EXPECT_EQ(c.readUntil("NOT_FOUND\r\n"), "STORED\r\n15\r\n0\r\nNOT_FOUND\r\n");
  c.sendRaw("touch n 100\r\ndelete n\r\ndelete n\r\n");
  EXPECT_EQ(c.readUntil("NOT_FOUND\r\n"), "TOUCHED\r\nDELETED\r\nNOT_FOUND\r\n");
}

TEST_F(MemcacheProxyTest, MultiKeyGetFansOutAndKeepsTheRequestedOrder) {
  TestClient c(port_);
  std::string expected;
  std::string batch;
  std::string get = "get";
  for (int i = 0; i < 40; ++i) {
    // Varied keys: twemproxy's fnv1a_64 sends short sequential keys ("key0".."key39") all to
    // one shard, and so do we, by design.
    std::string k = "user:" + std::to_string(i * 2654435761u) + ":profile";
    batch += "set " + k + " " + std::to_string(i) + " 0 " + std::to_string(k.size()) + "\r\n" + k +
             "\r\n";
    get += " " + k + " missing" + std::to_string(i);
    expected += "VALUE " + k + " " + std::to_string(i) + " " + std::to_string(k.size()) + "\r\n" +
                k + "\r\n";
  }
  c.sendRaw(batch);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(c.readUntil("\r\n"), "STORED\r\n");
  c.sendRaw(get + "\r\n");
  EXPECT_EQ(c.readUntil("END\r\n"), expected + "END\r\n");
  std::string all_stats;
  int used = 0;
  for (auto& m : memcached_) {
    TestClient direct(m->port);
    direct.sendRaw("stats\r\n");
    std::string stats = direct.readUntil("END\r\n");
    auto at = stats.find("STAT curr_items ");
    ASSERT_NE(at, std::string::npos) << stats;
    used += std::atoi(stats.c_str() + at + 16) > 0 ? 1 : 0;
    all_stats += stats.substr(at, 20);
  }
  EXPECT_GE(used, 2) << "keys are spread over the shards: " << all_stats;
}

TEST_F(MemcacheProxyTest, GetsAndCasWork) {
  TestClient c(port_);
  c.sendRaw("set k 0 0 1\r\na\r\ngets k\r\n");
  EXPECT_EQ(c.readUntil("STORED\r\n"), "STORED\r\n");
  std::string gets = c.readUntil("END\r\n");
  ASSERT_EQ(gets.rfind("VALUE k 0 1 ", 0), 0u) << gets;
  std::string cas = gets.substr(12, gets.find("\r\n") - 12);
  c.sendRaw("cas k 0 0 1 " + cas + "\r\nb\r\ncas k 0 0 1 " + cas + "\r\nc\r\n");
  EXPECT_EQ(c.readUntil("STORED\r\n"), "STORED\r\n");
  EXPECT_EQ(c.readUntil("\r\n"), "EXISTS\r\n");
}

TEST_F(MemcacheProxyTest, NoreplyCommandsSendNothingBack) {
  TestClient c(port_);
  c.sendRaw("set q 0 0 1 noreply\r\n1\r\ndelete zz noreply\r\nincr q 1 noreply\r\nget q\r\n");
  EXPECT_EQ(c.readUntil("END\r\n"), "VALUE q 0 1\r\n2\r\nEND\r\n");
}

TEST_F(MemcacheProxyTest, FlushAllReachesEveryShard) {
  TestClient c(port_);
  for (int i = 0; i < 30; ++i) {
    c.sendRaw("set f" + std::to_string(i) + " 0 0 1\r\n1\r\n");
    ASSERT_EQ(c.readUntil("\r\n"), "STORED\r\n");
  }
  c.sendRaw("flush_all\r\n");
  EXPECT_EQ(c.readUntil("\r\n"), "OK\r\n");
  c.sendRaw("get f1 f2 f3 f4 f5 f6 f7 f8 f9\r\n");
  EXPECT_EQ(c.readUntil("END\r\n"), "END\r\n");
}

TEST_F(MemcacheProxyTest, VersionVerbosityAndStatsAreAnsweredByTheProxy) {
  TestClient c(port_);
  c.sendRaw("version\r\nverbosity 1\r\nstats\r\n");
  EXPECT_EQ(c.readUntil("\r\n").rfind("VERSION ", 0), 0u);
  EXPECT_EQ(c.readUntil("\r\n"), "OK\r\n");
  std::string stats = c.readUntil("END\r\n");
  EXPECT_NE(stats.find("STAT curr_connections 1\r\n"), std::string::npos) << stats;
}

TEST_F(MemcacheProxyTest, BadInputGetsMemcachedsOwnErrorsAndTheConnectionGoesOn) {
  TestClient c(port_);
  c.sendRaw("bogus\r\nset x 0 0 3\r\nabcdef\r\nget x\r\n");
  EXPECT_EQ(c.readUntil("END\r\n"), "ERROR\r\nCLIENT_ERROR bad data chunk\r\nERROR\r\nEND\r\n");
  c.sendRaw("get " + std::string(251, 'k') + "\r\n");
  EXPECT_EQ(c.readUntil("\r\n").rfind("CLIENT_ERROR", 0), 0u);
  c.sendRaw("version\r\n");
  EXPECT_EQ(c.readUntil("\r\n").rfind("VERSION", 0), 0u);
}

TEST_F(MemcacheProxyTest, QuitClosesAfterEarlierReplies) {
  TestClient c(port_);
  c.sendRaw("set z 0 0 1\r\n1\r\nget z\r\nquit\r\n");
  EXPECT_EQ(c.readUntil("END\r\n"), "STORED\r\nVALUE z 0 1\r\n1\r\nEND\r\n");
  EXPECT_TRUE(c.closedByPeer());
}

}  // namespace
}  // namespace attache::testing
