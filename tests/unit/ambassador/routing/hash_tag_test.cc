// Hash tag semantics of twemproxy's nc_server.c server_pool_idx; the same keys are routed by the
// real nutcracker in twemproxy_vectors_test.cc.
#include "ambassador-image/proxy/routing/hash_tag.h"

#include <gtest/gtest.h>

#include <string>

namespace attache::ambassador::routing {
namespace {

struct TagCase {
  std::string description;
  std::string key;
  std::string tag;
  std::string hashed;
};

void PrintTo(const TagCase& c, std::ostream* os) { *os << c.description; }

class HashTagTest : public ::testing::TestWithParam<TagCase> {};

TEST_P(HashTagTest, HashesTheExpectedBytes) {
  const TagCase& c = GetParam();
  EXPECT_EQ(applyHashTag(c.key, c.tag), c.hashed);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HashTagTest,
    ::testing::Values(TagCase{"TheSectionBetweenBraces", "user:{42}:cart", "{}", "42"},
                      TagCase{"AKeyThatIsOnlyATag", "{b}", "{}", "b"},
                      TagCase{"AnEmptySectionHashesTheWholeKey", "a{}c", "{}", "a{}c"},
                      TagCase{"NoClosingCharHashesTheWholeKey", "a{c", "{}", "a{c"},
                      TagCase{"NoOpeningCharHashesTheWholeKey", "abc", "{}", "abc"},
                      TagCase{"AClosingCharBeforeTheOpeningOneIsIgnored", "a}c{d}", "{}", "d"},
                      TagCase{"AClosingCharOnlyBeforeTheOpeningOneHashesTheWholeKey", "a}c{d", "{}",
                              "a}c{d"},
                      TagCase{"OnlyTheFirstOpeningCharCounts", "{}{b}", "{}", "{}{b}"},
                      TagCase{"NestedOpeningCharsAreKept", "x{y{z}w}", "{}", "y{z"},
                      TagCase{"ALoneOpeningChar", "{", "{}", "{"},
                      TagCase{"TheSameCharOpensAndCloses", "a$b$c", "$$", "b"},
                      TagCase{"TheSameCharTwiceInARowIsEmpty", "a$$c", "$$", "a$$c"},
                      TagCase{"NoTagHashesTheWholeKey", "user:{42}:cart", "", "user:{42}:cart"},
                      TagCase{"AOneCharTagIsNoTag", "user:{42}:cart", "{", "user:{42}:cart"},
                      TagCase{"BinaryBytesInsideTheTag", std::string("k{\0\xff}", 5), "{}",
                              std::string("\0\xff", 2)}),
    [](const ::testing::TestParamInfo<TagCase>& param_info) {
      return param_info.param.description;
    });

TEST(RoutingHash, AnEmptyKeyHashesToZeroLikeTwemproxy) {
  EXPECT_EQ(routingHash(hashFunction(HashKind::kFnv1a_64), "", "{}"), 0U);
  EXPECT_EQ(routingHash(hashFunction(HashKind::kMd5), "", ""), 0U);
}

TEST(RoutingHash, HashesTheTaggedSection) {
  HashFn fn = hashFunction(HashKind::kMurmur);
  EXPECT_EQ(routingHash(fn, "user:{42}:cart", "{}"), hashKey(HashKind::kMurmur, "42"));
  EXPECT_EQ(routingHash(fn, "user:42:cart", "{}"), hashKey(HashKind::kMurmur, "user:42:cart"));
}

}  // namespace
}  // namespace attache::ambassador::routing
