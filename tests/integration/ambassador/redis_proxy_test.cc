// The ambassador as a Redis sharding proxy, against real redis-servers.
#include <thread>

#include "tests/integration/ambassador/fixture.h"

namespace attache::testing {
namespace {

class RedisProxyTest : public ProxyFixture {
 protected:
  void SetUp() override { startPool({}); }

  // How many of `keys` each shard holds, read directly from the shards.
  std::vector<long> keysPerShard() {
    std::vector<long> out;
    for (auto& r : redis_) {
      TestClient c(r->port);
      std::string reply = c.command({"DBSIZE"});
      out.push_back(std::atol(reply.c_str() + 1));
    }
    return out;
  }
};

TEST_F(RedisProxyTest, AnswersPingEchoSelectAndQuitLocally) {
  TestClient c(port_);
  EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
  EXPECT_EQ(c.command({"PING", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(c.command({"ECHO", "x y"}), "$3\r\nx y\r\n");
  EXPECT_EQ(c.command({"SELECT", "0"}), "+OK\r\n");
  EXPECT_EQ(c.command({"SELECT", "3"}).substr(0, 4), "-ERR");
  EXPECT_EQ(c.command({"CLIENT", "SETNAME", "app"}), "+OK\r\n");
  EXPECT_EQ(c.command({"CLIENT", "GETNAME"}), "$3\r\napp\r\n");
  EXPECT_EQ(c.command({"HELLO", "3"}).substr(0, 8), "-NOPROTO");
  EXPECT_EQ(c.command({"HELLO", "2"}).substr(0, 4), "*14\r");
  EXPECT_EQ(c.command({"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(c.closedByPeer());
}

TEST_F(RedisProxyTest, SpreadsKeysOverEveryShardAndReadsThemBack) {
  TestClient c(port_);
  std::string batch;
  for (int i = 0; i < 3000; ++i) {
    batch += encodeCommand({"SET", "key:" + std::to_string(i), "v" + std::to_string(i)});
  }
  c.sendRaw(batch);  // one pipelined write
  for (int i = 0; i < 3000; ++i) ASSERT_EQ(c.readReply(), "+OK\r\n") << i;
  batch.clear();
  for (int i = 0; i < 3000; ++i) batch += encodeCommand({"GET", "key:" + std::to_string(i)});
  c.sendRaw(batch);
  for (int i = 0; i < 3000; ++i) {
    std::string v = "v" + std::to_string(i);
    ASSERT_EQ(c.readReply(), "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n") << i;
  }
  auto counts = keysPerShard();
  long total = 0;
  for (long n : counts) {
    EXPECT_GT(n, 600) << "a shard holds too few keys";
    total += n;
  }
  EXPECT_EQ(total, 3000);
}

TEST_F(RedisProxyTest, SplitsAndMergesMultiKeyCommandsInRequestOrder) {
  TestClient c(port_);
  EXPECT_EQ(c.command({"MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"}), "+OK\r\n");
  EXPECT_EQ(c.command({"MGET", "e", "nope", "a", "c", "b", "d", "a"}),
            "*7\r\n$1\r\n5\r\n$-1\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n4\r\n$1\r\n1\r\n");
  EXPECT_EQ(c.command({"EXISTS", "a", "b", "nope", "e"}), ":3\r\n");
  EXPECT_EQ(c.command({"TOUCH", "a", "b"}), ":2\r\n");
  EXPECT_EQ(c.command({"DEL", "a", "b", "c", "nope"}), ":3\r\n");
  EXPECT_EQ(c.command({"UNLINK", "d", "e"}), ":2\r\n");
  EXPECT_EQ(c.command({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(c.command({"SET", "x", "1"}), "+OK\r\n");
  EXPECT_EQ(c.command({"FLUSHALL"}), "+OK\r\n");
  EXPECT_EQ(c.command({"DBSIZE"}), ":0\r\n");
  EXPECT_EQ(c.command({"MSET", "a", "1", "b"}).substr(0, 4), "-ERR");
}

TEST_F(RedisProxyTest, RefusesCommandsThatCannotWorkAcrossShardsWithAClearError) {
  TestClient c(port_);
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{"KEYS", "*"},
                                              {"MULTI"},
                                              {"BLPOP", "a", "0"},
                                              {"SUBSCRIBE", "ch"},
                                              {"SCAN", "0"},
                                              {"CONFIG", "GET", "save"},
                                              {"NOSUCHCOMMAND"}}) {
    std::string reply = c.command(cmd);
    EXPECT_EQ(reply.substr(0, 5), "-ERR ") << cmd[0] << ": " << reply;
  }
  EXPECT_EQ(c.command({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(c.command({"PING"}), "+PONG\r\n") << "the connection survives refusals";
}

TEST_F(RedisProxyTest, KeysWithTheSameHashTagStayTogetherForMultiKeyCommands) {
  proxy_.stop();
  PoolOptions o;
  o.extra = "  hash_tag: \"{}\"\n";
  writeFile(dir_.file("nutcracker.yml"), yamlFor(o, port_));
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml")}, port_, dir_.file("ambassador.log"));
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "{user1}.a", "x"}), "+OK\r\n");
  EXPECT_EQ(c.command({"RENAME", "{user1}.a", "{user1}.b"}), "+OK\r\n");
  EXPECT_EQ(c.command({"GET", "{user1}.b"}), "$1\r\nx\r\n");
  // Without a shared tag the keys of RENAME (almost surely) live apart: a clear refusal.
  std::string reply;
  for (int i = 0; i < 20 && reply.rfind("-CROSSSHARD", 0) != 0; ++i) {
    c.command({"SET", "k" + std::to_string(i), "1"});
    reply = c.command({"RENAME", "k" + std::to_string(i), "other" + std::to_string(i)});
  }
  EXPECT_EQ(reply.rfind("-CROSSSHARD", 0), 0u) << reply;
}

TEST_F(RedisProxyTest, AcceptsInlineCommands) {
  TestClient c(port_);
  c.sendRaw("PING\r\nSET inline \"a b\"\r\nGET inline\nECHO hi\r\n");
  EXPECT_EQ(c.readReply(), "+PONG\r\n");
  EXPECT_EQ(c.readReply(), "+OK\r\n");
  EXPECT_EQ(c.readReply(), "$3\r\na b\r\n");
  EXPECT_EQ(c.readReply(), "$2\r\nhi\r\n");
}

TEST_F(RedisProxyTest, MalformedRequestGetsAnErrorAndOnlyThatConnectionCloses) {
  TestClient bad(port_);
  bad.sendRaw("*2\r\n$3\r\nGET\r\n$-7\r\n");
  EXPECT_EQ(bad.readReply().substr(0, 20), "-ERR Protocol error:");
  EXPECT_TRUE(bad.closedByPeer());
  TestClient huge(port_);
  huge.sendRaw("*1\r\n$999999999999\r\n");
  EXPECT_EQ(huge.readReply().substr(0, 20), "-ERR Protocol error:");
  TestClient good(port_);
  EXPECT_EQ(good.command({"PING"}), "+PONG\r\n");
  EXPECT_TRUE(proxy_.running());
}

TEST_F(RedisProxyTest, ClientThatLeavesMidRequestDoesNotDisturbOthers) {
  {
    TestClient gone(port_);
    std::string batch;
    for (int i = 0; i < 500; ++i) batch += encodeCommand({"SET", "g" + std::to_string(i), "1"});
    gone.sendRaw(batch + "*3\r\n$3\r\nSET\r\n$1\r\na");  // leaves mid-frame, replies unread
  }
  TestClient c(port_);
  EXPECT_EQ(c.command({"SET", "after", "1"}), "+OK\r\n");
  EXPECT_TRUE(proxy_.running());
}

TEST_F(RedisProxyTest, EjectsADeadShardAndRoutesItsKeysElsewhereThenTakesItBack) {
  proxy_.stop();
  PoolOptions o;
  o.extra =
      "  auto_eject_hosts: true\n  server_failure_limit: 1\n  server_retry_timeout: 1500\n"
      "  timeout: 400\n";
  writeFile(dir_.file("nutcracker.yml"), yamlFor(o, port_));
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml")}, port_, dir_.file("ambassador.log"));
  redis_[1]->stop();
  TestClient c(port_);
  int errors = 0;
  for (int i = 0; i < 300; ++i) {
    std::string r = c.command({"SET", "k" + std::to_string(i), "v"});
    if (r != "+OK\r\n") ++errors;
  }
  EXPECT_GE(errors, 1) << "the first request to the dead shard fails";
  EXPECT_LE(errors, 3) << "then the shard is ejected and its keys go elsewhere";
  redis_[1]->restart();
  std::this_thread::sleep_for(std::chrono::milliseconds(1700));  // server_retry_timeout
  int on_revived = 0;
  for (int i = 0; i < 300; ++i) c.command({"SET", "n" + std::to_string(i), "v"});
  TestClient direct(redis_[1]->port);
  on_revived = std::atoi(direct.command({"DBSIZE"}).c_str() + 1);
  EXPECT_GT(on_revived, 0) << "the shard is back in the ring after server_retry_timeout";
}

TEST_F(RedisProxyTest, DataStoreModeNeverRehomesADeadShardsKeys) {
  proxy_.stop();
  PoolOptions o;
  o.extra = "  auto_eject_hosts: false\n  timeout: 400\n";
  writeFile(dir_.file("nutcracker.yml"), yamlFor(o, port_));
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml")}, port_, dir_.file("ambassador.log"));
  redis_[2]->stop();
  TestClient c(port_);
  int errors = 0;
  for (int i = 0; i < 300; ++i) {
    std::string r = c.command({"SET", "k" + std::to_string(i), "v"});
    if (r != "+OK\r\n") {
      ++errors;
      EXPECT_EQ(r.substr(0, 4), "-ERR") << r;
    }
  }
  EXPECT_GT(errors, 50) << "about a third of the keys belong to the dead shard";
  EXPECT_LT(errors, 150);
}

TEST_F(RedisProxyTest, ShardThatNeverAnswersTimesOut) {
  proxy_.stop();
  // A listener that accepts connections (kernel backlog) but never replies.
  int silent_port = freePort();
  auto silent = ChildProcess::start(
      {"python3", "-c",
       "import "
       "socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
       "s.bind(('127.0.0.1'," +
           std::to_string(silent_port) + "))\ns.listen(16)\ntime.sleep(60)\n"});
  ASSERT_TRUE(waitForPort(silent_port));
  writeFile(dir_.file("nutcracker.yml"),
            "pool:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                "\n  redis: true\n  timeout: 300\n  servers:\n   - 127.0.0.1:" +
                std::to_string(silent_port) + ":1\n");
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml")}, port_, dir_.file("ambassador.log"));
  TestClient c(port_);
  auto start = std::chrono::steady_clock::now();
  std::string r = c.command({"GET", "a"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.substr(0, 4), "-ERR") << r;
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(RedisProxyTest, ShardThatAnswersGarbageYieldsAnErrorNotACrash) {
  proxy_.stop();
  int liar_port = freePort();
  auto liar = ChildProcess::start(
      {"python3", "-c",
       "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
       "s.bind(('127.0.0.1'," +
           std::to_string(liar_port) +
           "))\ns.listen(16)\nwhile True:\n  c,_=s.accept()\n  c.recv(4096)\n"
           "  c.sendall(b'?garbage\\r\\n*-5\\r\\n$99999999999\\r\\n')\n  c.close()\n"});
  ASSERT_TRUE(waitForPort(liar_port));
  writeFile(dir_.file("nutcracker.yml"), "pool:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                                             "\n  redis: true\n  servers:\n   - 127.0.0.1:" +
                                             std::to_string(liar_port) + ":1\n");
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml")}, port_, dir_.file("ambassador.log"));
  TestClient c(port_);
  for (int i = 0; i < 5; ++i) {
    std::string r = c.command({"GET", "a"});
    EXPECT_EQ(r.substr(0, 4), "-ERR") << r;
  }
  EXPECT_EQ(c.command({"PING"}), "+PONG\r\n");
  EXPECT_TRUE(proxy_.running());
}

TEST_F(RedisProxyTest, UpstreamAuthFromTheConfigAndClientAuthLikeTwemproxy) {
  proxy_.stop();
  redis_.clear();
  PoolOptions o;
  o.redis_args = {"--requirepass", "s3cret"};
  o.extra = "  redis_auth: s3cret\n";
  for (int i = 0; i < 3; ++i) redis_.push_back(std::make_unique<RedisServer>(o.redis_args));
  writeFile(dir_.file("nutcracker.yml"), yamlFor(o, port_));
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml")}, port_, dir_.file("ambassador.log"));
  TestClient c(port_);
  EXPECT_EQ(c.command({"GET", "a"}).substr(0, 7), "-NOAUTH");
  EXPECT_EQ(c.command({"AUTH", "wrong"}).substr(0, 10), "-WRONGPASS");
  EXPECT_EQ(c.command({"AUTH", "s3cret"}), "+OK\r\n");
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(c.command({"SET", "k" + std::to_string(i), "v"}), "+OK\r\n") << i;
  }
}

// The loop's epoll is edge-triggered: bytes already in a socket are not reported again. These
// clients leave the ambassador's read of their socket unfinished, by more input than one
// wakeup reads or by a pause while their replies pile up; it must finish it without waiting.
TEST_F(RedisProxyTest, AnswersAPipelineLargerThanOneWakeupReads) {
  std::string requests;
  const int n = 200000;  // 4.6 MiB of GETs, nine times the per-wakeup read budget
  for (int i = 0; i < n; ++i) requests += encodeCommand({"GET", "absent"});
  TestClient c(port_);
  const std::string got = c.pipeline(requests, 5 * n, std::chrono::milliseconds(0));
  ASSERT_EQ(got.size(), 5u * n) << "replies stopped after " << got.size() / 5;
  EXPECT_EQ(got.find_first_not_of("$-1\r\n"), std::string::npos);
}

TEST_F(RedisProxyTest, ResumesAClientPausedWhileItsRepliesPiledUp) {
  const std::string value(2048, 'v');
  ASSERT_EQ(TestClient(port_).command({"SET", "wide", value}), "+OK\r\n");
  const int n = 40000;  // 80 MiB of replies: far past the point where the client is paused
  std::string requests;
  for (int i = 0; i < n; ++i) requests += encodeCommand({"GET", "wide"});
  const std::string reply = "$2048\r\n" + value + "\r\n";
  TestClient c(port_);
  const std::string got = c.pipeline(requests, reply.size() * n, std::chrono::milliseconds(1500));
  ASSERT_EQ(got.size(), reply.size() * n) << "replies stopped after " << got.size() / reply.size();
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); i += reply.size())
    bad += got.compare(i, reply.size(), reply) != 0;
  EXPECT_EQ(bad, 0u);
}

TEST_F(RedisProxyTest, RedisBenchmarksFullDefaultRunCompletes) {
  if (!haveBinary("redis-benchmark")) GTEST_SKIP() << "no redis-benchmark";
  auto r =
      runCommand({"redis-benchmark", "-p", std::to_string(port_), "-n", "2000", "-c", "10", "-q"},
                 "", std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* test :
       {"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP", "SADD",
        "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_600 (first 600 elements)", "MSET (10 keys)"}) {
    EXPECT_NE(r.out.find(std::string(test) + ": "), std::string::npos) << test << "\n" << r.out;
  }
  EXPECT_EQ(r.out.find("ERR"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace attache::testing
