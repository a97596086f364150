// Known-answer placement vectors: key -> server name, recorded from the real nutcracker 0.5.0
// (Debian's package) with redis-servers on 127.0.0.1:7101..7104: each pool below was a pool of one
// nutcracker config, each key was SET through it and found on that server. Servers are listed in
// config order (twemproxy sorts them by name internally, which decides modula slots).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/hash.h"
#include "ambassador-image/proxy/routing/hash_tag.h"

namespace attache::ambassador::routing {
namespace {

struct Placement {
  std::string key;
  std::string server;
};

struct PoolVectors {
  std::string name;
  Distribution distribution;
  HashKind hash;
  std::string hash_tag;
  std::vector<ServerPoint> servers;
  std::vector<Placement> placements;
};

const std::vector<PoolVectors>& pools() {
  static const std::vector<PoolVectors> kPools = {
      {"ketama3_fnv1a_64",
       Distribution::kKetama,
       HashKind::kFnv1a_64,
       "",
       {{"127.0.0.1:7101", 1}, {"127.0.0.1:7102", 1}, {"127.0.0.1:7103", 1}},
       {
           {"", "127.0.0.1:7103"},
           {"foo", "127.0.0.1:7102"},
           {"bar", "127.0.0.1:7103"},
           {"hello world", "127.0.0.1:7102"},
           {"apple", "127.0.0.1:7101"},
           {"user:1000", "127.0.0.1:7102"},
           {"session:4f2a", "127.0.0.1:7103"},
           {"cart:99", "127.0.0.1:7103"},
           {"x", "127.0.0.1:7102"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "127.0.0.1:7102"},
           {std::string(200, 'k'), "127.0.0.1:7101"},
           {"key:7", "127.0.0.1:7102"},
           {"key:70", "127.0.0.1:7101"},
           {"key:700", "127.0.0.1:7102"},
           {"a", "127.0.0.1:7102"},
           {"zz", "127.0.0.1:7102"},
           {"counter", "127.0.0.1:7103"},
           {"images/cat.png", "127.0.0.1:7103"},
       }},
      {"ketama3_md5",
       Distribution::kKetama,
       HashKind::kMd5,
       "",
       {{"127.0.0.1:7101", 1}, {"127.0.0.1:7102", 1}, {"127.0.0.1:7103", 1}},
       {
           {"", "127.0.0.1:7103"},
           {"foo", "127.0.0.1:7103"},
           {"bar", "127.0.0.1:7102"},
           {"hello world", "127.0.0.1:7102"},
           {"apple", "127.0.0.1:7102"},
           {"user:1000", "127.0.0.1:7102"},
           {"session:4f2a", "127.0.0.1:7102"},
           {"cart:99", "127.0.0.1:7103"},
           {"x", "127.0.0.1:7101"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "127.0.0.1:7103"},
           {std::string(200, 'k'), "127.0.0.1:7102"},
           {"key:7", "127.0.0.1:7101"},
           {"key:70", "127.0.0.1:7101"},
           {"key:700", "127.0.0.1:7102"},
           {"a", "127.0.0.1:7101"},
           {"zz", "127.0.0.1:7102"},
           {"counter", "127.0.0.1:7102"},
           {"images/cat.png", "127.0.0.1:7103"},
       }},
      {"ketama_weighted_fnv1a_64",
       Distribution::kKetama,
       HashKind::kFnv1a_64,
       "",
       {{"127.0.0.1:7101", 1}, {"127.0.0.1:7102", 2}, {"127.0.0.1:7103", 3}, {"127.0.0.1:7104", 4}},
       {
           {"", "127.0.0.1:7103"},
           {"foo", "127.0.0.1:7104"},
           {"bar", "127.0.0.1:7103"},
           {"hello world", "127.0.0.1:7104"},
           {"apple", "127.0.0.1:7104"},
           {"user:1000", "127.0.0.1:7102"},
           {"session:4f2a", "127.0.0.1:7103"},
           {"cart:99", "127.0.0.1:7103"},
           {"x", "127.0.0.1:7102"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "127.0.0.1:7103"},
           {std::string(200, 'k'), "127.0.0.1:7101"},
           {"key:7", "127.0.0.1:7102"},
           {"key:70", "127.0.0.1:7103"},
           {"key:700", "127.0.0.1:7102"},
           {"a", "127.0.0.1:7102"},
           {"zz", "127.0.0.1:7102"},
           {"counter", "127.0.0.1:7104"},
           {"images/cat.png", "127.0.0.1:7103"},
       }},
      {"ketama_weighted_murmur",
       Distribution::kKetama,
       HashKind::kMurmur,
       "",
       {{"127.0.0.1:7104", 5}, {"127.0.0.1:7102", 1}, {"127.0.0.1:7101", 3}, {"127.0.0.1:7103", 2}},
       {
           {"", "127.0.0.1:7103"},
           {"foo", "127.0.0.1:7103"},
           {"bar", "127.0.0.1:7101"},
           {"hello world", "127.0.0.1:7104"},
           {"apple", "127.0.0.1:7101"},
           {"user:1000", "127.0.0.1:7102"},
           {"session:4f2a", "127.0.0.1:7104"},
           {"cart:99", "127.0.0.1:7104"},
           {"x", "127.0.0.1:7104"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "127.0.0.1:7104"},
           {std::string(200, 'k'), "127.0.0.1:7104"},
           {"key:7", "127.0.0.1:7104"},
           {"key:70", "127.0.0.1:7104"},
           {"key:700", "127.0.0.1:7102"},
           {"a", "127.0.0.1:7104"},
           {"zz", "127.0.0.1:7104"},
           {"counter", "127.0.0.1:7104"},
           {"images/cat.png", "127.0.0.1:7104"},
       }},
      {"ketama_named_jenkins",
       Distribution::kKetama,
       HashKind::kJenkins,
       "",
       {{"shard-c", 1}, {"shard-a", 1}, {"shard-bb", 1}, {"shard-10", 1}},
       {
           {"", "shard-c"},
           {"foo", "shard-10"},
           {"bar", "shard-c"},
           {"hello world", "shard-c"},
           {"apple", "shard-10"},
           {"user:1000", "shard-a"},
           {"session:4f2a", "shard-bb"},
           {"cart:99", "shard-bb"},
           {"x", "shard-c"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "shard-c"},
           {std::string(200, 'k'), "shard-c"},
           {"key:7", "shard-10"},
           {"key:70", "shard-c"},
           {"key:700", "shard-bb"},
           {"a", "shard-bb"},
           {"zz", "shard-a"},
           {"counter", "shard-10"},
           {"images/cat.png", "shard-10"},
       }},
      {"modula_named_weighted_crc32a",
       Distribution::kModula,
       HashKind::kCrc32a,
       "",
       {{"zz", 3}, {"b", 1}, {"aaa", 2}, {"a", 1}},
       {
           {"", "a"},
           {"foo", "zz"},
           {"bar", "a"},
           {"hello world", "aaa"},
           {"apple", "zz"},
           {"user:1000", "zz"},
           {"session:4f2a", "zz"},
           {"cart:99", "aaa"},
           {"x", "b"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "a"},
           {std::string(200, 'k'), "a"},
           {"key:7", "a"},
           {"key:70", "zz"},
           {"key:700", "aaa"},
           {"a", "zz"},
           {"zz", "zz"},
           {"counter", "a"},
           {"images/cat.png", "zz"},
       }},
      {"modula_hsieh",
       Distribution::kModula,
       HashKind::kHsieh,
       "",
       {{"127.0.0.1:7101", 1}, {"127.0.0.1:7102", 1}, {"127.0.0.1:7103", 1}, {"127.0.0.1:7104", 1}},
       {
           {"", "127.0.0.1:7101"},
           {"foo", "127.0.0.1:7104"},
           {"bar", "127.0.0.1:7104"},
           {"hello world", "127.0.0.1:7104"},
           {"apple", "127.0.0.1:7103"},
           {"user:1000", "127.0.0.1:7102"},
           {"session:4f2a", "127.0.0.1:7103"},
           {"cart:99", "127.0.0.1:7104"},
           {"x", "127.0.0.1:7102"},
           {std::string("\xff\x80"
                        "binary\0\r\n",
                        11),
            "127.0.0.1:7104"},
           {std::string(200, 'k'), "127.0.0.1:7104"},
           {"key:7", "127.0.0.1:7104"},
           {"key:70", "127.0.0.1:7102"},
           {"key:700", "127.0.0.1:7103"},
           {"a", "127.0.0.1:7104"},
           {"zz", "127.0.0.1:7102"},
           {"counter", "127.0.0.1:7101"},
           {"images/cat.png", "127.0.0.1:7102"},
       }},
      {"ketama_tag_fnv1a_64",
       Distribution::kKetama,
       HashKind::kFnv1a_64,
       "{}",
       {{"127.0.0.1:7101", 1}, {"127.0.0.1:7102", 1}, {"127.0.0.1:7103", 1}, {"127.0.0.1:7104", 1}},
       {
           {"a{b}c", "127.0.0.1:7102"},
           {"{b}", "127.0.0.1:7102"},
           {"b", "127.0.0.1:7102"},
           {"zz{b}", "127.0.0.1:7102"},
           {"a{}c", "127.0.0.1:7101"},
           {"a{c", "127.0.0.1:7104"},
           {"a}c{d", "127.0.0.1:7102"},
           {"x{y{z}w}", "127.0.0.1:7102"},
           {"y{z", "127.0.0.1:7102"},
           {"{}{b}", "127.0.0.1:7101"},
           {"{", "127.0.0.1:7102"},
           {"a$b$c", "127.0.0.1:7102"},
           {"$b$", "127.0.0.1:7101"},
           {"a$$c", "127.0.0.1:7104"},
           {"a$b", "127.0.0.1:7102"},
           {"user:{42}:cart", "127.0.0.1:7103"},
           {"42", "127.0.0.1:7103"},
           {"user:$42$:cart", "127.0.0.1:7102"},
       }},
      {"modula_tag_dollar_fnv1a_32",
       Distribution::kModula,
       HashKind::kFnv1a_32,
       "$$",
       {{"127.0.0.1:7101", 1}, {"127.0.0.1:7102", 1}, {"127.0.0.1:7103", 1}, {"127.0.0.1:7104", 1}},
       {
           {"a{b}c", "127.0.0.1:7102"},
           {"{b}", "127.0.0.1:7104"},
           {"b", "127.0.0.1:7102"},
           {"zz{b}", "127.0.0.1:7104"},
           {"a{}c", "127.0.0.1:7102"},
           {"a{c", "127.0.0.1:7103"},
           {"a}c{d", "127.0.0.1:7104"},
           {"x{y{z}w}", "127.0.0.1:7102"},
           {"y{z", "127.0.0.1:7102"},
           {"{}{b}", "127.0.0.1:7104"},
           {"{", "127.0.0.1:7103"},
           {"a$b$c", "127.0.0.1:7102"},
           {"$b$", "127.0.0.1:7102"},
           {"a$$c", "127.0.0.1:7102"},
           {"a$b", "127.0.0.1:7103"},
           {"user:{42}:cart", "127.0.0.1:7103"},
           {"42", "127.0.0.1:7104"},
           {"user:$42$:cart", "127.0.0.1:7104"},
       }},
  };
  return kPools;
}

void PrintTo(const PoolVectors& p, std::ostream* os) { *os << p.name; }

class TwemproxyPlacementTest : public ::testing::TestWithParam<PoolVectors> {};

TEST_P(TwemproxyPlacementTest, EveryKeyLandsOnTheServerNutcrackerChose) {
  const PoolVectors& pool = GetParam();
  Result<std::shared_ptr<const Ring>> ring = Ring::build(pool.distribution, pool.servers, {});
  ASSERT_TRUE(ring.ok()) << ring.error().toString();
  HashFn hash = hashFunction(pool.hash);
  for (const Placement& p : pool.placements) {
    int index = (*ring)->pick(routingHash(hash, p.key, pool.hash_tag));
    ASSERT_GE(index, 0);
    EXPECT_EQ(pool.servers[static_cast<size_t>(index)].name, p.server) << "key \"" << p.key << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(Nutcracker, TwemproxyPlacementTest, ::testing::ValuesIn(pools()),
                         [](const ::testing::TestParamInfo<PoolVectors>& param_info) {
                           return param_info.param.name;
                         });

}  // namespace
}  // namespace attache::ambassador::routing
