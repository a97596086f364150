// The Redis command table: how each command is routed through a sharding proxy. Pure data and
// functions; no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace attache::ambassador::splitter {

enum class RedisRoute : uint8_t {
  kSingle,       // every key maps to one shard (a single key, or keys that must share a shard)
  kMultiGet,     // MGET: split by shard, merge the arrays in request order
  kMultiSum,     // DEL, UNLINK, EXISTS, TOUCH: split by shard, sum the integers
  kMultiSet,     // MSET: split pairs by shard, +OK when every shard says OK
  kFanoutOk,     // FLUSHDB, FLUSHALL: every shard, +OK when every shard says OK
  kFanoutSum,    // DBSIZE: every shard, sum
  kLocal,        // answered by the proxy (PING, ECHO, QUIT, SELECT 0, HELLO, CLIENT, COMMAND, ...)
  kUnsupported,  // answered at once with a clear -ERR (KEYS, MULTI, blocking, pub/sub, ...)
};

enum class LocalCommand : uint8_t {
  kNone,
  kPing,
  kEcho,
  kQuit,
  kSelect,
  kHello,
  kClient,
  kCommand,
  kAuth,
  kInfo,
  kReadonly
};

struct KeySpec {
  int8_t first = 0;          // index of the first key (0: no keys)
  int8_t last = 0;           // index of the last key; negative counts from the end (-1 = last arg)
  int8_t step = 1;           // 2 for key/value pairs
  int8_t numkeys_at = 0;     // EVAL-like: index of the key count; keys follow it
  bool leading_key = false;  // ZUNIONSTORE-like: args[first] is a key before the numkeys list
};

struct RedisCommand {
  std::string_view name;  // lower case
  RedisRoute route;
  int arity;  // Redis' convention: N exact, -N at least N (the name counts)
  KeySpec keys;
  LocalCommand local = LocalCommand::kNone;
  std::string_view why_unsupported;
};

// Case-insensitive lookup; nullptr for a command the proxy does not know.
const RedisCommand* lookupRedisCommand(std::string_view name);

// Indices into `args` of the command's keys, in order. Fails with Redis' own wording on a wrong
// argument count ("wrong number of arguments for 'get' command").
Status collectKeys(const RedisCommand& cmd, std::span<const std::string_view> args,
                   std::vector<uint32_t>& key_indices);

}  // namespace attache::ambassador::splitter
