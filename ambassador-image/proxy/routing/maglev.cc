// Maglev lookup table (Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
// Balancer", NSDI 2016, section 3.4), with weights.
//
// Each live server s gets a permutation of the table's slots from two different hashes of its
// name: offset = md5(name) mod M, skip = fnv1a_32(name) mod (M - 1) + 1, slot j of the
// permutation = (offset + j * skip) mod M (M = 65537 is prime, so every skip visits every slot).
// Servers take turns claiming their next unclaimed preferred slot until the table is full; a
// server of weight w takes w turns per round. Servers take turns in twemproxy's name order so
// the table does not depend on the order of the config lines.
#include <cstdint>

#include "ambassador-image/proxy/routing/hash.h"
#include "ambassador-image/proxy/routing/ring_internal.h"

namespace attache::ambassador::routing::internal {
namespace {

struct Member {
  int32_t server;
  uint32_t weight;
  uint64_t offset;
  uint64_t skip;
  uint64_t next = 0;
};

std::vector<Member> maglevMembers(const std::vector<ServerPoint>& servers,
                                  const std::vector<bool>& live) {
  std::vector<Member> members;
  for (size_t s : twemproxyOrder(servers)) {
    if (!live[s]) continue;
    const std::string& name = servers[s].name;
    members.push_back({static_cast<int32_t>(s), servers[s].weight,
                       hashKey(HashKind::kMd5, name) % kMaglevTableSize,
                       hashKey(HashKind::kFnv1a_32, name) % (kMaglevTableSize - 1) + 1});
  }
  return members;
}

}  // namespace

std::vector<int32_t> buildMaglevTable(const std::vector<ServerPoint>& servers,
                                      const std::vector<bool>& live) {
  std::vector<Member> members = maglevMembers(servers, live);
  if (members.empty()) return {};
  std::vector<int32_t> table(kMaglevTableSize, -1);
  uint32_t filled = 0;
  while (true) {
    for (Member& m : members) {
      for (uint32_t turn = 0; turn < m.weight; ++turn) {
        uint64_t slot = 0;
        do {
          slot = (m.offset + m.next * m.skip) % kMaglevTableSize;
          ++m.next;
        } while (table[slot] >= 0);
        table[slot] = m.server;
        if (++filled == kMaglevTableSize) return table;
      }
    }
  }
}

}  // namespace attache::ambassador::routing::internal
