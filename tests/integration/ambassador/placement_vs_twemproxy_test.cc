// Drop-in proof for the routing layer: real redis-servers behind the real nutcracker (Debian's
// twemproxy), one pool per hash x {ketama, modula}, plus hash tags, random and ejection. Every key
// is SET through nutcracker, then read directly from the server our Ring picks for it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/hash.h"
#include "ambassador-image/proxy/routing/hash_tag.h"
#include "ambassador-image/proxy/routing/server_name.h"
#include "tests/support/subprocess.h"

namespace attache::ambassador::routing {

// Readable test names for Distribution parameters (found by ADL, so not in the unnamed
// namespace; internal linkage because several test files define it).
static void PrintTo(Distribution d, std::ostream* os) { *os << distributionName(d); }

namespace {

using attache::testing::ChildProcess;
using attache::testing::freePort;
using attache::testing::runCommand;
using attache::testing::TempDir;
using attache::testing::waitForPort;
using attache::testing::writeFile;

constexpr int kKeys = 2000;
constexpr size_t kPipelineChunk = 500;
constexpr auto kIoTimeout = std::chrono::seconds(10);

constexpr std::array<HashKind, 12> kAllHashes = {
    HashKind::kOneAtATime, HashKind::kMd5,     HashKind::kCrc16,    HashKind::kCrc32,
    HashKind::kCrc32a,     HashKind::kFnv1_64, HashKind::kFnv1a_64, HashKind::kFnv1_32,
    HashKind::kFnv1a_32,   HashKind::kHsieh,   HashKind::kMurmur,   HashKind::kJenkins};

// ---- A minimal blocking RESP client (bounded by kIoTimeout) ----

struct Reply {
  char type = 0;  // '+', '-', ':', '$', '*'; 0 = I/O failure
  std::string text;
  bool nil = false;
  std::vector<Reply> elements;
};

std::string command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

class RespConnection {
 public:
  explicit RespConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RespConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends the commands in chunks and returns one reply per command (type 0 on I/O failure).
  std::vector<Reply> pipeline(const std::vector<std::string>& commands) {
    std::vector<Reply> replies;
    for (size_t begin = 0; begin < commands.size(); begin += kPipelineChunk) {
      size_t end = std::min(commands.size(), begin + kPipelineChunk);
      std::string batch;
      for (size_t i = begin; i < end; ++i) batch += commands[i];
      if (!sendAll(batch)) return replies;
      for (size_t i = begin; i < end; ++i) {
        replies.push_back(read());
        if (replies.back().type == 0) return replies;
      }
    }
    return replies;
  }

  Reply call(const std::vector<std::string>& args) {
    std::vector<Reply> r = pipeline({command(args)});
    return r.empty() ? Reply{} : r[0];
  }

 private:
  bool sendAll(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(kIoTimeout).count();
    if (::poll(&p, 1, static_cast<int>(ms)) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    buf_.append(buf, static_cast<size_t>(n));
    return true;
  }

  std::optional<std::string> line() {
    size_t eol;
    while ((eol = buf_.find("\r\n", pos_)) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string l = buf_.substr(pos_, eol - pos_);
    pos_ = eol + 2;
    compact();
    return l;
  }

  void compact() {
    if (pos_ > 65536) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }

  Reply read() {
    std::optional<std::string> l = line();
    if (!l || l->empty()) return {};
    Reply r;
    r.type = (*l)[0];
    r.text = l->substr(1);
    if (r.type == '$' || r.type == '*') {
      long long n = std::stoll(r.text);
      r.text.clear();
      if (n < 0) {
        r.nil = true;
      } else if (r.type == '*') {
        for (long long i = 0; i < n; ++i) r.elements.push_back(read());
      } else {
        while (buf_.size() - pos_ < static_cast<size_t>(n) + 2) {
          if (!fill()) return {};
        }
        r.text = buf_.substr(pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n) + 2;
        compact();
      }
    }
    return r;
  }

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

// ---- Processes ----

bool onPath(const std::string& tool) {
  return runCommand({"sh", "-c", "command -v " + tool}).exit_code == 0;
}

struct RedisServer {
  int port = 0;
  ChildProcess process;
};

std::unique_ptr<RedisServer> startRedis(const TempDir& dir) {
  auto server = std::make_unique<RedisServer>();
  server->port = freePort();
  std::string p = std::to_string(server->port);
  server->process = ChildProcess::start({"redis-server", "--port", p, "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--daemonize", "no"},
                                        dir.file("redis-" + p + ".log"));
  return server;
}

// One server line of the twemproxy config: "host:port:weight [name]".
struct ServerSpec {
  uint32_t weight = 1;
  std::string name;  // empty: unnamed, identity "127.0.0.1:port"
};

struct PoolSpec {
  std::string name;
  Distribution distribution;
  HashKind hash;
  std::string hash_tag;
  std::string extra;  // more YAML lines, each indented by two spaces
  int port = 0;
};

// The servers of a pool as our Ring sees them, with the identity twemproxy uses.
std::vector<ServerPoint> ringServers(const std::vector<ServerSpec>& specs,
                                     const std::vector<std::unique_ptr<RedisServer>>& redis) {
  std::vector<ServerPoint> points;
  for (size_t i = 0; i < specs.size(); ++i) {
    std::string name = specs[i].name.empty()
                           ? twemproxyServerName("127.0.0.1", static_cast<uint16_t>(redis[i]->port))
                           : specs[i].name;
    points.push_back({name, specs[i].weight});
  }
  return points;
}

std::string renderConfig(const std::vector<PoolSpec>& pools, const std::vector<ServerSpec>& specs,
                         const std::vector<std::unique_ptr<RedisServer>>& redis) {
  std::string yaml;
  for (const PoolSpec& pool : pools) {
    yaml += pool.name + ":\n  listen: 127.0.0.1:" + std::to_string(pool.port) + "\n";
    yaml += "  hash: " + std::string(hashKindName(pool.hash)) + "\n";
    yaml += "  distribution: " + std::string(distributionName(pool.distribution)) + "\n";
    yaml += "  redis: true\n  timeout: 2000\n" + pool.extra;
    if (!pool.hash_tag.empty()) yaml += "  hash_tag: \"" + pool.hash_tag + "\"\n";
    yaml += "  servers:\n";
    for (size_t i = 0; i < specs.size(); ++i) {
      yaml += "   - 127.0.0.1:" + std::to_string(redis[i]->port) + ":" +
              std::to_string(specs[i].weight) + (specs[i].name.empty() ? "" : " " + specs[i].name) +
              "\n";
    }
  }
  return yaml;
}

// Keys: readable ones, tagged ones, binary ones with high bytes, and the empty key.
std::vector<std::string> testKeys() {
  std::vector<std::string> keys = {""};
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  for (int i = 0; static_cast<int>(keys.size()) < kKeys; ++i) {
    switch (i % 4) {
      case 0:
        keys.push_back("key:" + std::to_string(i));
        break;
      case 1:
        keys.push_back("user:{" + std::to_string(next() % 300) + "}:cart:" + std::to_string(i));
        break;
      case 2: {
        std::string k(1 + next() % 48, '\0');
        for (char& c : k) c = static_cast<char>(next() & 0xff);
        keys.push_back(k);
        break;
      }
      default:
        keys.push_back("session/" + std::to_string(next()) + "/" + std::to_string(i));
    }
  }
  return keys;
}

class TwemproxyWorld {
 public:
  // Starts the redis-servers and one nutcracker serving every pool; ports are assigned here.
  void start(const std::vector<ServerSpec>& specs, std::vector<PoolSpec>& pools) {
    for (size_t i = 0; i < specs.size(); ++i) redis_.push_back(startRedis(dir_));
    for (const auto& r : redis_) ASSERT_TRUE(waitForPort(r->port)) << "redis-server " << r->port;
    for (PoolSpec& pool : pools) pool.port = freePort();
    writeFile(dir_.file("nutcracker.yml"), renderConfig(pools, specs, redis_));
    nutcracker_ =
        ChildProcess::start({"nutcracker", "-c", dir_.file("nutcracker.yml"), "-s",
                             std::to_string(freePort()), "-o", dir_.file("nutcracker.log")});
    for (const PoolSpec& pool : pools) {
      ASSERT_TRUE(waitForPort(pool.port))
          << "nutcracker pool " << pool.name << ":\n"
          << attache::testing::readFile(dir_.file("nutcracker.log"));
    }
  }

  const std::vector<std::unique_ptr<RedisServer>>& redis() const { return redis_; }

  void flushAll() {
    for (const auto& r : redis_) {
      RespConnection c(r->port);
      ASSERT_TRUE(c.connected());
      ASSERT_EQ(c.call({"FLUSHALL"}).text, "OK");
    }
  }

  // SETs key i = "v<i>" through the pool; returns the keys that were stored (+OK).
  std::vector<size_t> setThrough(const PoolSpec& pool, const std::vector<std::string>& keys) {
    RespConnection c(pool.port);
    EXPECT_TRUE(c.connected()) << pool.name;
    std::vector<std::string> commands;
    for (size_t i = 0; i < keys.size(); ++i) {
      commands.push_back(command({"SET", keys[i], "v" + std::to_string(i)}));
    }
    std::vector<Reply> replies = c.pipeline(commands);
    EXPECT_EQ(replies.size(), keys.size()) << pool.name;
    std::vector<size_t> stored;
    for (size_t i = 0; i < replies.size(); ++i) {
      if (replies[i].type == '+') stored.push_back(i);
    }
    return stored;
  }

  void stopRedis(size_t index) { redis_[index]->process.stop(); }

 private:
  TempDir dir_;
  std::vector<std::unique_ptr<RedisServer>> redis_;
  ChildProcess nutcracker_;
};

// Every stored key must be on the server the Ring picks, and nowhere else. Servers whose `live`
// entry is false are stopped: the Ring must not pick them and they are not queried.
void expectPlacement(TwemproxyWorld& world, const Ring& ring, const PoolSpec& pool,
                     const std::vector<std::string>& keys, const std::vector<size_t>& stored,
                     const std::vector<bool>& live = {}) {
  std::map<int, std::vector<size_t>> by_server;
  HashFn hash = hashFunction(pool.hash);
  for (size_t i : stored)
    by_server[ring.pick(routingHash(hash, keys[i], pool.hash_tag))].push_back(i);
  ASSERT_EQ(by_server.count(-1), 0U) << pool.name;
  long long total = 0;
  int misplaced = 0;
  for (size_t s = 0; s < world.redis().size(); ++s) {
    if (!live.empty() && !live[s]) {
      EXPECT_EQ(by_server.count(static_cast<int>(s)), 0U) << pool.name << ": picked a dead server";
      continue;
    }
    RespConnection c(world.redis()[s]->port);
    ASSERT_TRUE(c.connected());
    Reply size = c.call({"DBSIZE"});
    total += std::stoll(size.text.empty() ? "0" : size.text);
    std::vector<std::string> gets;
    for (size_t i : by_server[static_cast<int>(s)]) gets.push_back(command({"GET", keys[i]}));
    std::vector<Reply> values = c.pipeline(gets);
    ASSERT_EQ(values.size(), gets.size());
    for (size_t j = 0; j < values.size(); ++j) {
      size_t i = by_server[static_cast<int>(s)][j];
      if (values[j].text != "v" + std::to_string(i) && ++misplaced <= 5) {
        ADD_FAILURE() << pool.name << ": key #" << i << " is not on server " << s;
      }
    }
  }
  EXPECT_EQ(misplaced, 0) << pool.name;
  EXPECT_EQ(total, static_cast<long long>(stored.size())) << pool.name << ": keys stored twice?";
}

#define SKIP_WITHOUT_TWEMPROXY()                                                             \
  if (!onPath("nutcracker") || !onPath("redis-server")) {                                    \
    GTEST_SKIP() << "needs nutcracker and redis-server on PATH (apt-get install nutcracker " \
                    "redis-server)";                                                         \
  }

// ---- Every hash x {ketama, modula}, over three server layouts ----

struct Layout {
  std::string name;
  std::vector<ServerSpec> servers;
};

void PrintTo(const Layout& l, std::ostream* os) { *os << l.name; }

class PlacementVsTwemproxyTest : public ::testing::TestWithParam<Layout> {};

TEST_P(PlacementVsTwemproxyTest, EveryKeyIsOnTheServerNutcrackerChose) {
  SKIP_WITHOUT_TWEMPROXY();
  const Layout& layout = GetParam();
  std::vector<PoolSpec> pools;
  for (Distribution d : {Distribution::kKetama, Distribution::kModula}) {
    for (HashKind h : kAllHashes) {
      pools.push_back(
          {std::string(distributionName(d)) + "_" + std::string(hashKindName(h)), d, h, "", ""});
    }
  }
  pools.push_back({"ketama_tagged", Distribution::kKetama, HashKind::kFnv1a_64, "{}", ""});
  pools.push_back({"modula_tagged", Distribution::kModula, HashKind::kMurmur, "{}", ""});
  TwemproxyWorld world;
  ASSERT_NO_FATAL_FAILURE(world.start(layout.servers, pools));
  std::vector<ServerPoint> servers = ringServers(layout.servers, world.redis());
  std::vector<std::string> keys = testKeys();
  for (const PoolSpec& pool : pools) {
    Result<std::shared_ptr<const Ring>> ring = Ring::build(pool.distribution, servers, {});
    ASSERT_TRUE(ring.ok()) << ring.error().toString();
    ASSERT_NO_FATAL_FAILURE(world.flushAll());
    std::vector<size_t> stored = world.setThrough(pool, keys);
    ASSERT_EQ(stored.size(), keys.size()) << pool.name;
    expectPlacement(world, **ring, pool, keys, stored);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, PlacementVsTwemproxyTest,
    ::testing::Values(Layout{"ThreeEqualServers", {{1, ""}, {1, ""}, {1, ""}}},
                      Layout{"FourWeightedServers", {{3, ""}, {1, ""}, {4, ""}, {2, ""}}},
                      Layout{"ThreeNamedServers",
                             {{1, "shard-c"}, {1, "shard-a"}, {2, "shard-bb"}}}),
    [](const ::testing::TestParamInfo<Layout>& param_info) { return param_info.param.name; });

// ---- random: not deterministic, but every server must get keys ----

TEST(RandomVsTwemproxy, EveryServerGetsKeys) {
  SKIP_WITHOUT_TWEMPROXY();
  std::vector<ServerSpec> specs = {{1, ""}, {1, ""}, {1, ""}};
  std::vector<PoolSpec> pools = {{"random", Distribution::kRandom, HashKind::kFnv1a_64, "", ""}};
  TwemproxyWorld world;
  ASSERT_NO_FATAL_FAILURE(world.start(specs, pools));
  std::vector<std::string> keys = testKeys();
  ASSERT_NO_FATAL_FAILURE(world.flushAll());
  ASSERT_EQ(world.setThrough(pools[0], keys).size(), keys.size());
  long long total = 0;
  for (const auto& r : world.redis()) {
    RespConnection c(r->port);
    long long size = std::stoll(c.call({"DBSIZE"}).text);
    EXPECT_GT(size, kKeys / 6) << "server " << r->port;
    total += size;
  }
  EXPECT_EQ(total, static_cast<long long>(keys.size()));
}

// ---- ejection: twemproxy rebuilds over live servers; the Ring's live mask must agree ----

class EjectionVsTwemproxyTest : public ::testing::TestWithParam<Distribution> {};

TEST_P(EjectionVsTwemproxyTest, KeysOfAnEjectedServerMoveLikeInNutcracker) {
  SKIP_WITHOUT_TWEMPROXY();
  std::vector<ServerSpec> specs = {{1, ""}, {2, ""}, {1, ""}, {1, ""}};
  std::vector<PoolSpec> pools = {{"ejecting", GetParam(), HashKind::kFnv1a_64, "",
                                  "  auto_eject_hosts: true\n  server_failure_limit: 1\n"
                                  "  server_retry_timeout: 600000\n"}};
  TwemproxyWorld world;
  ASSERT_NO_FATAL_FAILURE(world.start(specs, pools));
  world.stopRedis(1);
  // Until a request reaches the dead server and fails, nutcracker has not ejected it.
  std::vector<std::string> keys = testKeys();
  bool failed = false;
  for (size_t i = 0; i < 200 && !failed; ++i) {
    if (world.setThrough(pools[0], {"probe" + keys[i]}).empty()) {
      failed = true;
    }
  }
  ASSERT_TRUE(failed) << "no probe key reached the stopped server";
  std::vector<ServerPoint> servers = ringServers(specs, world.redis());
  auto ring = Ring::build(GetParam(), servers, {true, false, true, true});
  ASSERT_TRUE(ring.ok()) << ring.error().toString();
  for (size_t s : {0U, 2U, 3U}) {
    RespConnection c(world.redis()[s]->port);
    ASSERT_EQ(c.call({"FLUSHALL"}).text, "OK");
  }
  std::vector<size_t> stored = world.setThrough(pools[0], keys);
  ASSERT_EQ(stored.size(), keys.size()) << "nutcracker still routes to the ejected server";
  expectPlacement(world, **ring, pools[0], keys, stored, {true, false, true, true});
}

INSTANTIATE_TEST_SUITE_P(TwemproxyDistributions, EjectionVsTwemproxyTest,
                         ::testing::Values(Distribution::kKetama, Distribution::kModula),
                         [](const ::testing::TestParamInfo<Distribution>& param_info) {
                           return std::string(distributionName(param_info.param));
                         });

}  // namespace
}  // namespace attache::ambassador::routing
