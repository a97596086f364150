// Known-answer vectors for every twemproxy hash. Expected values come from twemproxy 0.5.0's own
// src/hashkit functions compiled standalone (checked against the real nutcracker binary: 507 keys
// per hash, modula over 31 and 5 servers); the "apple" row is also upstream's src/test_all.c.
#include "ambassador-image/proxy/routing/hash.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <string>

namespace attache::ambassador::routing {
namespace {

constexpr std::array<HashKind, 12> kAllHashes = {
    HashKind::kOneAtATime, HashKind::kMd5,     HashKind::kCrc16,    HashKind::kCrc32,
    HashKind::kCrc32a,     HashKind::kFnv1_64, HashKind::kFnv1a_64, HashKind::kFnv1_32,
    HashKind::kFnv1a_32,   HashKind::kHsieh,   HashKind::kMurmur,   HashKind::kJenkins};

std::string bytes0To199() {
  std::string key;
  for (int i = 0; i < 200; ++i) key.push_back(static_cast<char>(i));
  return key;
}

struct KnownAnswer {
  std::string description;
  std::string key;
  // In kAllHashes order: one_at_a_time, md5, crc16, crc32, crc32a, fnv1_64, fnv1a_64, fnv1_32,
  // fnv1a_32, hsieh, murmur, jenkins.
  std::array<uint32_t, 12> expected;
};

const std::vector<KnownAnswer>& knownAnswers() {
  static const std::vector<KnownAnswer> cases = {
      {"the empty key",
       "",
       {0U, 3649838548U, 0U, 0U, 0U, 2216829733U, 2216829733U, 2166136261U, 2166136261U, 0U, 0U,
        3735928572U}},
      {"foo",
       "foo",
       {596015325U, 3675831724U, 205303702U, 3187U, 2356372769U, 1805727027U, 4275688823U,
        1083137555U, 2851307223U, 1993659431U, 3303027599U, 2583187353U}},
      {"hello world",
       "hello world",
       {1045060183U, 3141252702U, 4060494820U, 3402U, 222957957U, 2979073647U, 37540583U,
        1418570095U, 3582672807U, 1333368947U, 1578702139U, 355681275U}},
      {"upstream's apple vector",
       "apple",
       {2297466611U, 3195025439U, 3662830516U, 10542U, 2838417488U, 473199127U, 1488911807U,
        67176023U, 280767167U, 3738850110U, 4142305122U, 1442444624U}},
      {"a 200-byte key of bytes 0..199",
       bytes0To199(),
       {1697018896U, 3540087035U, 2018383265U, 27912U, 3976749440U, 945687125U, 2130766781U,
        4151620853U, 3257531229U, 383374967U, 1767715433U, 197597572U}},
      {"binary bytes with NUL, CR LF and high bytes",
       std::string("\x00\x01\x7f\x80\xff\xfe\r\n", 8),
       {1087420894U, 410302204U, 181305032U, 15587U, 3168998435U, 475819699U, 1108624543U,
        3133032179U, 3757645087U, 2913525852U, 4291943495U, 1645455378U}},
      {"a single high byte (sign extension)",
       "\xff",
       {2925896852U, 3561969920U, 7920U, 32512U, 4278190080U, 2046707744U, 2046707310U, 4210270944U,
        4193493326U, 44489640U, 3679652508U, 3784723880U}},
      {"a 3-byte tail ending in a high byte (hsieh quirk)",
       "ab\xe9",
       {2087468527U, 2356330952U, 2088021268U, 14409U, 944319484U, 2488291905U, 4206748569U,
        3160658113U, 2981610777U, 307729637U, 1806632351U, 2301080244U}},
      {"five high bytes",
       "\xe9\xe8\xe7\xe6\xe5",
       {655566011U, 1314691807U, 711630951U, 1220U, 2227486684U, 1335800770U, 1805346488U,
        3184474050U, 220389144U, 1358139170U, 2346939157U, 3072440259U}},
  };
  return cases;
}

void PrintTo(const KnownAnswer& c, std::ostream* os) { *os << c.description; }

class HashKnownAnswerTest : public ::testing::TestWithParam<KnownAnswer> {};

TEST_P(HashKnownAnswerTest, EveryHashMatchesTwemproxy) {
  const KnownAnswer& c = GetParam();
  for (size_t i = 0; i < kAllHashes.size(); ++i) {
    HashKind kind = kAllHashes[i];
    EXPECT_EQ(hashKey(kind, c.key), c.expected[i]) << hashKindName(kind);
    EXPECT_EQ(hashFunction(kind)(c.key.data(), c.key.size()), c.expected[i]) << hashKindName(kind);
  }
}

INSTANTIATE_TEST_SUITE_P(Keys, HashKnownAnswerTest, ::testing::ValuesIn(knownAnswers()),
                         [](const ::testing::TestParamInfo<KnownAnswer>& param_info) {
                           std::string name;
                           for (char c : param_info.param.description) {
                             if (std::isalnum(static_cast<unsigned char>(c))) name += c;
                           }
                           return name;
                         });

TEST(HashKind, EveryTwemproxyNameParsesAndRoundTrips) {
  const std::array<std::string_view, 12> names = {
      "one_at_a_time", "md5",     "crc16",    "crc32", "crc32a", "fnv1_64",
      "fnv1a_64",      "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins"};
  for (size_t i = 0; i < names.size(); ++i) {
    Result<HashKind> kind = parseHashKind(names[i]);
    ASSERT_TRUE(kind.ok()) << names[i];
    EXPECT_EQ(*kind, kAllHashes[i]);
    EXPECT_EQ(hashKindName(*kind), names[i]);
  }
}

TEST(HashKind, UnknownNameIsRejectedWithTheValidNames) {
  Result<HashKind> kind = parseHashKind("FNV1A_64");
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(kind.error().message.find("\"FNV1A_64\""), std::string::npos);
  EXPECT_NE(kind.error().message.find("one_at_a_time"), std::string::npos);
  EXPECT_NE(kind.error().message.find("jenkins"), std::string::npos);
}

TEST(HashKind, LibmemcachedCrc32IsFifteenBitsOfTheStandardCrc32) {
  for (const KnownAnswer& c : knownAnswers()) {
    EXPECT_EQ(hashKey(HashKind::kCrc32, c.key), (hashKey(HashKind::kCrc32a, c.key) >> 16) & 0x7fff);
  }
}

}  // namespace
}  // namespace attache::ambassador::routing
