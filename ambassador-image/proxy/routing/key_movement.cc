#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/ring_internal.h"

namespace attache::ambassador::routing {
namespace {

constexpr double kHashSpace = 4294967296.0;  // 2^32
constexpr uint32_t kSamples = 1U << 18;

std::string_view ownerName(const Ring& ring, const std::vector<ServerPoint>& servers,
                           uint32_t hash) {
  int index = ring.pick(hash);
  if (index < 0 || static_cast<size_t>(index) >= servers.size()) return {};
  return servers[static_cast<size_t>(index)].name;
}

bool sameOwner(const Ring& before, const std::vector<ServerPoint>& before_servers,
               const Ring& after, const std::vector<ServerPoint>& after_servers, uint32_t hash) {
  return ownerName(before, before_servers, hash) == ownerName(after, after_servers, hash);
}

std::string_view soleLiveName(const Ring& ring, const std::vector<ServerPoint>& servers) {
  return ring.liveCount() == 1 ? ownerName(ring, servers, 0) : std::string_view();
}

}  // namespace

// Both rings ketama: owners are constant between consecutive continuum points of either ring,
// so one evaluation per segment gives the exact measure.
double keyMovement(const Ring& before, const std::vector<ServerPoint>& before_servers,
                   const Ring& after, const std::vector<ServerPoint>& after_servers) {
  bool before_random = before.distribution() == Distribution::kRandom;
  bool after_random = after.distribution() == Distribution::kRandom;
  if (before_random || after_random) {
    if (before.liveCount() == 0 && after.liveCount() == 0) return 0.0;
    std::string_view a = soleLiveName(before, before_servers);
    std::string_view b = soleLiveName(after, after_servers);
    return (!a.empty() && a == b) ? 0.0 : 1.0;
  }
  if (before.distribution() != Distribution::kKetama ||
      after.distribution() != Distribution::kKetama) {
    uint32_t moved = 0;
    for (uint32_t i = 0; i < kSamples; ++i) {
      auto hash = static_cast<uint32_t>(internal::mix64(i));
      if (!sameOwner(before, before_servers, after, after_servers, hash)) ++moved;
    }
    return static_cast<double>(moved) / kSamples;
  }
  std::vector<uint32_t> bounds;
  bounds.reserve(before.continuum_.size() + after.continuum_.size());
  for (const Ring::Point& p : before.continuum_) bounds.push_back(p.value);
  for (const Ring::Point& p : after.continuum_) bounds.push_back(p.value);
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());
  uint64_t moved = 0;
  uint64_t start = 0;  // hashes in [start, bound] share their owners with `bound`
  for (uint32_t bound : bounds) {
    if (!sameOwner(before, before_servers, after, after_servers, bound)) moved += bound - start + 1;
    start = static_cast<uint64_t>(bound) + 1;
  }
  if (start <= UINT32_MAX && !sameOwner(before, before_servers, after, after_servers, UINT32_MAX)) {
    moved += (static_cast<uint64_t>(UINT32_MAX) + 1) - start;
  }
  return static_cast<double>(moved) / kHashSpace;
}

}  // namespace attache::ambassador::routing
