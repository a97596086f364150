#include "ambassador-image/proxy/splitter/redis_commands.h"

#include <gtest/gtest.h>

namespace attache::ambassador::splitter {
namespace {

std::vector<uint32_t> keysOf(const std::vector<std::string_view>& args) {
  const RedisCommand* cmd = lookupRedisCommand(args[0]);
  EXPECT_NE(cmd, nullptr) << args[0];
  std::vector<uint32_t> keys;
  auto st = collectKeys(*cmd, args, keys);
  EXPECT_TRUE(st.ok()) << st.error().message;
  return keys;
}

TEST(RedisCommandsTest, LooksCommandsUpWhateverTheirCase) {
  ASSERT_NE(lookupRedisCommand("get"), nullptr);
  EXPECT_EQ(lookupRedisCommand("GeT"), lookupRedisCommand("GET"));
  EXPECT_EQ(lookupRedisCommand("nosuch"), nullptr);
  EXPECT_EQ(lookupRedisCommand(""), nullptr);
  EXPECT_EQ(lookupRedisCommand(std::string(100, 'a')), nullptr);
}

TEST(RedisCommandsTest, FindsTheKeysOfEveryShape) {
  EXPECT_EQ(keysOf({"GET", "a"}), (std::vector<uint32_t>{1}));
  EXPECT_EQ(keysOf({"MSET", "a", "1", "b", "2"}), (std::vector<uint32_t>{1, 3}));
  EXPECT_EQ(keysOf({"MGET", "a", "b", "c"}), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(keysOf({"RENAME", "a", "b"}), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(keysOf({"EVAL", "return 1", "2", "k1", "k2", "arg"}), (std::vector<uint32_t>{3, 4}));
  EXPECT_EQ(keysOf({"ZUNIONSTORE", "dest", "2", "a", "b", "WEIGHTS", "1", "2"}),
            (std::vector<uint32_t>{1, 3, 4}));
  EXPECT_EQ(keysOf({"BITOP", "AND", "dest", "a", "b"}), (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_EQ(keysOf({"OBJECT", "ENCODING", "k"}), (std::vector<uint32_t>{2}));
  EXPECT_TRUE(keysOf({"PING"}).empty());
}

TEST(RedisCommandsTest, WrongArgumentCountsUseRedisWording) {
  std::vector<uint32_t> keys;
  for (const std::vector<std::string_view>& args : {std::vector<std::string_view>{"GET"},
                                                    {"GET", "a", "b"},
                                                    {"MSET", "a"},
                                                    {"MSET", "a", "1", "b"},
                                                    {"EVAL", "s", "3", "k"},
                                                    {"SET", "a"}}) {
    auto st = collectKeys(*lookupRedisCommand(args[0]), args, keys);
    ASSERT_FALSE(st.ok()) << args[0];
    EXPECT_NE(st.error().message.find("wrong number of arguments"), std::string::npos);
  }
  auto st = collectKeys(*lookupRedisCommand("EVAL"),
                        std::vector<std::string_view>{"EVAL", "s", "x", "k"}, keys);
  EXPECT_FALSE(st.ok());
}

TEST(RedisCommandsTest, RoutesEachFamilyTheWayATwemproxyUserExpects) {
  EXPECT_EQ(lookupRedisCommand("mget")->route, RedisRoute::kMultiGet);
  EXPECT_EQ(lookupRedisCommand("del")->route, RedisRoute::kMultiSum);
  EXPECT_EQ(lookupRedisCommand("exists")->route, RedisRoute::kMultiSum);
  EXPECT_EQ(lookupRedisCommand("mset")->route, RedisRoute::kMultiSet);
  EXPECT_EQ(lookupRedisCommand("flushall")->route, RedisRoute::kFanoutOk);
  EXPECT_EQ(lookupRedisCommand("dbsize")->route, RedisRoute::kFanoutSum);
  EXPECT_EQ(lookupRedisCommand("ping")->route, RedisRoute::kLocal);
  for (const char* refused : {"keys", "multi", "blpop", "subscribe", "monitor", "scan"}) {
    const RedisCommand* c = lookupRedisCommand(refused);
    ASSERT_NE(c, nullptr) << refused;
    EXPECT_EQ(c->route, RedisRoute::kUnsupported) << refused;
    EXPECT_FALSE(c->why_unsupported.empty()) << refused;
  }
}

}  // namespace
}  // namespace attache::ambassador::splitter
