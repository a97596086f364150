// twemproxy's ketama continuum (nc_ketama.c ketama_update), reproduced exactly.
#include <algorithm>
#include <cmath>
#include <string>

#include "ambassador-image/proxy/routing/ring_internal.h"

namespace attache::ambassador::routing::internal {
namespace {

constexpr uint32_t kPointsPerHash = 4;

// nc_ketama.c ketama_hash: the `alignment`-th little-endian word of the MD5 digest.
uint32_t ketamaWord(const unsigned char* digest, uint32_t alignment) {
  const unsigned char* p = digest + size_t{alignment} * 4;
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

Result<std::string> ketamaPointKey(std::string_view name, uint32_t index) {
  std::string key(name);
  key += '-';
  key += std::to_string(index);
  if (key.size() < kKetamaMaxHostLen) return key;
  if (key.size() == kKetamaMaxHostLen) {
    // snprintf kept 272 chars and the terminating NUL; twemproxy hashes all 273 bytes.
    key.back() = '\0';
    return key;
  }
  // Longer strings make twemproxy hash bytes past its buffer: no defined placement to match.
  return invalidArgument("server name \"" + std::string(name) + "\" is too long for ketama: \"" +
                         key + "\" exceeds twemproxy's " + std::to_string(kKetamaMaxHostLen) +
                         "-byte point buffer");
}

uint32_t ketamaPoints(uint32_t weight, uint32_t total_live_weight, uint32_t live_count) {
  // Mirrors, operation by operation, twemproxy's
  //   pct = (float)weight / (float)total_weight;
  //   (uint32_t)((floorf((float)(pct * 160 / 4 * (float)nlive + 0.0000000001))) * 4)
  // float arithmetic with one double addition; this file is built with -ffp-contract=off.
  float pct = static_cast<float>(weight) / static_cast<float>(total_live_weight);
  float scaled = pct * static_cast<float>(kKetamaPointsPerServer);
  scaled = scaled / static_cast<float>(kPointsPerHash);
  scaled = scaled * static_cast<float>(live_count);
  float nudged = static_cast<float>(static_cast<double>(scaled) + 0.0000000001);
  return static_cast<uint32_t>(std::floor(nudged) * static_cast<float>(kPointsPerHash));
}

Result<std::vector<Ring::Point>> buildKetamaContinuum(const std::vector<ServerPoint>& servers,
                                                      const std::vector<bool>& live) {
  uint32_t live_count = 0;
  uint32_t total_weight = 0;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!live[i]) continue;
    ++live_count;
    total_weight += servers[i].weight;
  }
  std::vector<Ring::Point> continuum;
  if (live_count == 0) return continuum;
  continuum.reserve(static_cast<size_t>(live_count) * kKetamaPointsPerServer);
  for (size_t s : twemproxyOrder(servers)) {
    if (!live[s]) continue;
    uint32_t groups = ketamaPoints(servers[s].weight, total_weight, live_count) / kPointsPerHash;
    for (uint32_t g = 0; g < groups; ++g) {
      Result<std::string> key = ketamaPointKey(servers[s].name, g);
      if (!key.ok()) return key.error();
      unsigned char digest[16];
      md5Digest(*key, digest);
      for (uint32_t x = 0; x < kPointsPerHash; ++x) {
        continuum.push_back({ketamaWord(digest, x), static_cast<int32_t>(s)});
      }
    }
  }
  // twemproxy qsorts with glibc, whose qsort is a stable merge sort for arrays this size: equal
  // values keep insertion order (server order, then point order) and the first one wins.
  std::stable_sort(continuum.begin(), continuum.end(),
                   [](const Ring::Point& a, const Ring::Point& b) { return a.value < b.value; });
  return continuum;
}

}  // namespace attache::ambassador::routing::internal
