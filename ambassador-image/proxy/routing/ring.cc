#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <limits>
#include <string>

#include "ambassador-image/proxy/routing/distribution.h"
#include "ambassador-image/proxy/routing/ring_internal.h"

namespace attache::ambassador::routing {
namespace {

struct DistributionEntry {
  Distribution distribution;
  std::string_view name;
};

constexpr std::array<DistributionEntry, 5> kDistributions = {{
    {Distribution::kKetama, "ketama"},
    {Distribution::kModula, "modula"},
    {Distribution::kRandom, "random"},
    {Distribution::kJump, "jump"},
    {Distribution::kMaglev, "maglev"},
}};

// modula and jump materialize one slot per unit of weight.
constexpr uint64_t kMaxSlotWeight = 1U << 20;
// jump: draws for a key whose bucket belongs to an ejected server before the fallback.
constexpr int kJumpAttempts = 64;
constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

Status validate(const std::vector<ServerPoint>& servers, const std::vector<bool>& live) {
  if (!live.empty() && live.size() != servers.size()) {
    return invalidArgument("live mask has " + std::to_string(live.size()) + " entries for " +
                           std::to_string(servers.size()) + " servers");
  }
  for (const ServerPoint& s : servers) {
    if (s.name.empty()) return invalidArgument("server with an empty name");
    if (s.weight == 0) return invalidArgument("server \"" + s.name + "\" has a zero weight");
  }
  std::vector<size_t> order = internal::twemproxyOrder(servers);
  for (size_t i = 1; i < order.size(); ++i) {
    if (servers[order[i]].name == servers[order[i - 1]].name) {
      return invalidArgument("servers with the same name \"" + servers[order[i]].name + "\"");
    }
  }
  return {};
}

uint64_t totalWeight(const std::vector<ServerPoint>& servers, const std::vector<bool>& live,
                     bool live_only) {
  uint64_t total = 0;
  for (size_t i = 0; i < servers.size(); ++i) {
    if (!live_only || live[i]) total += servers[i].weight;
  }
  return total;
}

Status checkWeight(Distribution d, uint64_t total) {
  uint64_t limit = (d == Distribution::kModula || d == Distribution::kJump)
                       ? kMaxSlotWeight
                       : std::numeric_limits<uint32_t>::max();
  if (total <= limit) return {};
  return invalidArgument("total server weight " + std::to_string(total) + " exceeds " +
                         std::to_string(limit) + " for " + std::string(distributionName(d)));
}

uint64_t randomState() {
  uint64_t seed =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return internal::mix64(seed ^ reinterpret_cast<uintptr_t>(&seed));
}

}  // namespace

Result<Distribution> parseDistribution(std::string_view name) {
  std::string valid;
  for (const DistributionEntry& e : kDistributions) {
    if (e.name == name) return e.distribution;
    valid += valid.empty() ? "" : ", ";
    valid += e.name;
  }
  return invalidArgument("unknown distribution \"" + std::string(name) + "\"; valid: " + valid);
}

std::string_view distributionName(Distribution d) {
  return kDistributions[static_cast<size_t>(d)].name;
}

// Fills the parts of a Ring each distribution needs.
class RingBuilder {
 public:
  static Status fill(Ring& ring, const std::vector<ServerPoint>& servers,
                     const std::vector<bool>& live) {
    for (size_t i = 0; i < servers.size(); ++i) {
      if (live[i]) ring.live_servers_.push_back(static_cast<int32_t>(i));
    }
    ring.live_count_ = ring.live_servers_.size();
    switch (ring.distribution_) {
      case Distribution::kKetama: {
        auto continuum = internal::buildKetamaContinuum(servers, live);
        if (!continuum.ok()) return continuum.error();
        ring.continuum_ = std::move(continuum).value();
        return {};
      }
      case Distribution::kModula:
        // nc_modula.c: live servers in twemproxy order, each repeated `weight` times.
        for (size_t s : internal::twemproxyOrder(servers)) {
          if (!live[s]) continue;
          ring.slots_.insert(ring.slots_.end(), servers[s].weight, static_cast<int32_t>(s));
        }
        return {};
      case Distribution::kJump:
        for (size_t s = 0; s < servers.size(); ++s) {
          ring.slots_.insert(ring.slots_.end(), servers[s].weight, static_cast<int32_t>(s));
          ring.live_.push_back(live[s] ? 1 : 0);
        }
        return {};
      case Distribution::kMaglev:
        if (ring.live_count_ >= internal::kMaglevTableSize) {
          return invalidArgument("maglev supports fewer than 65537 live servers");
        }
        ring.slots_ = internal::buildMaglevTable(servers, live);
        return {};
      case Distribution::kRandom:
        return {};
    }
    return internalError("unknown distribution");
  }
};

Result<std::shared_ptr<const Ring>> Ring::build(Distribution d,
                                                const std::vector<ServerPoint>& servers,
                                                const std::vector<bool>& live) {
  if (Status valid = validate(servers, live); !valid.ok()) return valid.error();
  std::vector<bool> mask = live.empty() ? std::vector<bool>(servers.size(), true) : live;
  bool live_only = d == Distribution::kKetama || d == Distribution::kModula;
  if (Status w = checkWeight(d, totalWeight(servers, mask, live_only)); !w.ok()) return w.error();
  std::shared_ptr<Ring> ring(new Ring());
  ring->distribution_ = d;
  ring->server_count_ = servers.size();
  if (Status filled = RingBuilder::fill(*ring, servers, mask); !filled.ok()) {
    return filled.error();
  }
  return std::shared_ptr<const Ring>(std::move(ring));
}

int Ring::pick(uint32_t hash) const {
  if (live_count_ == 0) return -1;
  switch (distribution_) {
    case Distribution::kKetama:
      return pickKetama(hash);
    case Distribution::kModula:  // nc_modula.c modula_dispatch
    case Distribution::kMaglev:  // the lookup table is indexed the same way
      return slots_[hash % slots_.size()];
    case Distribution::kJump:
      return pickJump(hash);
    case Distribution::kRandom:
      return pickRandom();
  }
  return -1;
}

// nc_ketama.c ketama_dispatch: the first point whose value is >= hash, else the first point.
int Ring::pickKetama(uint32_t hash) const {
  auto it = std::lower_bound(continuum_.begin(), continuum_.end(), hash,
                             [](const Point& p, uint32_t h) { return p.value < h; });
  if (it == continuum_.end()) it = continuum_.begin();
  return it->server;
}

// Jump over every configured server's buckets (config order, one per unit of weight), so that
// scaling by the last server moves only that server's keys. A bucket owned by an ejected server
// makes the key draw again (a fresh 64-bit key derived from the previous one) over the same
// buckets: keys of live servers never move when another server is ejected, and the ejected
// server's keys spread over the live ones in proportion to their weight. After kJumpAttempts
// draws (only likely when almost every server is ejected) the key falls back to the live list.
int Ring::pickJump(uint32_t hash) const {
  // The 32-bit key hash is widened to jump's 64-bit key with splitmix64's bijective finalizer.
  uint64_t key = internal::mix64(hash);
  const auto buckets = static_cast<int32_t>(slots_.size());
  for (int attempt = 0; attempt < kJumpAttempts; ++attempt) {
    int32_t server = slots_[internal::jumpConsistentHash(key, buckets)];
    if (live_[server] != 0) return server;
    key = internal::mix64(key + kGoldenGamma);
  }
  return live_servers_[key % live_servers_.size()];
}

// nc_random.c: any live server, uniformly (twemproxy uses random() % n).
int Ring::pickRandom() const {
  thread_local uint64_t state = randomState();
  state += kGoldenGamma;
  uint64_t r = internal::mix64(state) >> 32;
  return live_servers_[(r * live_servers_.size()) >> 32];
}

namespace internal {

std::vector<size_t> twemproxyOrder(const std::vector<ServerPoint>& servers) {
  std::vector<size_t> order(servers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const std::string& x = servers[a].name;
    const std::string& y = servers[b].name;
    if (x.size() != y.size()) return x.size() < y.size();
    return std::memcmp(x.data(), y.data(), x.size()) < 0;
  });
  return order;
}

int32_t jumpConsistentHash(uint64_t key, int32_t buckets) {
  int64_t b = -1;
  int64_t j = 0;
  while (j < buckets) {
    b = j;
    key = key * 2862933555777941757ULL + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1) * (static_cast<double>(1LL << 31) /
                                                           static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<int32_t>(b);
}

uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace internal
}  // namespace attache::ambassador::routing
