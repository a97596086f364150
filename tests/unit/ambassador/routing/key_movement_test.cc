#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"

namespace attache::ambassador::routing {
namespace {

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

struct MovementCase {
  std::string description;
  Distribution before;
  int before_shards;
  Distribution after;
  int after_shards;
  double expected;
  double tolerance;
};

void PrintTo(const MovementCase& c, std::ostream* os) { *os << c.description; }

class KeyMovementTest : public ::testing::TestWithParam<MovementCase> {};

TEST_P(KeyMovementTest, ReportsTheShareOfKeysThatMove) {
  const MovementCase& c = GetParam();
  std::vector<ServerPoint> a = shards(c.before_shards);
  std::vector<ServerPoint> b = shards(c.after_shards);
  auto before = mustBuild(c.before, a);
  auto after = mustBuild(c.after, b);
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  EXPECT_NEAR(keyMovement(*before, a, *after, b), c.expected, c.tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, KeyMovementTest,
    ::testing::Values(MovementCase{"IdenticalKetamaRingsMoveNothing", Distribution::kKetama, 3,
                                   Distribution::kKetama, 3, 0.0, 0.0},
                      MovementCase{"AddingAFourthEqualKetamaShardMovesAQuarter",
                                   Distribution::kKetama, 3, Distribution::kKetama, 4, 0.25, 0.05},
                      MovementCase{"RemovingOneOfFourKetamaShardsMovesAQuarter",
                                   Distribution::kKetama, 4, Distribution::kKetama, 3, 0.25, 0.05},
                      MovementCase{"AddingAFourthModulaShardMovesThreeQuarters",
                                   Distribution::kModula, 3, Distribution::kModula, 4, 0.75, 0.01},
                      MovementCase{"AddingASixthJumpShardMovesASixth", Distribution::kJump, 5,
                                   Distribution::kJump, 6, 1.0 / 6, 0.01},
                      MovementCase{"SwitchingKetamaToModulaMovesMost", Distribution::kKetama, 3,
                                   Distribution::kModula, 3, 2.0 / 3, 0.05},
                      MovementCase{"ARandomRingOwnsNothingStably", Distribution::kRandom, 3,
                                   Distribution::kRandom, 3, 1.0, 0.0},
                      MovementCase{"OneShardEverywhereMovesNothing", Distribution::kRandom, 1,
                                   Distribution::kKetama, 1, 0.0, 0.0}),
    [](const ::testing::TestParamInfo<MovementCase>& param_info) {
      return param_info.param.description;
    });

TEST(KeyMovement, IsExactForKetamaAndMatchesTheOwnersShare) {
  std::vector<ServerPoint> servers = shards(4);
  auto all = mustBuild(Distribution::kKetama, servers);
  auto ejected = mustBuild(Distribution::kKetama, servers, {true, true, true, false});
  ASSERT_NE(all, nullptr);
  ASSERT_NE(ejected, nullptr);
  // Exactly the share of the hash space the ejected server owned moves: measure that share by
  // scanning every 2^12-th hash.
  uint64_t owned = 0;
  for (uint64_t h = 0; h <= UINT32_MAX; h += 4096) {
    if (all->pick(static_cast<uint32_t>(h)) == 3) ++owned;
  }
  EXPECT_NEAR(keyMovement(*all, servers, *ejected, servers), owned / 1048576.0, 0.002);
}

TEST(KeyMovement, RenamingAServerMovesItsKeys) {
  std::vector<ServerPoint> before = {{"shard-a", 1}, {"shard-c", 1}, {"shard-e", 1}};
  std::vector<ServerPoint> after = before;
  after[1].name = "shard-d";  // same place in twemproxy's name order, so the same modula slots
  auto a = mustBuild(Distribution::kModula, before);
  auto b = mustBuild(Distribution::kModula, after);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // Same slots, but the keys of "shard-c" now belong to "shard-d".
  EXPECT_NEAR(keyMovement(*a, before, *b, after), 1.0 / 3, 0.01);
}

TEST(KeyMovement, FromNoLiveServerEverythingMoves) {
  std::vector<ServerPoint> servers = shards(2);
  auto none = mustBuild(Distribution::kKetama, servers, {false, false});
  auto some = mustBuild(Distribution::kKetama, servers);
  ASSERT_NE(none, nullptr);
  ASSERT_NE(some, nullptr);
  EXPECT_DOUBLE_EQ(keyMovement(*none, servers, *some, servers), 1.0);
  EXPECT_DOUBLE_EQ(keyMovement(*none, servers, *none, servers), 0.0);
}

}  // namespace
}  // namespace attache::ambassador::routing
