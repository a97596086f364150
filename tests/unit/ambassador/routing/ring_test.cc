// Ring construction and twemproxy's distributions (ketama, modula, random) beyond the recorded
// nutcracker vectors: validation, server order, points per server, ejection, empty rings.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/ring_internal.h"

namespace attache::ambassador::routing {

// Readable test names for Distribution parameters (found by ADL, so not in the unnamed
// namespace; internal linkage because several test files define it).
static void PrintTo(Distribution d, std::ostream* os) { *os << distributionName(d); }

namespace {

std::shared_ptr<const Ring> mustBuild(Distribution d, const std::vector<ServerPoint>& servers,
                                      const std::vector<bool>& live = {}) {
  Result<std::shared_ptr<const Ring>> ring = Ring::build(d, servers, live);
  EXPECT_TRUE(ring.ok()) << ring.error().toString();
  return ring.ok() ? *ring : nullptr;
}

std::string owner(const Ring& ring, const std::vector<ServerPoint>& servers, uint32_t hash) {
  int index = ring.pick(hash);
  return index < 0 ? "" : servers[static_cast<size_t>(index)].name;
}

uint32_t sampleHash(uint32_t i) { return static_cast<uint32_t>(internal::mix64(i)); }

const std::vector<ServerPoint> kThree = {
    {"10.0.0.1:6379", 1}, {"10.0.0.2:6379", 1}, {"10.0.0.3:6379", 1}};

struct InvalidCase {
  std::string description;
  std::vector<ServerPoint> servers;
  std::vector<bool> live;
  std::string message_part;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.description; }

class RingValidationTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(RingValidationTest, IsRejectedAsInvalidArgument) {
  const InvalidCase& c = GetParam();
  Result<std::shared_ptr<const Ring>> ring = Ring::build(Distribution::kKetama, c.servers, c.live);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(ring.error().message.find(c.message_part), std::string::npos) << ring.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RingValidationTest,
    ::testing::Values(
        InvalidCase{"ALiveMaskOfTheWrongSize", kThree, {true, false}, "live mask has 2 entries"},
        InvalidCase{"AnEmptyName", {{"a", 1}, {"", 1}}, {}, "empty name"},
        InvalidCase{"AZeroWeight", {{"a", 1}, {"b", 0}}, {}, "\"b\" has a zero weight"},
        InvalidCase{"DuplicateNames", {{"a", 1}, {"b", 1}, {"a", 2}}, {}, "same name \"a\""},
        InvalidCase{"ANameTooLongForTwemproxysKetamaBuffer",
                    {{std::string(271, 'n'), 1}},
                    {},
                    "too long for ketama"}),
    [](const ::testing::TestParamInfo<InvalidCase>& param_info) {
      return param_info.param.description;
    });

TEST(Distribution, EveryNameParsesAndRoundTrips) {
  for (std::string_view name : {"ketama", "modula", "random", "jump", "maglev"}) {
    Result<Distribution> d = parseDistribution(name);
    ASSERT_TRUE(d.ok()) << name;
    EXPECT_EQ(distributionName(*d), name);
  }
  Result<Distribution> bad = parseDistribution("vnode");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("\"vnode\""), std::string::npos);
  EXPECT_NE(bad.error().message.find("maglev"), std::string::npos);
}

TEST(TwemproxyOrder, SortsByNameLengthThenBytes) {
  std::vector<ServerPoint> servers = {
      {"shard-10", 1}, {"shard-9", 1}, {"b", 1}, {"aaa", 1}, {"a", 1}};
  EXPECT_EQ(internal::twemproxyOrder(servers), (std::vector<size_t>{4, 2, 3, 1, 0}));
}

// Expected counts from nc_ketama.c's own expression compiled standalone.
struct PointsCase {
  std::vector<uint32_t> weights;
  std::vector<uint32_t> points;
};

void PrintTo(const PointsCase& c, std::ostream* os) {
  *os << "weights";
  for (uint32_t w : c.weights) *os << " " << w;
}

class KetamaPointsTest : public ::testing::TestWithParam<PointsCase> {};

TEST_P(KetamaPointsTest, MatchTwemproxysFloatFormula) {
  const PointsCase& c = GetParam();
  uint32_t total = 0;
  for (uint32_t w : c.weights) total += w;
  for (size_t i = 0; i < c.weights.size(); ++i) {
    EXPECT_EQ(internal::ketamaPoints(c.weights[i], total, static_cast<uint32_t>(c.weights.size())),
              c.points[i])
        << "server " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Weights, KetamaPointsTest,
                         ::testing::Values(PointsCase{{1, 1, 1}, {160, 160, 160}},
                                           PointsCase{{1, 2}, {104, 212}},
                                           PointsCase{{1, 2, 3, 4}, {64, 128, 192, 256}},
                                           PointsCase{{5, 1, 3, 2}, {288, 56, 172, 116}},
                                           PointsCase{{1, 1000}, {0, 316}},
                                           PointsCase{{3, 7, 11}, {68, 160, 248}}));

TEST(KetamaPointKey, IsNameDashIndexUpToTwemproxysBuffer) {
  EXPECT_EQ(*internal::ketamaPointKey("127.0.0.1:6379", 39), "127.0.0.1:6379-39");
  // 273 bytes: snprintf keeps 272 and the NUL, and twemproxy hashes all 273 bytes.
  Result<std::string> at_limit = internal::ketamaPointKey(std::string(270, 'n'), 10);
  ASSERT_TRUE(at_limit.ok());
  EXPECT_EQ(*at_limit, std::string(270, 'n') + "-1" + std::string(1, '\0'));
  EXPECT_FALSE(internal::ketamaPointKey(std::string(271, 'n'), 10).ok());
}

TEST(KetamaRing, HasOneHundredSixtyPointsPerEqualServer) {
  auto ring = mustBuild(Distribution::kKetama, kThree);
  ASSERT_NE(ring, nullptr);
  EXPECT_EQ(ring->liveCount(), 3U);
  std::map<std::string, int> share;
  for (uint32_t i = 0; i < 30000; ++i) ++share[owner(*ring, kThree, sampleHash(i))];
  for (const ServerPoint& s : kThree) EXPECT_NEAR(share[s.name], 10000, 2000) << s.name;
}

class EjectionTest : public ::testing::TestWithParam<Distribution> {};

// twemproxy rebuilds the continuum over live servers only: ejecting a server must give exactly
// the ring of a pool configured without it.
TEST_P(EjectionTest, EjectedRingEqualsARingOfTheLiveServersOnly) {
  std::vector<ServerPoint> servers = {
      {"shard-b", 2}, {"shard-a", 1}, {"shard-10", 3}, {"shard-c", 1}};
  std::vector<ServerPoint> survivors = {servers[0], servers[2], servers[3]};
  auto ejected = mustBuild(GetParam(), servers, {true, false, true, true});
  auto reference = mustBuild(GetParam(), survivors);
  ASSERT_NE(ejected, nullptr);
  ASSERT_NE(reference, nullptr);
  EXPECT_EQ(ejected->liveCount(), 3U);
  for (uint32_t i = 0; i < 20000; ++i) {
    uint32_t h = sampleHash(i);
    ASSERT_EQ(owner(*ejected, servers, h), owner(*reference, survivors, h)) << "hash " << h;
  }
}

INSTANTIATE_TEST_SUITE_P(TwemproxyDistributions, EjectionTest,
                         ::testing::Values(Distribution::kKetama, Distribution::kModula),
                         [](const ::testing::TestParamInfo<Distribution>& param_info) {
                           return std::string(distributionName(param_info.param));
                         });

class EmptyRingTest : public ::testing::TestWithParam<Distribution> {};

TEST_P(EmptyRingTest, PicksNothingWhenNoServerIsLive) {
  auto all_ejected = mustBuild(GetParam(), kThree, {false, false, false});
  auto no_servers = mustBuild(GetParam(), {});
  ASSERT_NE(all_ejected, nullptr);
  ASSERT_NE(no_servers, nullptr);
  EXPECT_EQ(all_ejected->liveCount(), 0U);
  for (uint32_t h : {0U, 1U, 0x80000000U, 0xffffffffU}) {
    EXPECT_EQ(all_ejected->pick(h), -1);
    EXPECT_EQ(no_servers->pick(h), -1);
  }
}

TEST_P(EmptyRingTest, AlwaysPicksTheOnlyLiveServer) {
  auto ring = mustBuild(GetParam(), kThree, {false, true, false});
  ASSERT_NE(ring, nullptr);
  for (uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(ring->pick(sampleHash(i)), 1);
}

INSTANTIATE_TEST_SUITE_P(AllDistributions, EmptyRingTest,
                         ::testing::Values(Distribution::kKetama, Distribution::kModula,
                                           Distribution::kRandom, Distribution::kJump,
                                           Distribution::kMaglev),
                         [](const ::testing::TestParamInfo<Distribution>& param_info) {
                           return std::string(distributionName(param_info.param));
                         });

// Observed with nutcracker: modula over {zz:3, b:1, aaa:2, a:1} uses slots a, b, zz, zz, zz, aaa,
// aaa (servers in name order, each repeated by weight).
TEST(ModulaRing, RepeatsServersByWeightInTwemproxysNameOrder) {
  std::vector<ServerPoint> servers = {{"zz", 3}, {"b", 1}, {"aaa", 2}, {"a", 1}};
  auto ring = mustBuild(Distribution::kModula, servers);
  ASSERT_NE(ring, nullptr);
  const std::vector<std::string> slots = {"a", "b", "zz", "zz", "zz", "aaa", "aaa"};
  for (uint32_t h = 0; h < 70; ++h) EXPECT_EQ(owner(*ring, servers, h), slots[h % 7]) << h;
}

TEST(RandomRing, PicksEveryLiveServerAndNeverAnEjectedOne) {
  std::vector<ServerPoint> servers = {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}};
  auto ring = mustBuild(Distribution::kRandom, servers, {true, true, false, true});
  ASSERT_NE(ring, nullptr);
  std::map<int, int> counts;
  for (int i = 0; i < 3000; ++i) ++counts[ring->pick(42)];
  EXPECT_EQ(counts.count(2), 0U);
  for (int s : {0, 1, 3}) EXPECT_NEAR(counts[s], 1000, 200) << s;
}

}  // namespace
}  // namespace attache::ambassador::routing
