// The drop-in promise end to end: keys written through the real nutcracker are found through
// the ambassador (and the other way round) over the same shards, for several configurations.
#include "tests/integration/ambassador/fixture.h"

namespace attache::testing {
namespace {

struct SideBySideCase {
  const char* name;
  const char* directives;
  bool named_servers;
};

class SideBySideTest : public ::testing::TestWithParam<SideBySideCase> {
 protected:
  void SetUp() override {
    for (const char* bin : {"redis-server", "nutcracker"}) {
      if (!haveBinary(bin)) GTEST_SKIP() << bin << " is not installed";
    }
    for (int i = 0; i < 3; ++i) redis_.push_back(std::make_unique<RedisServer>());
  }

  std::string yaml(int port) const {
    std::string y = "pool:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n  redis: true\n" +
                    GetParam().directives + "  servers:\n";
    for (size_t i = 0; i < redis_.size(); ++i) {
      y += "   - 127.0.0.1:" + std::to_string(redis_[i]->port) + ":" + std::to_string(i + 1);
      y += GetParam().named_servers ? " node-" + std::to_string(2 - i) + "\n" : "\n";
    }
    return y;
  }

  TempDir dir_;
  std::vector<std::unique_ptr<RedisServer>> redis_;
};

TEST_P(SideBySideTest, EveryKeyWrittenThroughNutcrackerIsReadThroughTheAmbassador) {
  int nc_port = freePort(), amb_port = freePort();
  writeFile(dir_.file("nc.yml"), yaml(nc_port));
  writeFile(dir_.file("amb.yml"), yaml(amb_port));
  auto nutcracker = ChildProcess::start({"nutcracker", "-c", dir_.file("nc.yml"), "-s",
                                         std::to_string(freePort()), "-o", dir_.file("nc.log")});
  auto ambassador = startAmbassador({"-c", dir_.file("amb.yml")}, amb_port, dir_.file("amb.log"));
  ASSERT_TRUE(waitForPort(nc_port));

  constexpr int kKeys = 3000;
  auto key = [](int i) {
    return "user:" + std::to_string(i * 7919) + ":{cart}:" + std::to_string(i);
  };
  TestClient via_nc(nc_port);
  std::string batch;
  for (int i = 0; i < kKeys; ++i) batch += encodeCommand({"SET", key(i), "nc"});
  via_nc.sendRaw(batch);
  for (int i = 0; i < kKeys; ++i) ASSERT_EQ(via_nc.readReply(), "+OK\r\n");

  TestClient via_amb(amb_port);
  batch.clear();
  for (int i = 0; i < kKeys; ++i) batch += encodeCommand({"GET", key(i)});
  via_amb.sendRaw(batch);
  int misses = 0;
  for (int i = 0; i < kKeys; ++i) misses += via_amb.readReply() == "$2\r\nnc\r\n" ? 0 : 1;
  EXPECT_EQ(misses, 0) << "keys placed differently from twemproxy";

  int shards_used = 0;
  for (auto& r : redis_) {
    TestClient direct(r->port);
    shards_used += direct.command({"DBSIZE"}) != ":0\r\n" ? 1 : 0;
  }
  EXPECT_GE(shards_used, GetParam().directives == std::string("  hash_tag: \"{}\"\n") ? 1 : 2);
  ambassador.stop();
  EXPECT_EQ(sanitizerReport(dir_.file("amb.log")), "");
}

INSTANTIATE_TEST_SUITE_P(
    Configurations, SideBySideTest,
    ::testing::Values(
        SideBySideCase{"KetamaFnv1a64", "  hash: fnv1a_64\n  distribution: ketama\n", false},
        SideBySideCase{"KetamaMd5NamedWeighted", "  hash: md5\n  distribution: ketama\n", true},
        SideBySideCase{"ModulaMurmurNamed", "  hash: murmur\n  distribution: modula\n", true},
        SideBySideCase{"ModulaCrc32a", "  hash: crc32a\n  distribution: modula\n", false},
        SideBySideCase{"KetamaHsieh", "  hash: hsieh\n", false},
        SideBySideCase{"HashTag", "  hash_tag: \"{}\"\n", false}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace attache::testing
