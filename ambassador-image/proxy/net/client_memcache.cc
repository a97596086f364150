// The memcached side of a client connection: parse, route, split multi-key gets, answer
// version/verbosity/stats locally.
#include <unistd.h>

#include "ambassador-image/proxy/net/client_connection.h"
#include "ambassador-image/proxy/net/server_pool.h"
#include "attache_version.h"

namespace attache::ambassador::net {

using codec::McCommand;

bool ClientConnection::processMemcache() {
  while (!in_.empty() && !closing_ && !backpressured()) {
    if (skip_ > 0) {  // the rest of a bad data block
      size_t n = std::min(skip_, in_.size());
      in_.consume(n);
      skip_ -= n;
      continue;
    }
    std::string_view in = in_.readable();
    codec::ParseOutcome o = codec::parseMcRequest(in, mc_);
    if (o.incomplete()) return true;
    if (o.failed()) {
      ++pool_->stats().protocol_errors;
      Request* r = newRequest();
      r->reply.assign(o.error);
      r->reply.append("\r\n");
      r->failed = true;
      if (o.skip == 0) {
        r->close_after = true;
        in_.consume(in_.size());
        pushLocal(r);
        return false;
      }
      pushLocal(r);
      size_t n = std::min(o.skip, in_.size());
      in_.consume(n);
      skip_ = o.skip - n;
      continue;
    }
    dispatchMemcache(in.substr(0, o.consumed));
    in_.consume(o.consumed);
  }
  return true;
}

void ClientConnection::dispatchMemcache(std::string_view raw) {
  const McCommand cmd = mc_.command;
  if (cmd == McCommand::kQuit) {
    closing_ = true;  // memcached closes without a reply
    return;
  }
  if (cmd == McCommand::kFlushAll) {
    return memcacheFanout(mc_.noreply ? nullptr : newRequest(), raw);
  }
  if (mc_.keys.empty()) {  // version, verbosity, stats
    if (mc_.noreply) return;
    return memcacheLocal(newRequest());
  }
  if (codec::isMcRetrieval(cmd) && mc_.keys.size() > 1) return memcacheMultiGet(newRequest());
  const int server = pool_->route(mc_.keys[0]);
  if (mc_.noreply) {
    if (server >= 0) pool_->send(server, id_, nullptr, raw);
    return;
  }
  Request* r = newRequest();
  r->mc_command = cmd;
  if (server < 0) {
    r->reply = "SERVER_ERROR no shard available\r\n";
    r->failed = true;
    return pushLocal(r);
  }
  pool_->send(server, id_, r, raw);
}

void ClientConnection::memcacheMultiGet(Request* r) {
  r->mc_command = mc_.command;
  r->merge = Merge::kMcValues;
  for (auto key : mc_.keys) {
    if (pool_->route(key) < 0) {
      r->reply = "SERVER_ERROR no shard available\r\n";
      r->failed = true;
      return pushLocal(r);
    }
  }
  part_of_server_.assign(pool_->serverCount(), -1);
  std::vector<std::vector<std::string_view>> part_keys;
  for (auto key : mc_.keys) {
    int server = pool_->route(key);
    int& part = part_of_server_[static_cast<size_t>(server)];
    if (part < 0) {
      part = static_cast<int>(r->children.size());
      addPart(r, server);
      part_keys.emplace_back();
    }
    part_keys[static_cast<size_t>(part)].push_back(key);
    r->key_map.emplace_back(static_cast<uint32_t>(part), 0);
    r->keys.append(key);
    r->keys.push_back('\n');
  }
  r->pending = static_cast<uint32_t>(r->children.size());
  for (size_t p = 0; p < r->children.size(); ++p) {
    scratch_.clear();
    codec::appendMcRetrieval(scratch_, mc_.command, part_keys[p], mc_.exptime);
    pool_->send(r->children[p]->server, id_, r->children[p], scratch_);
  }
}

void ClientConnection::memcacheFanout(Request* r, std::string_view raw) {
  const int n = static_cast<int>(pool_->serverCount());
  if (r == nullptr) {  // noreply
    for (int s = 0; s < n; ++s) pool_->send(s, id_, nullptr, raw);
    return;
  }
  r->merge = Merge::kMcAllOk;
  r->mc_command = mc_.command;
  for (int s = 0; s < n; ++s) {
    addPart(r, s);
  }
  r->pending = static_cast<uint32_t>(n);
  for (int s = 0; s < n; ++s) pool_->send(s, id_, r->children[static_cast<size_t>(s)], raw);
}

void ClientConnection::memcacheLocal(Request* r) {
  std::string& out = r->reply;
  switch (mc_.command) {
    case McCommand::kVersion:
      out = std::string("VERSION 1.6.18 attache-") + ATTACHE_VERSION + "\r\n";
      break;
    case McCommand::kVerbosity:
      out = "OK\r\n";
      break;
    case McCommand::kStats: {
      const auto& st = pool_->stats();
      auto stat = [&out](std::string_view k, auto v) {
        out.append("STAT ").append(k).append(" ").append(std::to_string(v)).append("\r\n");
      };
      if (mc_.args.empty()) {
        stat("pid", ::getpid());
        out.append("STAT version 1.6.18\r\n");
        stat("curr_connections", st.client_connections);
        stat("total_connections", st.client_connections_total);
        stat("cmd_total", st.requests);
        stat("proxy_errors", st.errors);
        stat("shards", pool_->serverCount());
        stat("shards_live", pool_->liveServers());
      }
      out.append("END\r\n");
      break;
    }
    default:
      out = "ERROR\r\n";
      r->failed = true;
      break;
  }
  pushLocal(r);
}

}  // namespace attache::ambassador::net
