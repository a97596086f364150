// One application connection to a sharded listener: parses pipelined requests, routes them to
// shards (splitting multi-key commands), and writes the replies back in request order.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/codec/memcache.h"
#include "ambassador-image/proxy/codec/resp.h"
#include "ambassador-image/proxy/net/byte_buffer.h"
#include "ambassador-image/proxy/net/loop.h"

namespace attache::ambassador::splitter {
struct RedisCommand;
}

namespace attache::ambassador::net {

class ServerPool;

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
 public:
  ClientConnection(Loop& loop, std::shared_ptr<ServerPool> pool, int fd, uint64_t id);
  ~ClientConnection();

  void start();
  // A top-level request of this client is complete: write what is now in order.
  void onComplete(Request* r, std::string_view direct_bytes);
  // Switches to a reloaded pool once nothing is in flight.
  void setPendingPool(std::shared_ptr<ServerPool> pool) { next_pool_ = std::move(pool); }
  void close();
  uint64_t id() const { return id_; }
  // Called by Loop::flushDeferred().
  void flushDeferredOutput() {
    flush_posted_ = false;
    flush();
  }

 private:
  void waitReadable();
  void onReadable();
  void processInput();
  void scheduleFlush();
  void flush();
  bool backpressured() const;
  void maybeSwitchPool();

  // Reply order.
  Request* newRequest();
  Request* addPart(Request* parent, int server);
  void pushLocal(Request* r);
  void writeDone();

  // Redis (client_redis.cc).
  bool processRedis();
  void dispatchRedis(std::string_view raw);
  void redisLocal(Request* r, const splitter::RedisCommand& cmd);
  void redisMulti(Request* r, const splitter::RedisCommand& cmd);
  void redisFanout(Request* r, const splitter::RedisCommand& cmd);
  void redisError(Request* r, std::string_view msg);

  // memcached (client_memcache.cc).
  bool processMemcache();
  void dispatchMemcache(std::string_view raw);
  void memcacheLocal(Request* r);
  void memcacheMultiGet(Request* r);
  void memcacheFanout(Request* r, std::string_view raw);

  Loop& loop_;
  std::shared_ptr<ClientConnection> keepalive_;
  std::shared_ptr<ServerPool> pool_;
  std::shared_ptr<ServerPool> next_pool_;
  asio::posix::stream_descriptor stream_;
  uint64_t id_;
  ByteBuffer in_;
  std::string out_;
  size_t out_off_ = 0;
  Request* head_ = nullptr;  // reply order: oldest first
  Request* tail_ = nullptr;
  size_t queued_ = 0;
  size_t skip_ = 0;  // memcached: bytes of a bad data block still to discard
  bool read_waiting_ = false;
  bool paused_ = false;  // not reading: too much output unsent or too many requests queued
  // The socket may hold bytes the loop will not report (a read stopped at its budget, or a
  // pause during which nothing waited on it): read again without waiting.
  bool must_read_ = false;
  bool write_waiting_ = false;
  bool flush_posted_ = false;
  bool closing_ = false;  // QUIT or protocol error: close after the last reply
  bool closed_ = false;
  bool authenticated_ = false;
  std::string client_name_;
  codec::RespRequest resp_;
  codec::McRequest mc_;
  codec::RespReply merge_reply_;
  std::vector<uint32_t> keys_;
  std::vector<int> part_of_server_;
  std::vector<std::pair<uint32_t, uint32_t>> part_keys_;  // (part, arg index of the key)
  std::vector<uint32_t> part_counts_;
  std::string scratch_;
};

}  // namespace attache::ambassador::net
