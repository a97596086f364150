#include "ambassador-image/proxy/net/server_connection.h"

#include <boost/asio/post.hpp>
#include <chrono>

#include "ambassador-image/proxy/broker/upstream_connector.h"
#include "ambassador-image/proxy/net/server_pool.h"
#include "ambassador-image/proxy/net/tls_transport.h"

namespace attache::ambassador::net {
namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;
constexpr size_t kMaxReadPerWakeup = 1 << 20;
constexpr size_t kShrinkAbove = 4 << 20;

asio::posix::stream_descriptor::wait_type waitType(ServerTransport::Wait w) {
  return w == ServerTransport::Wait::kReadable ? asio::posix::stream_descriptor::wait_read
                                               : asio::posix::stream_descriptor::wait_write;
}

bool isMcError(codec::McReply::Kind k) {
  using K = codec::McReply::Kind;
  return k == K::kError || k == K::kClientError || k == K::kServerError;
}

}  // namespace

ServerConnection::ServerConnection(ServerPool* pool, Loop& loop, int server)
    : pool_(pool), loop_(loop), server_(server), stream_(loop_.io), timer_(loop_.io) {}

ServerConnection::~ServerConnection() {
  if (connector_ != nullptr) connector_->cancel();
  boost::system::error_code ignored;
  stream_.close(ignored);
}

void ServerConnection::send(Request* r, std::string_view bytes) {
  if (state_ == State::kIdle) connect();
  if (state_ == State::kIdle) {  // not allowed to connect yet (backoff)
    if (r != nullptr) failRequest(loop_, r, pool_->config().protocol, "shard unavailable");
    return;
  }
  out_.append(bytes);
  if (r != nullptr) {
    inflight_.push_back(r);
    if (!timer_armed_) armTimer();
  }
  if (state_ == State::kConnected) scheduleFlush();
}

void ServerConnection::connect() {
  if (state_ != State::kIdle || pool_ == nullptr || !pool_->mayConnect(server_)) return;
  const auto& s = pool_->server(server_);
  state_ = State::kConnecting;
  queueHandshake();
  broker::SslPtr ssl;
  if (broker::TlsClientContext* tls = pool_->tlsContext(); tls != nullptr) {
    auto made = broker::newClientSsl(tls->context(), tls->config(), s.host);
    if (!made.ok()) {
      pool_->onHandshakeFailure(server_, made.error().message);
      close(made.error().message);
      return;
    }
    ssl = std::move(*made);
  }
  connector_ = std::make_shared<broker::UpstreamConnector>(loop_.io);
  connector_->start(s, std::move(ssl),
                    std::chrono::milliseconds(std::max(pool_->config().connect_timeout_ms, 1)),
                    [self = shared_from_this(), gen = generation_](broker::ConnectOutcome out) {
                      if (gen == self->generation_) self->onConnected(std::move(out));
                    });
}

void ServerConnection::queueHandshake() {
  const auto& cfg = pool_->config();
  if (cfg.protocol != config::Protocol::kRedis) return;
  auto addInternal = [this](std::initializer_list<std::string_view> args) {
    Request* r = loop_.requests.acquire();
    r->internal = true;
    r->server = server_;
    r->start_ns = Loop::nowNs();
    codec::appendCommand(out_, args);
    inflight_.push_back(r);
  };
  if (std::string pw = pool_->password(); !pw.empty()) addInternal({"AUTH", pw});
  if (cfg.redis_db != 0) addInternal({"SELECT", std::to_string(cfg.redis_db)});
}

// The link is up (TCP, and TLS when configured): AUTH / SELECT and the queued requests go out.
void ServerConnection::onConnected(broker::ConnectOutcome out) {
  connector_.reset();
  if (out.link == nullptr) {
    if (out.failure == broker::FailureKind::kHandshake) {
      pool_->onHandshakeFailure(server_, out.why);
    } else {
      pool_->onConnectFailure(server_, out.why);
    }
    close(out.why);
    return;
  }
  stream_.assign(out.link->stream.release());
  if (out.link->ssl != nullptr) {
    transport_ = std::make_unique<TlsTransport>(std::move(out.link->ssl));
    pool_->onHandshakeOk(server_);
  } else {
    transport_ = std::make_unique<PlainTransport>(stream_.native_handle());
  }
  state_ = State::kConnected;
  more_ = false;
  if (!inflight_.empty()) armTimer();
  auto& st = pool_->serverStats(server_);
  ++st.connects;
  ++st.connections;
  waitReadable();
  flush();
}

void ServerConnection::scheduleFlush() {
  if (flush_posted_ || write_waiting_) return;
  flush_posted_ = true;
  loop_.deferFlush(shared_from_this());
}

void ServerConnection::flush() {
  if (state_ != State::kConnected) return;
  switch (transport_->write(out_, out_off_)) {
    case IoStatus::kDone:
      break;
    case IoStatus::kWouldBlock:
      if (write_waiting_) return;
      write_waiting_ = true;
      stream_.async_wait(waitType(transport_->writeWait()),
                         [self = shared_from_this(), gen = generation_](auto ec) {
                           self->write_waiting_ = false;
                           if (!ec && gen == self->generation_) self->flush();
                         });
      return;
    default: {
      const std::string why = transport_->lastError();
      pool_->onServerFailure(server_, why);
      close(why);
      return;
    }
  }
  if (out_.capacity() > kShrinkAbove) out_.shrink_to_fit();
}

void ServerConnection::waitReadable() {
  if (read_waiting_) return;
  read_waiting_ = true;
  auto on_ready = [self = shared_from_this(), gen = generation_](auto ec) {
    self->read_waiting_ = false;
    if (ec || gen != self->generation_) return;
    Loop::Batch batch(self->loop_);
    self->onReadable();
  };
  if (more_) {  // the last read stopped at its budget: the socket will not report the rest
    more_ = false;
    asio::post(loop_.io,
               [on_ready = std::move(on_ready)] { on_ready(boost::system::error_code()); });
    return;
  }
  stream_.async_wait(waitType(transport_->readWait()), std::move(on_ready));
}

void ServerConnection::onReadable() {
  const IoStatus st = transport_->read(in_, kReadChunk, kMaxReadPerWakeup);
  more_ = st == IoStatus::kBudget;
  if (st == IoStatus::kClosed || st == IoStatus::kError) {
    const std::string why =
        st == IoStatus::kClosed ? "connection closed by server" : transport_->lastError();
    if (!parseReplies()) return;
    pool_->onServerFailure(server_, why);
    close(why);
    return;
  }
  if (!parseReplies()) return;
  waitReadable();
}

// Matches complete replies to the requests in flight. Returns false when the connection was
// closed (garbage from the server).
bool ServerConnection::parseReplies() {
  const bool redis = pool_->config().protocol == config::Protocol::kRedis;
  while (!inflight_.empty() && !in_.empty()) {
    Request* r = inflight_.front();
    std::string_view in = in_.readable();
    codec::ParseOutcome o =
        redis ? codec::parseRespReply(in, resp_) : codec::parseMcReply(in, r->mc_command, mc_);
    if (o.incomplete()) break;
    if (o.failed()) {
      pool_->onServerFailure(server_, o.error);
      close(std::string("invalid reply from shard: ") + std::string(o.error));
      return false;
    }
    bool is_error = redis ? resp_.type == '-' : isMcError(mc_.kind);
    inflight_.pop_front();
    auto& st = pool_->serverStats(server_);
    st.latency.observeNs(Loop::nowNs() - r->start_ns);
    if (r->internal) {
      loop_.requests.release(r);
      if (is_error) {
        pool_->onServerFailure(server_, "upstream AUTH/SELECT refused");
        close("upstream authentication failed");
        return false;
      }
    } else {
      completeRequest(loop_, r, in.substr(0, o.consumed), is_error);
    }
    in_.consume(o.consumed);
  }
  if (inflight_.empty() && !in_.empty()) {
    pool_->onServerFailure(server_, "unexpected data");
    close("unexpected data from shard");
    return false;
  }
  if (inflight_.empty()) pool_->onServerOk(server_);
  if (in_.empty() && in_.capacity() > kShrinkAbove) in_.shrinkTo(kReadChunk);
  return true;
}

void ServerConnection::armTimer() {
  int timeout = pool_->config().timeout_ms;
  if (timeout <= 0 || inflight_.empty() || state_ != State::kConnected) return;
  uint64_t deadline_ns = inflight_.front()->start_ns + static_cast<uint64_t>(timeout) * 1000000;
  uint64_t now = Loop::nowNs();
  timer_.expires_after(std::chrono::nanoseconds(deadline_ns > now ? deadline_ns - now : 0));
  timer_armed_ = true;
  timer_.async_wait([self = shared_from_this(), gen = generation_](auto ec) {
    if (ec || gen != self->generation_) return;
    self->timer_armed_ = false;
    self->onTimer();
  });
}

void ServerConnection::onTimer() {
  if (inflight_.empty()) return;
  uint64_t age_ns = Loop::nowNs() - inflight_.front()->start_ns;
  if (age_ns >= static_cast<uint64_t>(pool_->config().timeout_ms) * 1000000) {
    ++pool_->serverStats(server_).timeouts;
    pool_->onServerFailure(server_, "request timed out");
    close("request timed out");
    return;
  }
  armTimer();
}

void ServerConnection::failAll(std::string_view why) {
  std::deque<Request*> failed;
  failed.swap(inflight_);
  for (Request* r : failed) {
    if (r->internal) {
      loop_.requests.release(r);
    } else {
      failRequest(loop_, r, pool_->config().protocol, why);
    }
  }
}

void ServerConnection::close(std::string_view why) {
  if (pool_ == nullptr) return;
  ++generation_;
  if (state_ == State::kConnected) --pool_->serverStats(server_).connections;
  state_ = State::kIdle;
  if (connector_ != nullptr) connector_->cancel();
  connector_.reset();
  boost::system::error_code ignored;
  stream_.close(ignored);
  transport_.reset();
  timer_.cancel();
  timer_armed_ = false;
  write_waiting_ = read_waiting_ = false;
  in_.consume(in_.size());
  resp_.clear();  // a parse hint belongs to the old stream
  mc_.clear();
  out_.clear();
  out_off_ = 0;
  failAll(why);
}

void ServerConnection::detach() {
  close("listener removed");
  pool_ = nullptr;
}

}  // namespace attache::ambassador::net
