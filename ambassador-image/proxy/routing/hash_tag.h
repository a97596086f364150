// Hash tags and the hash twemproxy routes a key with (nc_server.c server_pool_idx and
// server_pool_hash).
#pragma once

#include <cstdint>
#include <string_view>

#include "ambassador-image/proxy/routing/hash.h"

namespace attache::ambassador::routing {

// twemproxy semantics with a 2-character tag such as "{}": find the first tag[0] in the key,
// then the first tag[1] after it; when both exist and enclose at least one byte, only the bytes
// between them are hashed. Otherwise (no opening char, no closing char after it, or an empty
// section such as "a{}b") the whole key is hashed. Only the first opening char is considered:
// "{}{b}" hashes the whole key. A tag shorter than 2 chars means "no hash tag"; twemproxy's config
// rejects tags whose length is not 2, so callers validate that.
std::string_view applyHashTag(std::string_view key, std::string_view tag);

// The hash twemproxy routes `key` with: hash tag applied first, then `hash`; an empty key
// hashes to 0 without calling `hash` (server_pool_hash).
inline uint32_t routingHash(HashFn hash, std::string_view key, std::string_view tag) {
  std::string_view hashed = applyHashTag(key, tag);
  return hashed.empty() ? 0 : hash(hashed.data(), hashed.size());
}

}  // namespace attache::ambassador::routing
