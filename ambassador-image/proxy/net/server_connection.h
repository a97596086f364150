// One connection from the ambassador to one shard: pipelines requests from many clients,
// matches replies to requests in order, enforces the request timeout. The link is opened by a
// broker::UpstreamConnector (resolve, connect, and the TLS handshake when the pool has TLS);
// bytes then go through a ServerTransport (plain or TLS).
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "ambassador-image/proxy/codec/memcache.h"
#include "ambassador-image/proxy/codec/resp.h"
#include "ambassador-image/proxy/config/pool_config.h"
#include "ambassador-image/proxy/net/byte_buffer.h"
#include "ambassador-image/proxy/net/loop.h"
#include "ambassador-image/proxy/net/server_transport.h"

namespace attache::ambassador::broker {
class UpstreamConnector;
struct ConnectOutcome;
}  // namespace attache::ambassador::broker

namespace attache::ambassador::net {

class ServerPool;

class ServerConnection : public std::enable_shared_from_this<ServerConnection> {
 public:
  // The pool owns its connections and detaches them before it goes away.
  ServerConnection(ServerPool* pool, Loop& loop, int server);
  ~ServerConnection();

  // Queues `bytes` for `r` (r may be null for a request that expects no reply, e.g. memcached
  // noreply); connects first when needed.
  void send(Request* r, std::string_view bytes);
  void connect();
  // Fails every request in flight with `why` and drops the connection; a later send reconnects.
  void close(std::string_view why);
  // Final close when the pool goes away; handlers still pending become no-ops.
  void detach();
  bool connected() const { return state_ == State::kConnected; }
  // Called by Loop::flushDeferred().
  void flushDeferredOutput() {
    flush_posted_ = false;
    flush();
  }

 private:
  enum class State { kIdle, kConnecting, kConnected };

  void onConnected(broker::ConnectOutcome out);
  void queueHandshake();
  void scheduleFlush();
  void flush();
  void waitReadable();
  void onReadable();
  bool parseReplies();
  void armTimer();
  void onTimer();
  void failAll(std::string_view why);

  ServerPool* pool_;
  Loop& loop_;
  int server_;
  State state_ = State::kIdle;
  std::shared_ptr<broker::UpstreamConnector> connector_;  // while connecting
  asio::posix::stream_descriptor stream_;
  std::unique_ptr<ServerTransport> transport_;  // while connected
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  bool flush_posted_ = false;
  bool write_waiting_ = false;
  bool read_waiting_ = false;
  bool more_ = false;  // the last read stopped at its budget
  ByteBuffer in_;
  std::string out_;
  size_t out_off_ = 0;
  std::deque<Request*> inflight_;  // awaiting a reply, in send order
  codec::RespReply resp_;
  codec::McReply mc_;
  uint64_t generation_ = 0;  // bumps on close: stale handlers notice
};

// Completes `r` with `bytes` (a whole reply frame): fills a fan-out parent, or hands the reply
// to the client. Defined with the client side.
void completeRequest(Loop& loop, Request* r, std::string_view bytes, bool is_error);
// Completes `r` with an error the proxy produced ("ERR ..." / "SERVER_ERROR ...").
void failRequest(Loop& loop, Request* r, config::Protocol protocol, std::string_view why);

}  // namespace attache::ambassador::net
