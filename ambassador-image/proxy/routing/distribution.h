// Key distribution over a pool's servers: twemproxy's ketama, modula and random (nc_ketama.c,
// nc_modula.c, nc_random.c), reproduced exactly, plus jump and maglev.
//
// Server order. twemproxy sorts a pool's servers by name (shorter names first, then bytewise;
// nc_conf.c conf_validate_server) and that order decides modula slots and ketama tie-breaks.
// Ring takes servers in config order, applies twemproxy's order internally, and always answers
// with indexes into the caller's vector.
//
// Server name (ServerPoint::name) is the ring identity: the name given on the twemproxy config line
// ("host:port:weight name"), else "host:port" (see server_name.h). Never the weight.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace attache::ambassador::routing {

enum class Distribution { kKetama, kModula, kRandom, kJump, kMaglev };

Result<Distribution> parseDistribution(std::string_view name);  // "ketama", "modula", ...
std::string_view distributionName(Distribution d);

struct ServerPoint {
  std::string name;  // the ring identity (see above)
  uint32_t weight = 1;
};

// Immutable snapshot; rebuilt (rarely) when the live set changes; shared via
// shared_ptr<const Ring>. pick() is safe to call from any number of threads.
class Ring {
 public:
  // `servers`: all configured servers in config order, unique non-empty names, weight >= 1.
  // `live[i]` false = ejected; the ring is built over live servers only, as twemproxy rebuilds
  // its continuum. An empty `live` means every server is live.
  static Result<std::shared_ptr<const Ring>> build(Distribution d,
                                                   const std::vector<ServerPoint>& servers,
                                                   const std::vector<bool>& live);

  // Index into `servers` for a key hash; -1 when no server is live. No allocation.
  // kRandom ignores the hash and the weights and returns a uniformly random live server, like
  // twemproxy (nc_random.c gives every live server one slot).
  int pick(uint32_t hash) const;

  size_t liveCount() const { return live_count_; }
  size_t serverCount() const { return server_count_; }
  Distribution distribution() const { return distribution_; }

  // One ketama point: the continuum is sorted by value; a hash belongs to the first point whose
  // value is >= the hash, wrapping to the first point.
  struct Point {
    uint32_t value;
    int32_t server;
  };

 private:
  Ring() = default;
  int pickKetama(uint32_t hash) const;
  int pickJump(uint32_t hash) const;
  int pickRandom() const;

  friend class RingBuilder;
  friend double keyMovement(const Ring& before, const std::vector<ServerPoint>& before_servers,
                            const Ring& after, const std::vector<ServerPoint>& after_servers);

  Distribution distribution_ = Distribution::kKetama;
  size_t server_count_ = 0;
  size_t live_count_ = 0;
  std::vector<Point> continuum_;       // ketama
  std::vector<int32_t> slots_;         // modula: one slot per unit of weight; maglev: the table;
                                       // jump: one bucket per unit of weight, config order
  std::vector<int32_t> live_servers_;  // random, jump fallback
  std::vector<uint8_t> live_;          // jump: per configured server
};

// Fraction of the 2^32 hash space whose owner (by server NAME) differs between two rings: the
// expected share of keys that move when shards change. Exact when both rings are ketama;
// estimated from a fixed sample of 2^18 hashes otherwise. A random ring owns nothing stably, so a
// comparison involving one returns 1 unless both rings have the same single live server.
double keyMovement(const Ring& before, const std::vector<ServerPoint>& before_servers,
                   const Ring& after, const std::vector<ServerPoint>& after_servers);

}  // namespace attache::ambassador::routing
