// Building blocks of Ring, exposed for ring.cc and the unit tests only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"
#include "common/result.h"

namespace attache::ambassador::routing::internal {

// MD5 of `data` (OpenSSL; the same digest as twemproxy's nc_md5.c).
void md5Digest(std::string_view data, unsigned char (&digest)[16]);

// twemproxy's server order: indexes of `servers` sorted by name length, then bytes
// (nc_conf.c conf_validate_server sorts with string_compare).
std::vector<size_t> twemproxyOrder(const std::vector<ServerPoint>& servers);

// nc_ketama.c formats each point string "<name>-<n>" into char[KETAMA_MAX_HOSTLEN] (273 in
// nutcracker 0.5.0; 86 in older releases) and hashes snprintf's untruncated length.
constexpr size_t kKetamaMaxHostLen = 273;
constexpr uint32_t kKetamaPointsPerServer = 160;

// The bytes twemproxy hashes for point group `index` of server `name`.
Result<std::string> ketamaPointKey(std::string_view name, uint32_t index);

// Number of continuum points twemproxy gives a live server (a multiple of 4), computed with
// twemproxy's float arithmetic.
uint32_t ketamaPoints(uint32_t weight, uint32_t total_live_weight, uint32_t live_count);

// The sorted continuum over live servers; Point::server indexes `servers`.
Result<std::vector<Ring::Point>> buildKetamaContinuum(const std::vector<ServerPoint>& servers,
                                                      const std::vector<bool>& live);

// Maglev: prime table size; permutation of server s is (offset + j * skip) mod kMaglevTableSize.
constexpr uint32_t kMaglevTableSize = 65537;
std::vector<int32_t> buildMaglevTable(const std::vector<ServerPoint>& servers,
                                      const std::vector<bool>& live);

// Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014).
int32_t jumpConsistentHash(uint64_t key, int32_t buckets);

// splitmix64's finalizer: a bijective 64-bit mix used to widen a 32-bit key hash for jump.
uint64_t mix64(uint64_t x);

}  // namespace attache::ambassador::routing::internal
