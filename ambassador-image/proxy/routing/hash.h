// Key hash functions of twemproxy (nutcracker 0.5.0, src/hashkit/nc_*.c), bit for bit, so that a
// key lands on the same shard as with twemproxy under the same configuration.
//
// twemproxy is built with a signed `char` on x86-64 and several of its hashes widen each byte
// through `char`: bytes >= 0x80 are sign-extended there. These functions reproduce that x86-64
// behaviour on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace attache::ambassador::routing {

// Same order as twemproxy's HASH_CODEC.
enum class HashKind {
  kOneAtATime,
  kMd5,
  kCrc16,
  kCrc32,
  kCrc32a,
  kFnv1_64,
  kFnv1a_64,
  kFnv1_32,
  kFnv1a_32,
  kHsieh,
  kMurmur,
  kJenkins,
};

// twemproxy's names ("fnv1a_64", "one_at_a_time", ...), case-sensitive like nutcracker.
Result<HashKind> parseHashKind(std::string_view twemproxy_name);
std::string_view hashKindName(HashKind kind);

using HashFn = uint32_t (*)(const char* key, size_t len);

// For hot paths: resolve once, call without a switch per key.
HashFn hashFunction(HashKind kind);

inline uint32_t hashKey(HashKind kind, std::string_view key) {
  return hashFunction(kind)(key.data(), key.size());
}

}  // namespace attache::ambassador::routing
