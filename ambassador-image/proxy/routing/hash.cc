// Each function documents the twemproxy source it reproduces. Widening a byte "as char" means
// sign extension, as twemproxy does on x86-64 where `char` is signed.
#include "ambassador-image/proxy/routing/hash.h"

#include "ambassador-image/proxy/routing/ring_internal.h"

#include <zlib.h>

#include <array>
#include <cstring>
#include <string>

// MD5() is deprecated in OpenSSL 3 but is the allocation-free one-shot digest we need per key.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

namespace attache::ambassador::routing {
namespace {

struct HashEntry {
  HashKind kind;
  std::string_view name;
  HashFn fn;
};

inline uint32_t charToU32(char c) { return static_cast<uint32_t>(static_cast<int8_t>(c)); }
inline uint64_t charToU64(char c) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(c)));
}
inline uint32_t byteAt(const char* p, size_t i) { return static_cast<uint8_t>(p[i]); }
inline uint32_t le16(const char* p) { return byteAt(p, 0) | (byteAt(p, 1) << 8); }
inline uint32_t le32(const char* p) { return le16(p) | (le16(p + 2) << 16); }
inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

// nc_one_at_a_time.c: bytes widened as char.
uint32_t oneAtATime(const char* key, size_t len) {
  uint32_t value = 0;
  for (size_t i = 0; i < len; ++i) {
    value += charToU32(key[i]);
    value += value << 10;
    value ^= value >> 6;
  }
  value += value << 3;
  value ^= value >> 11;
  value += value << 15;
  return value;
}

// nc_md5.c hash_md5: the first four digest bytes, little-endian.
uint32_t md5(const char* key, size_t len) {
  unsigned char digest[16];
  internal::md5Digest(std::string_view(key, len), digest);
  return static_cast<uint32_t>(digest[0]) | (static_cast<uint32_t>(digest[1]) << 8) |
         (static_cast<uint32_t>(digest[2]) << 16) | (static_cast<uint32_t>(digest[3]) << 24);
}

constexpr std::array<uint16_t, 256> makeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i << 8;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = static_cast<uint16_t>(crc);
  }
  return table;
}
constexpr std::array<uint16_t, 256> kCrc16Table = makeCrc16Table();

// nc_crc16.c: CRC-16/XMODEM table, but the running value is a uint32_t that is never masked to
// 16 bits, so results exceed 0xffff for keys longer than two bytes.
uint32_t crc16(const char* key, size_t len) {
  uint32_t crc = 0;
  for (size_t i = 0; i < len; ++i) {
    crc = (crc << 8) ^ kCrc16Table[((crc >> 8) ^ byteAt(key, i)) & 0xff];
  }
  return crc;
}

// nc_crc32.c hash_crc32a: the standard CRC-32 (zlib's).
uint32_t crc32a(const char* key, size_t len) {
  return static_cast<uint32_t>(
      crc32_z(0L, reinterpret_cast<const Bytef*>(key), static_cast<z_size_t>(len)));
}

// nc_crc32.c hash_crc32: libmemcached's variant, bits 16..30 of the standard CRC-32.
uint32_t crc32(const char* key, size_t len) { return (crc32a(key, len) >> 16) & 0x7fff; }

constexpr uint64_t kFnv64Init = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnv64Prime = 0x100000001b3ULL;
constexpr uint32_t kFnv32Init = 2166136261U;
constexpr uint32_t kFnv32Prime = 16777619U;

// nc_fnv.c hash_fnv1_64: 64-bit FNV-1 truncated to its low 32 bits; bytes widened as char.
uint32_t fnv1_64(const char* key, size_t len) {
  uint64_t hash = kFnv64Init;
  for (size_t i = 0; i < len; ++i) {
    hash *= kFnv64Prime;
    hash ^= charToU64(key[i]);
  }
  return static_cast<uint32_t>(hash);
}

// nc_fnv.c hash_fnv1a_64: despite its name a 32-bit FNV-1a whose init and prime are the 64-bit
// constants truncated to 32 bits (0x84222325, 0x1b3); bytes widened as char.
uint32_t fnv1a_64(const char* key, size_t len) {
  uint32_t hash = static_cast<uint32_t>(kFnv64Init);
  for (size_t i = 0; i < len; ++i) {
    hash ^= charToU32(key[i]);
    hash *= static_cast<uint32_t>(kFnv64Prime);
  }
  return hash;
}

// nc_fnv.c hash_fnv1_32; bytes widened as char.
uint32_t fnv1_32(const char* key, size_t len) {
  uint32_t hash = kFnv32Init;
  for (size_t i = 0; i < len; ++i) {
    hash *= kFnv32Prime;
    hash ^= charToU32(key[i]);
  }
  return hash;
}

// nc_fnv.c hash_fnv1a_32; bytes widened as char.
uint32_t fnv1a_32(const char* key, size_t len) {
  uint32_t hash = kFnv32Init;
  for (size_t i = 0; i < len; ++i) {
    hash ^= charToU32(key[i]);
    hash *= kFnv32Prime;
  }
  return hash;
}

// nc_hsieh.c (Paul Hsieh's SuperFastHash): 0 for the empty key; in the 3-byte tail the third byte
// is widened as char.
uint32_t hsieh(const char* key, size_t len) {
  if (len == 0) return 0;
  uint32_t hash = 0;
  size_t rem = len & 3;
  for (size_t blocks = len >> 2; blocks > 0; --blocks, key += 4) {
    hash += le16(key);
    uint32_t tmp = (le16(key + 2) << 11) ^ hash;
    hash = (hash << 16) ^ tmp;
    hash += hash >> 11;
  }
  switch (rem) {
    case 3:
      hash += le16(key);
      hash ^= hash << 16;
      hash ^= charToU32(key[2]) << 18;
      hash += hash >> 11;
      break;
    case 2:
      hash += le16(key);
      hash ^= hash << 11;
      hash += hash >> 17;
      break;
    case 1:
      hash += byteAt(key, 0);
      hash ^= hash << 10;
      hash += hash >> 1;
      break;
    default:
      break;
  }
  hash ^= hash << 3;
  hash += hash >> 5;
  hash ^= hash << 4;
  hash += hash >> 17;
  hash ^= hash << 25;
  hash += hash >> 6;
  return hash;
}

// nc_murmur.c: MurmurHash2 with seed 0xdeadbeef * len, little-endian reads.
uint32_t murmur(const char* key, size_t len) {
  constexpr uint32_t kM = 0x5bd1e995;
  const uint32_t length = static_cast<uint32_t>(len);
  uint32_t h = (0xdeadbeefU * length) ^ length;
  for (; len >= 4; len -= 4, key += 4) {
    uint32_t k = le32(key);
    k *= kM;
    k ^= k >> 24;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  switch (len) {
    case 3:
      h ^= byteAt(key, 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byteAt(key, 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byteAt(key, 0);
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

void jenkinsMix(uint32_t& a, uint32_t& b, uint32_t& c) {
  a -= c, a ^= rotl(c, 4), c += b;
  b -= a, b ^= rotl(a, 6), a += c;
  c -= b, c ^= rotl(b, 8), b += a;
  a -= c, a ^= rotl(c, 16), c += b;
  b -= a, b ^= rotl(a, 19), a += c;
  c -= b, c ^= rotl(b, 4), b += a;
}

void jenkinsFinal(uint32_t& a, uint32_t& b, uint32_t& c) {
  c ^= b, c -= rotl(b, 14);
  a ^= c, a -= rotl(c, 11);
  b ^= a, b -= rotl(a, 25);
  c ^= b, c -= rotl(b, 16);
  a ^= c, a -= rotl(c, 4);
  b ^= a, b -= rotl(a, 14);
  c ^= b, c -= rotl(b, 24);
}

// nc_jenkins.c: Bob Jenkins' lookup3 hashlittle() with initval 13 (little-endian reads; the
// aligned and unaligned paths of the original agree).
uint32_t jenkins(const char* key, size_t len) {
  uint32_t a = 0xdeadbeefU + static_cast<uint32_t>(len) + 13;
  uint32_t b = a;
  uint32_t c = a;
  for (; len > 12; len -= 12, key += 12) {
    a += le32(key);
    b += le32(key + 4);
    c += le32(key + 8);
    jenkinsMix(a, b, c);
  }
  if (len == 0) return c;
  char tail[12] = {};
  std::memcpy(tail, key, len);
  a += le32(tail);
  b += le32(tail + 4);
  c += le32(tail + 8);
  jenkinsFinal(a, b, c);
  return c;
}

constexpr std::array<HashEntry, 12> kHashes = {{
    {HashKind::kOneAtATime, "one_at_a_time", oneAtATime},
    {HashKind::kMd5, "md5", md5},
    {HashKind::kCrc16, "crc16", crc16},
    {HashKind::kCrc32, "crc32", crc32},
    {HashKind::kCrc32a, "crc32a", crc32a},
    {HashKind::kFnv1_64, "fnv1_64", fnv1_64},
    {HashKind::kFnv1a_64, "fnv1a_64", fnv1a_64},
    {HashKind::kFnv1_32, "fnv1_32", fnv1_32},
    {HashKind::kFnv1a_32, "fnv1a_32", fnv1a_32},
    {HashKind::kHsieh, "hsieh", hsieh},
    {HashKind::kMurmur, "murmur", murmur},
    {HashKind::kJenkins, "jenkins", jenkins},
}};

const HashEntry& entry(HashKind kind) { return kHashes[static_cast<size_t>(kind)]; }

}  // namespace

void internal::md5Digest(std::string_view data, unsigned char (&digest)[16]) {
  static_assert(MD5_DIGEST_LENGTH == 16);
  MD5(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
}

Result<HashKind> parseHashKind(std::string_view twemproxy_name) {
  std::string valid;
  for (const HashEntry& e : kHashes) {
    if (e.name == twemproxy_name) return e.kind;
    valid += valid.empty() ? "" : ", ";
    valid += e.name;
  }
  return invalidArgument("unknown hash \"" + std::string(twemproxy_name) + "\"; valid: " + valid);
}

std::string_view hashKindName(HashKind kind) { return entry(kind).name; }

HashFn hashFunction(HashKind kind) { return entry(kind).fn; }

}  // namespace attache::ambassador::routing
