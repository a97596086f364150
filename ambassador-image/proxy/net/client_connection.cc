#include "ambassador-image/proxy/net/client_connection.h"

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <cerrno>

#include "ambassador-image/proxy/net/merge.h"
#include "ambassador-image/proxy/net/server_pool.h"
#include "ambassador-image/proxy/net/socket_io.h"

namespace attache::ambassador::net {
namespace {

constexpr size_t kReadChunk = size_t{16} * 1024;
constexpr size_t kMaxReadPerWakeup = size_t{512} * 1024;
constexpr size_t kMaxPendingOutput = 8 << 20;     // stop reading while this much is unsent
constexpr size_t kMaxQueued = size_t{64} * 1024;  // requests awaiting replies per client
constexpr size_t kShrinkAbove = 4 << 20;

// Hands a finished top-level request to its client, or drops it when the client has gone.
void finishTop(Loop& loop, Request* r, std::string_view bytes) {
  r->done = true;
  if (r->client == nullptr) {
    loop.requests.release(r);
    return;
  }
  r->client->onComplete(r, bytes);
}

}  // namespace

void completeRequest(Loop& loop, Request* r, std::string_view bytes, bool is_error) {
  r->failed = is_error;
  if (r->parent == nullptr) {
    finishTop(loop, r, bytes);
    return;
  }
  r->reply.assign(bytes);
  r->done = true;
  Request* parent = r->parent;
  if (--parent->pending > 0) return;
  mergeParts(*parent);
  finishTop(loop, parent, {});
}

void failRequest(Loop& loop, Request* r, config::Protocol protocol, std::string_view why) {
  std::string msg;
  if (protocol == config::Protocol::kRedis) {
    msg = "-ERR shard unavailable: ";
    msg.append(why);
    msg.append("\r\n");
  } else {
    msg = "SERVER_ERROR ";
    msg.append(why);
    msg.append("\r\n");
  }
  completeRequest(loop, r, msg, true);
}

ClientConnection::ClientConnection(Loop& loop, std::shared_ptr<ServerPool> pool, int fd,
                                   uint64_t id)
    : loop_(loop), pool_(std::move(pool)), stream_(loop.io, fd), id_(id), in_(kReadChunk) {
  auto& st = pool_->stats();
  ++st.client_connections;
  ++st.client_connections_total;
}

ClientConnection::~ClientConnection() { close(); }

// The connection owns itself until close(): pending replies, backpressure pauses and QUIT
// all leave it without an outstanding read, and only close() may end it.
void ClientConnection::start() {
  keepalive_ = shared_from_this();
  waitReadable();
}

void ClientConnection::waitReadable() {
  if (read_waiting_ || closed_ || closing_) return;
  if (backpressured()) {
    paused_ = true;  // resumed by flush() once the client has caught up
    must_read_ = true;
    return;
  }
  read_waiting_ = true;
  auto on_ready = [self = shared_from_this()](const boost::system::error_code& ec) {
    self->read_waiting_ = false;
    if (ec || self->closed_) return;
    Loop::Batch batch(self->loop_);
    self->onReadable();
  };
  if (must_read_) {
    must_read_ = false;
    asio::post(loop_.io,
               [on_ready = std::move(on_ready)] { on_ready(boost::system::error_code()); });
    return;
  }
  stream_.async_wait(asio::posix::stream_descriptor::wait_read, std::move(on_ready));
}

bool ClientConnection::backpressured() const {
  return out_.size() - out_off_ > kMaxPendingOutput || queued_ > kMaxQueued;
}

void ClientConnection::onReadable() {
  const IoStatus st = readSome(stream_.native_handle(), in_, kReadChunk, kMaxReadPerWakeup);
  must_read_ = st == IoStatus::kBudget;
  const bool eof = st == IoStatus::kClosed || st == IoStatus::kError;
  processInput();
  if (eof) closing_ = true;  // half-closed or gone: answer what it sent, then close
  if (closing_) {
    if (queued_ == 0) flush();  // closes once the output is written
    return;
  }
  waitReadable();
}

void ClientConnection::processInput() {
  bool keep_going =
      pool_->config().protocol == config::Protocol::kRedis ? processRedis() : processMemcache();
  (void)keep_going;
  if (in_.empty() && in_.capacity() > kShrinkAbove) in_.shrinkTo(kReadChunk);
  if (out_off_ < out_.size()) scheduleFlush();
}

Request* ClientConnection::newRequest() {
  maybeSwitchPool();
  Request* r = loop_.requests.acquire();
  r->client = this;
  r->start_ns = Loop::nowNs();
  if (tail_ == nullptr) {
    head_ = tail_ = r;
  } else {
    tail_->next = r;
    tail_ = r;
  }
  ++queued_;
  ++pool_->stats().requests;
  return r;
}

// A fan-out part of `parent` bound for shard `server`.
Request* ClientConnection::addPart(Request* parent, int server) {
  Request* part = loop_.requests.acquire();
  part->parent = parent;
  part->server = server;
  part->start_ns = parent->start_ns;
  part->mc_command = parent->mc_command;
  parent->children.push_back(part);
  return part;
}

void ClientConnection::maybeSwitchPool() {
  if (next_pool_ != nullptr && queued_ == 0) {
    --pool_->stats().client_connections;
    pool_ = std::move(next_pool_);
    ++pool_->stats().client_connections;
  }
}

void ClientConnection::pushLocal(Request* r) {
  r->done = true;
  onComplete(r, {});
}

void ClientConnection::onComplete(Request* r, std::string_view direct_bytes) {
  if (r != head_) {
    if (!direct_bytes.empty()) r->reply.assign(direct_bytes);
    return;
  }
  out_.append(direct_bytes.empty() ? std::string_view(r->reply) : direct_bytes);
  writeDone();
  while (head_ != nullptr && head_->done) {
    out_.append(head_->reply);
    writeDone();
  }
  scheduleFlush();
}

// Pops the head of the reply order once its bytes are in out_.
void ClientConnection::writeDone() {
  Request* r = head_;
  head_ = r->next;
  if (head_ == nullptr) tail_ = nullptr;
  --queued_;
  auto& st = pool_->stats();
  st.latency.observeNs(Loop::nowNs() - r->start_ns);
  if (r->failed) ++st.errors;
  if (r->close_after) closing_ = true;
  loop_.requests.release(r);
}

void ClientConnection::scheduleFlush() {
  if (flush_posted_ || write_waiting_ || closed_) return;
  flush_posted_ = true;
  loop_.deferFlush(shared_from_this());
}

void ClientConnection::flush() {
  if (closed_) return;
  switch (writeSome(stream_.native_handle(), out_, out_off_)) {
    case IoStatus::kDone:
      break;
    case IoStatus::kWouldBlock:
      if (write_waiting_) return;
      write_waiting_ = true;
      stream_.async_wait(asio::posix::stream_descriptor::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           self->write_waiting_ = false;
                           if (!ec) self->flush();
                         });
      return;
    default:
      close();
      return;
  }
  if (out_.capacity() > kShrinkAbove) out_.shrink_to_fit();
  if (closing_ && queued_ == 0) {
    close();
    return;
  }
  if (paused_ && !backpressured()) {
    paused_ = false;
    processInput();  // input held back while the client was not reading its replies
  }
  waitReadable();
}

void ClientConnection::close() {
  if (closed_) return;
  closed_ = true;
  auto self = std::move(keepalive_);  // may be the last reference: released on return
  boost::system::error_code ignored;
  stream_.close(ignored);
  // Requests still in flight finish without us: their replies are dropped.
  for (Request* r = head_; r != nullptr;) {
    Request* next = r->next;
    r->next = nullptr;
    if (r->done) {
      loop_.requests.release(r);
    } else {
      r->client = nullptr;
    }
    r = next;
  }
  head_ = tail_ = nullptr;
  queued_ = 0;
  if (pool_ != nullptr) --pool_->stats().client_connections;
}

}  // namespace attache::ambassador::net
