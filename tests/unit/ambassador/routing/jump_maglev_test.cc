// jump and maglev: balance, weights, and how few keys move when servers go away.
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

constexpr uint32_t kKeys = 100000;

std::shared_ptr<const Ring> mustBuild(Distribution d, const std::vector<ServerPoint>& servers,
                                      const std::vector<bool>& live = {}) {
  Result<std::shared_ptr<const Ring>> ring = Ring::build(d, servers, live);
  EXPECT_TRUE(ring.ok()) << ring.error().toString();
  return ring.ok() ? *ring : nullptr;
}

std::vector<ServerPoint> shards(int n) {
  std::vector<ServerPoint> servers;
  for (int i = 0; i < n; ++i) servers.push_back({"sharded-redis-" + std::to_string(i), 1});
  return servers;
}

uint32_t sampleHash(uint32_t i) { return static_cast<uint32_t>(internal::mix64(i + 7)); }

std::string owner(const Ring& ring, const std::vector<ServerPoint>& servers, uint32_t hash) {
  int index = ring.pick(hash);
  return index < 0 ? "" : servers[static_cast<size_t>(index)].name;
}

struct Movement {
  uint32_t removed_keys = 0;  // keys the removed server owned (they must move)
  uint32_t collateral = 0;    // keys of surviving servers that moved anyway
};

Movement movement(const Ring& before, const std::vector<ServerPoint>& before_servers,
                  const Ring& after, const std::vector<ServerPoint>& after_servers,
                  const std::string& removed) {
  Movement m;
  for (uint32_t i = 0; i < kKeys; ++i) {
    uint32_t h = sampleHash(i);
    std::string was = owner(before, before_servers, h);
    std::string now = owner(after, after_servers, h);
    if (was == removed) {
      ++m.removed_keys;
      EXPECT_NE(now, removed);
    } else if (was != now) {
      ++m.collateral;
    }
  }
  return m;
}

class BalanceTest : public ::testing::TestWithParam<Distribution> {};

TEST_P(BalanceTest, SpreadsKeysInProportionToWeight) {
  std::vector<ServerPoint> servers = shards(5);
  servers[3].weight = 2;
  auto ring = mustBuild(GetParam(), servers);
  ASSERT_NE(ring, nullptr);
  std::map<std::string, uint32_t> counts;
  for (uint32_t i = 0; i < kKeys; ++i) ++counts[owner(*ring, servers, sampleHash(i))];
  for (const ServerPoint& s : servers) {
    double expected = kKeys * s.weight / 6.0;
    EXPECT_NEAR(counts[s.name], expected, expected * 0.05) << s.name;
  }
}

TEST_P(BalanceTest, EjectingAServerMovesOnlyItsKeys) {
  std::vector<ServerPoint> servers = shards(5);
  auto before = mustBuild(GetParam(), servers);
  auto after = mustBuild(GetParam(), servers, {true, true, false, true, true});
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  Movement m = movement(*before, servers, *after, servers, "sharded-redis-2");
  EXPECT_NEAR(m.removed_keys, kKeys / 5, kKeys / 50);
  // jump moves nothing else; maglev's table shifts a little (the paper's "minimal disruption").
  uint32_t allowed = GetParam() == Distribution::kJump ? 0 : kKeys / 50;
  EXPECT_LE(m.collateral, allowed);
}

TEST_P(BalanceTest, ScalingDownByTheLastShardMovesOnlyItsKeys) {
  std::vector<ServerPoint> five = shards(5);
  std::vector<ServerPoint> four = shards(4);
  auto before = mustBuild(GetParam(), five);
  auto after = mustBuild(GetParam(), four);
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  Movement m = movement(*before, five, *after, four, "sharded-redis-4");
  EXPECT_NEAR(m.removed_keys, kKeys / 5, kKeys / 50);
  uint32_t allowed = GetParam() == Distribution::kJump ? 0 : kKeys / 50;
  EXPECT_LE(m.collateral, allowed);
}

INSTANTIATE_TEST_SUITE_P(BeyondTwemproxy, BalanceTest,
                         ::testing::Values(Distribution::kJump, Distribution::kMaglev),
                         [](const ::testing::TestParamInfo<Distribution>& param_info) {
                           return std::string(distributionName(param_info.param));
                         });

TEST(JumpRing, ReturnsEitherTheSameBucketOrTheNewOneWhenBucketsGrow) {
  for (uint32_t i = 0; i < 10000; ++i) {
    uint64_t key = internal::mix64(i);
    for (int32_t n = 1; n < 40; ++n) {
      int32_t b = internal::jumpConsistentHash(key, n);
      ASSERT_GE(b, 0);
      ASSERT_LT(b, n);
      int32_t next = internal::jumpConsistentHash(key, n + 1);
      ASSERT_TRUE(next == b || next == n) << "key " << key << " n " << n;
    }
  }
}

TEST(JumpRing, StillAnswersWhenAlmostEveryServerIsEjected) {
  std::vector<ServerPoint> servers = shards(200);
  std::vector<bool> live(200, false);
  live[137] = true;
  auto ring = mustBuild(Distribution::kJump, servers, live);
  ASSERT_NE(ring, nullptr);
  for (uint32_t i = 0; i < 1000; ++i) EXPECT_EQ(ring->pick(sampleHash(i)), 137);
}

TEST(MaglevRing, FillsEveryTableSlotWithALiveServer) {
  std::vector<ServerPoint> servers = shards(7);
  std::vector<bool> live = {true, false, true, true, true, true, true};
  std::vector<int32_t> table = internal::buildMaglevTable(servers, live);
  ASSERT_EQ(table.size(), internal::kMaglevTableSize);
  std::map<int32_t, uint32_t> slots;
  for (int32_t s : table) ++slots[s];
  EXPECT_EQ(slots.count(1), 0U);
  EXPECT_EQ(slots.count(-1), 0U);
  for (const auto& [server, count] : slots) {
    EXPECT_NEAR(count, internal::kMaglevTableSize / 6.0, 2) << server;
  }
}

TEST(MaglevRing, DoesNotDependOnConfigOrder) {
  std::vector<ServerPoint> servers = shards(5);
  std::vector<ServerPoint> reversed(servers.rbegin(), servers.rend());
  auto a = mustBuild(Distribution::kMaglev, servers);
  auto b = mustBuild(Distribution::kMaglev, reversed);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (uint32_t i = 0; i < 10000; ++i) {
    ASSERT_EQ(owner(*a, servers, sampleHash(i)), owner(*b, reversed, sampleHash(i)));
  }
}

}  // namespace
}  // namespace attache::ambassador::routing
