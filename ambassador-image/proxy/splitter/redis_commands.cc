#include "ambassador-image/proxy/splitter/redis_commands.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace attache::ambassador::splitter {
namespace {

using R = RedisRoute;
using L = LocalCommand;

constexpr KeySpec k1{1, 1, 1, 0, false};
constexpr KeySpec k2{2, 2, 1, 0, false};         // OBJECT ENCODING key, XINFO STREAM key
constexpr KeySpec k12{1, 2, 1, 0, false};        // RENAME a b
constexpr KeySpec kAll{1, -1, 1, 0, false};      // SINTER a b c
constexpr KeySpec kAllBut1{1, -2, 1, 0, false};  // BLPOP-like (unsupported anyway)
constexpr KeySpec kPairs{1, -1, 2, 0, false};    // MSET k v k v
constexpr KeySpec kFrom2{2, -1, 1, 0, false};    // BITOP op dest src...
constexpr KeySpec kNum2{0, 0, 1, 2, false};      // EVAL script numkeys k...
constexpr KeySpec kNum1{0, 0, 1, 1, false};      // ZUNION numkeys k...
constexpr KeySpec kDestNum2{1, 1, 1, 2, true};   // ZUNIONSTORE dest numkeys k...
constexpr KeySpec kNone{};

// clang-format off
const RedisCommand kCommands[] = {
  // strings and generic single-key commands
  {"get", R::kSingle, 2, k1}, {"set", R::kSingle, -3, k1}, {"setnx", R::kSingle, 3, k1},
  {"setex", R::kSingle, 4, k1}, {"psetex", R::kSingle, 4, k1}, {"append", R::kSingle, 3, k1},
  {"strlen", R::kSingle, 2, k1}, {"getset", R::kSingle, 3, k1}, {"getdel", R::kSingle, 2, k1},
  {"getex", R::kSingle, -2, k1}, {"getrange", R::kSingle, 4, k1}, {"setrange", R::kSingle, 4, k1},
  {"substr", R::kSingle, 4, k1}, {"incr", R::kSingle, 2, k1}, {"decr", R::kSingle, 2, k1},
  {"incrby", R::kSingle, 3, k1}, {"decrby", R::kSingle, 3, k1}, {"incrbyfloat", R::kSingle, 3, k1},
  {"getbit", R::kSingle, 3, k1}, {"setbit", R::kSingle, 4, k1}, {"bitcount", R::kSingle, -2, k1},
  {"bitpos", R::kSingle, -3, k1}, {"bitfield", R::kSingle, -2, k1},
  {"bitfield_ro", R::kSingle, -2, k1}, {"expire", R::kSingle, -3, k1},
  {"pexpire", R::kSingle, -3, k1}, {"expireat", R::kSingle, -3, k1},
  {"pexpireat", R::kSingle, -3, k1}, {"expiretime", R::kSingle, 2, k1},
  {"pexpiretime", R::kSingle, 2, k1}, {"ttl", R::kSingle, 2, k1}, {"pttl", R::kSingle, 2, k1},
  {"persist", R::kSingle, 2, k1}, {"type", R::kSingle, 2, k1}, {"dump", R::kSingle, 2, k1},
  {"restore", R::kSingle, -4, k1}, {"sort_ro", R::kSingle, -2, k1},
  // lists
  {"lpush", R::kSingle, -3, k1}, {"rpush", R::kSingle, -3, k1}, {"lpushx", R::kSingle, -3, k1},
  {"rpushx", R::kSingle, -3, k1}, {"lpop", R::kSingle, -2, k1}, {"rpop", R::kSingle, -2, k1},
  {"llen", R::kSingle, 2, k1}, {"lrange", R::kSingle, 4, k1}, {"lindex", R::kSingle, 3, k1},
  {"lset", R::kSingle, 4, k1}, {"lrem", R::kSingle, 4, k1}, {"ltrim", R::kSingle, 4, k1},
  {"linsert", R::kSingle, 5, k1}, {"lpos", R::kSingle, -3, k1},
  // hashes
  {"hset", R::kSingle, -4, k1}, {"hsetnx", R::kSingle, 4, k1}, {"hget", R::kSingle, 3, k1},
  {"hmset", R::kSingle, -4, k1}, {"hmget", R::kSingle, -3, k1}, {"hdel", R::kSingle, -3, k1},
  {"hlen", R::kSingle, 2, k1}, {"hstrlen", R::kSingle, 3, k1}, {"hexists", R::kSingle, 3, k1},
  {"hkeys", R::kSingle, 2, k1}, {"hvals", R::kSingle, 2, k1}, {"hgetall", R::kSingle, 2, k1},
  {"hincrby", R::kSingle, 4, k1}, {"hincrbyfloat", R::kSingle, 4, k1},
  {"hrandfield", R::kSingle, -2, k1}, {"hscan", R::kSingle, -3, k1},
  // sets
  {"sadd", R::kSingle, -3, k1}, {"srem", R::kSingle, -3, k1}, {"scard", R::kSingle, 2, k1},
  {"sismember", R::kSingle, 3, k1}, {"smismember", R::kSingle, -3, k1},
  {"smembers", R::kSingle, 2, k1}, {"spop", R::kSingle, -2, k1},
  {"srandmember", R::kSingle, -2, k1}, {"sscan", R::kSingle, -3, k1},
  // sorted sets
  {"zadd", R::kSingle, -4, k1}, {"zincrby", R::kSingle, 4, k1}, {"zrem", R::kSingle, -3, k1},
  {"zcard", R::kSingle, 2, k1}, {"zcount", R::kSingle, 4, k1}, {"zscore", R::kSingle, 3, k1},
  {"zmscore", R::kSingle, -3, k1}, {"zrank", R::kSingle, -3, k1}, {"zrevrank", R::kSingle, -3, k1},
  {"zrange", R::kSingle, -4, k1}, {"zrevrange", R::kSingle, -4, k1},
  {"zrangebyscore", R::kSingle, -4, k1}, {"zrevrangebyscore", R::kSingle, -4, k1},
  {"zrangebylex", R::kSingle, -4, k1}, {"zrevrangebylex", R::kSingle, -4, k1},
  {"zlexcount", R::kSingle, 4, k1}, {"zremrangebyrank", R::kSingle, 4, k1},
  {"zremrangebyscore", R::kSingle, 4, k1}, {"zremrangebylex", R::kSingle, 4, k1},
  {"zpopmin", R::kSingle, -2, k1}, {"zpopmax", R::kSingle, -2, k1},
  {"zrandmember", R::kSingle, -2, k1}, {"zscan", R::kSingle, -3, k1},
  // hyperloglog, geo, streams
  {"pfadd", R::kSingle, -2, k1}, {"pfcount", R::kSingle, -2, kAll}, {"pfmerge", R::kSingle, -2, kAll},
  {"geoadd", R::kSingle, -5, k1}, {"geodist", R::kSingle, -4, k1}, {"geohash", R::kSingle, -2, k1},
  {"geopos", R::kSingle, -2, k1}, {"georadius", R::kSingle, -6, k1},
  {"georadius_ro", R::kSingle, -6, k1}, {"georadiusbymember", R::kSingle, -5, k1},
  {"georadiusbymember_ro", R::kSingle, -5, k1}, {"geosearch", R::kSingle, -7, k1},
  {"geosearchstore", R::kSingle, -8, k12}, {"xadd", R::kSingle, -5, k1},
  {"xlen", R::kSingle, 2, k1}, {"xrange", R::kSingle, -4, k1}, {"xrevrange", R::kSingle, -4, k1},
  {"xdel", R::kSingle, -3, k1}, {"xtrim", R::kSingle, -4, k1}, {"xack", R::kSingle, -4, k1},
  {"xclaim", R::kSingle, -6, k1}, {"xautoclaim", R::kSingle, -6, k1},
  {"xpending", R::kSingle, -3, k1}, {"xsetid", R::kSingle, -3, k1},
  {"xinfo", R::kSingle, -3, k2}, {"xgroup", R::kSingle, -3, k2},
  {"object", R::kSingle, -3, k2}, {"memory", R::kSingle, -3, k2},
  // several keys that must live on one shard
  {"rename", R::kSingle, 3, k12}, {"renamenx", R::kSingle, 3, k12},
  {"rpoplpush", R::kSingle, 3, k12}, {"lmove", R::kSingle, 5, k12}, {"smove", R::kSingle, 4, k12},
  {"copy", R::kSingle, -3, k12}, {"zrangestore", R::kSingle, -5, k12},
  {"sdiff", R::kSingle, -2, kAll}, {"sinter", R::kSingle, -2, kAll}, {"sunion", R::kSingle, -2, kAll},
  {"sdiffstore", R::kSingle, -3, kAll}, {"sinterstore", R::kSingle, -3, kAll},
  {"sunionstore", R::kSingle, -3, kAll}, {"bitop", R::kSingle, -4, kFrom2},
  {"msetnx", R::kSingle, -3, kPairs}, {"sintercard", R::kSingle, -3, kNum1},
  {"zunion", R::kSingle, -3, kNum1}, {"zinter", R::kSingle, -3, kNum1},
  {"zdiff", R::kSingle, -3, kNum1}, {"zintercard", R::kSingle, -3, kNum1},
  {"lmpop", R::kSingle, -4, kNum1}, {"zmpop", R::kSingle, -4, kNum1},
  {"zunionstore", R::kSingle, -4, kDestNum2}, {"zinterstore", R::kSingle, -4, kDestNum2},
  {"zdiffstore", R::kSingle, -4, kDestNum2},
  {"eval", R::kSingle, -3, kNum2}, {"evalsha", R::kSingle, -3, kNum2},
  {"eval_ro", R::kSingle, -3, kNum2}, {"evalsha_ro", R::kSingle, -3, kNum2},
  {"fcall", R::kSingle, -3, kNum2}, {"fcall_ro", R::kSingle, -3, kNum2},
  // split and merged
  {"mget", R::kMultiGet, -2, kAll}, {"del", R::kMultiSum, -2, kAll},
  {"unlink", R::kMultiSum, -2, kAll}, {"exists", R::kMultiSum, -2, kAll},
  {"touch", R::kMultiSum, -2, kAll}, {"mset", R::kMultiSet, -3, kPairs},
  {"flushdb", R::kFanoutOk, -1, kNone}, {"flushall", R::kFanoutOk, -1, kNone},
  {"dbsize", R::kFanoutSum, 1, kNone},
  // answered by the proxy
  {"ping", R::kLocal, -1, kNone, L::kPing}, {"echo", R::kLocal, 2, kNone, L::kEcho},
  {"quit", R::kLocal, -1, kNone, L::kQuit}, {"select", R::kLocal, 2, kNone, L::kSelect},
  {"hello", R::kLocal, -1, kNone, L::kHello}, {"client", R::kLocal, -2, kNone, L::kClient},
  {"command", R::kLocal, -1, kNone, L::kCommand}, {"auth", R::kLocal, -2, kNone, L::kAuth},
  {"info", R::kLocal, -1, kNone, L::kInfo}, {"readonly", R::kLocal, 1, kNone, L::kReadonly},
  {"readwrite", R::kLocal, 1, kNone, L::kReadonly},
  // refused with a reason
  {"keys", R::kUnsupported, 2, kNone, L::kNone, "KEYS would scan every shard; use SCAN on each shard"},
  {"scan", R::kUnsupported, -2, kNone, L::kNone, "SCAN cursors cannot span shards"},
  {"randomkey", R::kUnsupported, 1, kNone, L::kNone, "RANDOMKEY cannot span shards"},
  {"multi", R::kUnsupported, 1, kNone, L::kNone, "transactions cannot span shards"},
  {"exec", R::kUnsupported, 1, kNone, L::kNone, "transactions cannot span shards"},
  {"discard", R::kUnsupported, 1, kNone, L::kNone, "transactions cannot span shards"},
  {"watch", R::kUnsupported, -2, kNone, L::kNone, "transactions cannot span shards"},
  {"unwatch", R::kUnsupported, 1, kNone, L::kNone, "transactions cannot span shards"},
  {"blpop", R::kUnsupported, -3, kAllBut1, L::kNone, "blocking commands are not supported"},
  {"brpop", R::kUnsupported, -3, kAllBut1, L::kNone, "blocking commands are not supported"},
  {"brpoplpush", R::kUnsupported, 4, kNone, L::kNone, "blocking commands are not supported"},
  {"blmove", R::kUnsupported, 6, kNone, L::kNone, "blocking commands are not supported"},
  {"blmpop", R::kUnsupported, -5, kNone, L::kNone, "blocking commands are not supported"},
  {"bzpopmin", R::kUnsupported, -3, kNone, L::kNone, "blocking commands are not supported"},
  {"bzpopmax", R::kUnsupported, -3, kNone, L::kNone, "blocking commands are not supported"},
  {"bzmpop", R::kUnsupported, -5, kNone, L::kNone, "blocking commands are not supported"},
  {"xread", R::kUnsupported, -4, kNone, L::kNone, "XREAD is not supported"},
  {"xreadgroup", R::kUnsupported, -7, kNone, L::kNone, "XREADGROUP is not supported"},
  {"wait", R::kUnsupported, 3, kNone, L::kNone, "WAIT is not supported"},
  {"subscribe", R::kUnsupported, -2, kNone, L::kNone, "pub/sub is not supported"},
  {"psubscribe", R::kUnsupported, -2, kNone, L::kNone, "pub/sub is not supported"},
  {"ssubscribe", R::kUnsupported, -2, kNone, L::kNone, "pub/sub is not supported"},
  {"unsubscribe", R::kUnsupported, -1, kNone, L::kNone, "pub/sub is not supported"},
  {"punsubscribe", R::kUnsupported, -1, kNone, L::kNone, "pub/sub is not supported"},
  {"publish", R::kUnsupported, 3, kNone, L::kNone, "pub/sub is not supported"},
  {"pubsub", R::kUnsupported, -2, kNone, L::kNone, "pub/sub is not supported"},
  {"monitor", R::kUnsupported, 1, kNone, L::kNone, "MONITOR is not supported"},
  {"sort", R::kUnsupported, -2, kNone, L::kNone, "SORT may read other keys; use SORT_RO"},
  {"move", R::kUnsupported, 3, kNone, L::kNone, "databases other than 0 are not available"},
  {"swapdb", R::kUnsupported, 3, kNone, L::kNone, "databases other than 0 are not available"},
  {"migrate", R::kUnsupported, -6, kNone, L::kNone, "MIGRATE is not supported"},
  {"config", R::kUnsupported, -2, kNone, L::kNone, "CONFIG is not available through the proxy"},
  {"script", R::kUnsupported, -2, kNone, L::kNone, "SCRIPT is not supported; use EVAL"},
  {"function", R::kUnsupported, -2, kNone, L::kNone, "FUNCTION is not supported"},
  {"cluster", R::kUnsupported, -2, kNone, L::kNone, "this is not a Redis Cluster"},
  {"shutdown", R::kUnsupported, -1, kNone, L::kNone, "administrative commands are not proxied"},
  {"debug", R::kUnsupported, -2, kNone, L::kNone, "administrative commands are not proxied"},
  {"slaveof", R::kUnsupported, 3, kNone, L::kNone, "administrative commands are not proxied"},
  {"replicaof", R::kUnsupported, 3, kNone, L::kNone, "administrative commands are not proxied"},
  {"save", R::kUnsupported, 1, kNone, L::kNone, "administrative commands are not proxied"},
  {"bgsave", R::kUnsupported, -1, kNone, L::kNone, "administrative commands are not proxied"},
  {"bgrewriteaof", R::kUnsupported, 1, kNone, L::kNone, "administrative commands are not proxied"},
  {"acl", R::kUnsupported, -2, kNone, L::kNone, "administrative commands are not proxied"},
  {"slowlog", R::kUnsupported, -2, kNone, L::kNone, "administrative commands are not proxied"},
  {"latency", R::kUnsupported, -2, kNone, L::kNone, "administrative commands are not proxied"},
  {"lastsave", R::kUnsupported, 1, kNone, L::kNone, "administrative commands are not proxied"},
  {"time", R::kUnsupported, 1, kNone, L::kNone, "TIME differs per shard"},
};
// clang-format on

class CommandIndex {
 public:
  CommandIndex() {
    for (const auto& c : kCommands) index_.emplace(c.name, &c);
  }
  const RedisCommand* find(std::string_view lower) const {
    auto it = index_.find(lower);
    return it == index_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::string_view, const RedisCommand*> index_;
};

Error wrongArity(const RedisCommand& cmd) {
  return invalidArgument("wrong number of arguments for '" + std::string(cmd.name) + "' command");
}

bool parseCount(std::string_view s, size_t& out) {
  if (s.empty() || s.size() > 9) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

}  // namespace

const RedisCommand* lookupRedisCommand(std::string_view name) {
  static const CommandIndex index;
  char lower[32];
  if (name.empty() || name.size() > sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return index.find(std::string_view(lower, name.size()));
}

Status collectKeys(const RedisCommand& cmd, std::span<const std::string_view> args,
                   std::vector<uint32_t>& key_indices) {
  key_indices.clear();
  const auto argc = static_cast<int>(args.size());
  if ((cmd.arity > 0 && argc != cmd.arity) || (cmd.arity < 0 && argc < -cmd.arity)) {
    return wrongArity(cmd);
  }
  const KeySpec& k = cmd.keys;
  if (k.numkeys_at > 0) {
    size_t n = 0;
    if (!parseCount(args[static_cast<size_t>(k.numkeys_at)], n)) {
      return invalidArgument("numkeys for '" + std::string(cmd.name) + "' must be a number");
    }
    if (k.numkeys_at + 1 + static_cast<int>(n) > argc) return wrongArity(cmd);
    if (k.leading_key) key_indices.push_back(static_cast<uint32_t>(k.first));
    for (size_t i = 0; i < n; ++i) {
      key_indices.push_back(static_cast<uint32_t>(k.numkeys_at + 1) + static_cast<uint32_t>(i));
    }
    return {};
  }
  if (k.first == 0) return {};
  // The key-spec fields are small signed numbers, not characters (a negative `last` counts
  // from the end).
  // NOLINTBEGIN(bugprone-signed-char-misuse)
  const int first = k.first;
  const int step = k.step;
  const int last = k.last >= 0 ? k.last : argc + k.last;
  // NOLINTEND(bugprone-signed-char-misuse)
  if (step == 2 && (argc - first) % 2 != 0) return wrongArity(cmd);
  for (int i = first; i <= last && i < argc; i += step) {
    key_indices.push_back(static_cast<uint32_t>(i));
  }
  return {};
}

}  // namespace attache::ambassador::splitter
