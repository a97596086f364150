// The Redis side of a client connection: parse, route, split, answer locally.
#include <cstring>

#include "ambassador-image/proxy/net/client_connection.h"
#include "ambassador-image/proxy/net/server_pool.h"
#include "ambassador-image/proxy/splitter/redis_commands.h"
#include "attache_version.h"

namespace attache::ambassador::net {

using splitter::LocalCommand;
using splitter::RedisCommand;
using splitter::RedisRoute;

namespace {

bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

}  // namespace

// Returns false when the connection must close (protocol error).
bool ClientConnection::processRedis() {
  while (!in_.empty() && !closing_ && !backpressured()) {
    std::string_view in = in_.readable();
    codec::ParseOutcome o = codec::parseRespRequest(in, resp_);
    if (o.incomplete()) return true;
    if (o.failed()) {
      ++pool_->stats().protocol_errors;
      Request* r = newRequest();
      codec::appendProtocolError(r->reply, o.error);
      r->failed = true;
      r->close_after = true;  // Redis closes the connection after a protocol error
      pushLocal(r);
      in_.consume(in_.size());
      return false;
    }
    if (!resp_.args.empty()) dispatchRedis(in.substr(0, o.consumed));
    in_.consume(o.consumed);
  }
  return true;
}

void ClientConnection::redisError(Request* r, std::string_view msg) {
  codec::appendError(r->reply, msg);
  r->failed = true;
  pushLocal(r);
}

void ClientConnection::dispatchRedis(std::string_view raw) {
  Request* r = newRequest();
  const auto& args = resp_.args;
  const RedisCommand* cmd = splitter::lookupRedisCommand(args[0]);
  if (cmd == nullptr) {
    std::string name(args[0].substr(0, 128));
    return redisError(r, "ERR unknown or unsupported command '" + name + "'");
  }
  if (!authenticated_ && pool_->config().require_client_auth && cmd->local != LocalCommand::kAuth &&
      cmd->local != LocalCommand::kQuit && cmd->local != LocalCommand::kHello) {
    return redisError(r, "NOAUTH Authentication required.");
  }
  if (auto st = splitter::collectKeys(*cmd, args, keys_); !st.ok()) {
    return redisError(r, "ERR " + st.error().message);
  }
  switch (cmd->route) {
    case RedisRoute::kLocal:
      return redisLocal(r, *cmd);
    case RedisRoute::kUnsupported:
      return redisError(r, "ERR " + std::string(cmd->why_unsupported));
    case RedisRoute::kFanoutOk:
    case RedisRoute::kFanoutSum:
      return redisFanout(r, *cmd);
    case RedisRoute::kMultiGet:
    case RedisRoute::kMultiSum:
    case RedisRoute::kMultiSet:
      if (keys_.size() > 1) return redisMulti(r, *cmd);
      break;
    case RedisRoute::kSingle:
      break;
  }
  int server = keys_.empty() ? -1 : pool_->route(args[keys_[0]]);
  for (size_t i = 1; i < keys_.size() && server >= 0; ++i) {
    if (pool_->route(args[keys_[i]]) != server) {
      return redisError(r, "CROSSSHARD keys of '" + std::string(cmd->name) +
                               "' live on different shards; use a hash tag to keep them together");
    }
  }
  if (server < 0) return redisError(r, "ERR no shard available");
  if (resp_.inline_form) {
    scratch_.clear();
    codec::appendCommand(scratch_, std::span<const std::string_view>(args));
    raw = scratch_;
  }
  pool_->send(server, id_, r, raw);
}

// MGET / DEL / EXISTS / MSET over several keys: one part per shard, merged in request order.
void ClientConnection::redisMulti(Request* r, const RedisCommand& cmd) {
  const auto& args = resp_.args;
  const size_t step = cmd.route == RedisRoute::kMultiSet ? 2 : 1;
  r->merge = cmd.route == RedisRoute::kMultiGet   ? Merge::kArray
             : cmd.route == RedisRoute::kMultiSum ? Merge::kSum
                                                  : Merge::kAllOk;
  for (uint32_t k : keys_) {
    if (pool_->route(args[k]) < 0) return redisError(r, "ERR no shard available");
  }
  part_of_server_.assign(pool_->serverCount(), -1);
  part_keys_.clear();
  for (uint32_t k : keys_) {
    int server = pool_->route(args[k]);
    int& part = part_of_server_[static_cast<size_t>(server)];
    if (part < 0) {
      part = static_cast<int>(r->children.size());
      addPart(r, server);
    }
    r->key_map.emplace_back(static_cast<uint32_t>(part), 0);
    part_keys_.emplace_back(static_cast<uint32_t>(part), k);
  }
  // Element index of each key within its part's reply: keys keep their request order per part.
  std::vector<uint32_t>& counts = part_counts_;
  counts.assign(r->children.size(), 0);
  for (auto& [part, index] : r->key_map) index = counts[part]++;
  r->pending = static_cast<uint32_t>(r->children.size());
  for (size_t p = 0; p < r->children.size(); ++p) {
    scratch_.clear();
    codec::appendArrayHeader(scratch_, 1 + counts[p] * step);
    codec::appendBulk(scratch_, args[0]);
    for (auto [part, k] : part_keys_) {
      if (part != p) continue;
      for (size_t j = 0; j < step; ++j) codec::appendBulk(scratch_, args[k + j]);
    }
    Request* child = r->children[p];
    pool_->send(child->server, id_, child, scratch_);
  }
}

// FLUSHDB / FLUSHALL / DBSIZE: every shard.
void ClientConnection::redisFanout(Request* r, const RedisCommand& cmd) {
  r->merge = cmd.route == RedisRoute::kFanoutSum ? Merge::kSum : Merge::kAllOk;
  scratch_.clear();
  codec::appendCommand(scratch_, std::span<const std::string_view>(resp_.args));
  const int n = static_cast<int>(pool_->serverCount());
  for (int s = 0; s < n; ++s) {
    addPart(r, s);
  }
  r->pending = static_cast<uint32_t>(n);
  for (int s = 0; s < n; ++s) pool_->send(s, id_, r->children[static_cast<size_t>(s)], scratch_);
}

void ClientConnection::redisLocal(Request* r, const RedisCommand& cmd) {
  const auto& args = resp_.args;
  std::string& out = r->reply;
  switch (cmd.local) {
    case LocalCommand::kPing:
      if (args.size() > 2) return redisError(r, "ERR wrong number of arguments for 'ping' command");
      args.size() == 2 ? codec::appendBulk(out, args[1]) : codec::appendSimple(out, "PONG");
      break;
    case LocalCommand::kEcho:
      codec::appendBulk(out, args[1]);
      break;
    case LocalCommand::kQuit:
      codec::appendSimple(out, "OK");
      r->close_after = true;
      break;
    case LocalCommand::kSelect:
      if (args[1] != "0")
        return redisError(r, "ERR only database 0 is available through the proxy");
      codec::appendSimple(out, "OK");
      break;
    case LocalCommand::kAuth: {
      const std::string& want = pool_->config().redis_auth;
      if (!pool_->config().require_client_auth) {
        return redisError(r, "ERR AUTH <password> called without any password configured");
      }
      if (args.back() != want) return redisError(r, "WRONGPASS invalid username-password pair");
      authenticated_ = true;
      codec::appendSimple(out, "OK");
      break;
    }
    case LocalCommand::kHello: {
      if (args.size() >= 2 && args[1] != "2") {
        return redisError(r, "NOPROTO this proxy speaks RESP2 only");
      }
      for (size_t i = 2; i + 1 < args.size(); ++i) {
        if (equalsNoCase(args[i], "setname")) client_name_ = std::string(args[i + 1]);
      }
      codec::appendArrayHeader(out, 14);
      for (auto [k, v] : {std::pair<std::string_view, std::string_view>{"server", "redis"},
                          {"version", "7.0.0"}}) {
        codec::appendBulk(out, k);
        codec::appendBulk(out, v);
      }
      codec::appendBulk(out, "proto");
      codec::appendInteger(out, 2);
      codec::appendBulk(out, "id");
      codec::appendInteger(out, static_cast<int64_t>(id_));
      codec::appendBulk(out, "mode");
      codec::appendBulk(out, "standalone");
      codec::appendBulk(out, "role");
      codec::appendBulk(out, "master");
      codec::appendBulk(out, "modules");
      codec::appendArrayHeader(out, 0);
      break;
    }
    case LocalCommand::kClient: {
      std::string_view sub = args[1];
      if (equalsNoCase(sub, "setname") && args.size() == 3) {
        client_name_ = std::string(args[2]);
        codec::appendSimple(out, "OK");
      } else if (equalsNoCase(sub, "getname")) {
        client_name_.empty() ? codec::appendNilBulk(out) : codec::appendBulk(out, client_name_);
      } else if (equalsNoCase(sub, "id")) {
        codec::appendInteger(out, static_cast<int64_t>(id_));
      } else if (equalsNoCase(sub, "setinfo") || equalsNoCase(sub, "no-evict") ||
                 equalsNoCase(sub, "no-touch") || equalsNoCase(sub, "reply")) {
        codec::appendSimple(out, "OK");
      } else if (equalsNoCase(sub, "info")) {
        codec::appendBulk(out, "id=" + std::to_string(id_) + " name=" + client_name_ + " db=0\n");
      } else {
        return redisError(r, "ERR CLIENT " + std::string(sub.substr(0, 32)) +
                                 " is not supported through the proxy");
      }
      break;
    }
    case LocalCommand::kCommand:
      if (args.size() >= 2 && equalsNoCase(args[1], "count")) {
        codec::appendInteger(out, 0);
      } else {
        codec::appendArrayHeader(out, 0);
      }
      break;
    case LocalCommand::kInfo:
      codec::appendBulk(out, std::string("# Server\r\nredis_version:7.0.0\r\nattache_version:") +
                                 ATTACHE_VERSION + "\r\nredis_mode:proxy\r\n");
      break;
    case LocalCommand::kReadonly:
      codec::appendSimple(out, "OK");
      break;
    case LocalCommand::kNone:
      return redisError(r, "ERR unsupported command");
  }
  pushLocal(r);
}

}  // namespace attache::ambassador::net
