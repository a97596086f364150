#include "ambassador-image/proxy/broker/broker_session.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <climits>
#include <cstring>

namespace attache::ambassador::broker {
namespace {

// The protocol to hand Asio with an accepted fd (a unix-socket listener reads the same way).
asio::ip::tcp protocolOf(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
      addr.ss_family == AF_INET6) {
    return asio::ip::tcp::v6();
  }
  return asio::ip::tcp::v4();
}

}  // namespace

size_t BrokerSession::Buffer::room() {
  if (!pinned && begin > 0 && cap - end < cap / 2) {
    std::memmove(data.get(), data.get() + begin, end - begin);
    end -= begin;
    begin = 0;
  }
  return cap - end;
}

void BrokerSession::Buffer::consume(size_t n) {
  begin += n;
  if (begin == end && !pinned) begin = end = 0;
}

BrokerSession::BrokerSession(asio::io_context& io, int client_fd,
                             std::unique_ptr<UpstreamLink> upstream, CandidatePtr candidate,
                             std::shared_ptr<BrokerStats> stats, const SessionLimits& limits)
    : io_(io),
      client_(io),
      upstream_(io),
      to_upstream_(limits.buffer_bytes),
      to_client_(limits.buffer_bytes),
      candidate_(std::move(candidate)),
      stats_(std::move(stats)),
      limits_(limits),
      idle_timer_(io) {
  boost::system::error_code ignored;
  client_.stream.assign(protocolOf(client_fd), client_fd, ignored);
  upstream_.stream = std::move(upstream->stream);
  ssl_ = std::move(upstream->ssl);
  upstream_.ssl = ssl_.get();
  ++candidate_->stats.connections;
  ++stats_->relayed_total;
}

BrokerSession::~BrokerSession() { close(); }

void BrokerSession::start() {
  keepalive_ = shared_from_this();
  last_activity_ = std::chrono::steady_clock::now();
  if (limits_.idle_timeout.count() > 0) armIdleTimer(limits_.idle_timeout);
  pump();
}

bool BrokerSession::mayTry(const Side& s, Need need) {
  return need == Need::kNothing || (need == Need::kReadable && s.readable) ||
         (need == Need::kWritable && s.writable);
}

void BrokerSession::block(Side& s, Need& slot, Need need) {
  slot = need;
  (need == Need::kReadable ? s.readable : s.writable) = false;
}

// A plain socket is read by the event loop itself (async_read_some): queueing the next read
// costs one recv probe at most, and no epoll_ctl as re-arming a readiness wait does.
void BrokerSession::startRead(Side& from, Buffer& buf) {
  const size_t room = buf.room();
  from.read_pending = true;
  buf.pinned = true;  // the loop writes at buf.end: nothing may move the buffer meanwhile
  from.stream.async_read_some(
      asio::buffer(buf.data.get() + buf.end, room),
      [self = shared_from_this(), &from, &buf](const boost::system::error_code& ec, size_t n) {
        from.read_pending = false;
        buf.pinned = false;
        if (self->closed_) return;
        if (ec == asio::error::eof) {
          from.eof = true;
        } else if (ec) {
          self->failed_ = true;
        } else {
          buf.end += n;
        }
        if (buf.size() == 0) buf.begin = buf.end = 0;
        self->pump();
      });
}

// TLS: OpenSSL reads the socket; WANT_READ / WANT_WRITE become readiness waits.
BrokerSession::Io BrokerSession::readTls(Side& from, Buffer& buf) {
  const size_t room = std::min<size_t>(buf.room(), INT_MAX);
  char* at = buf.data.get() + buf.end;
  int n = SSL_read(from.ssl, at, static_cast<int>(room));
  if (n > 0) {
    buf.end += static_cast<size_t>(n);
    // Read on until WANT_READ: OpenSSL reads ahead at most its buffer's size, so an empty
    // buffer does not mean an empty socket, and the loop's edge-triggered epoll would not
    // report what the socket already holds.
    from.read_need = Need::kNothing;
    return Io::kProgress;
  }
  switch (SSL_get_error(from.ssl, n)) {
    case SSL_ERROR_WANT_READ:
      block(from, from.read_need, Need::kReadable);
      return Io::kBlocked;
    case SSL_ERROR_WANT_WRITE:
      block(from, from.read_need, Need::kWritable);
      return Io::kBlocked;
    case SSL_ERROR_ZERO_RETURN:
      return Io::kEof;
    default:
      ERR_clear_error();
      return Io::kError;
  }
}

BrokerSession::Io BrokerSession::writeFrom(Side& to, Buffer& buf) {
  const char* at = buf.data.get() + buf.begin;
  const size_t len = buf.size();
  if (to.ssl == nullptr) {
    ssize_t n = ::send(to.stream.native_handle(), at, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      buf.consume(static_cast<size_t>(n));
      to.write_need = Need::kNothing;
      if (static_cast<size_t>(n) < len) block(to, to.write_need, Need::kWritable);  // full
      return Io::kProgress;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      block(to, to.write_need, Need::kWritable);
      return Io::kBlocked;
    }
    return Io::kError;
  }
  int n = SSL_write(to.ssl, at, static_cast<int>(std::min<size_t>(len, INT_MAX)));
  if (n > 0) {
    buf.consume(static_cast<size_t>(n));
    to.write_need = Need::kNothing;
    return Io::kProgress;
  }
  switch (SSL_get_error(to.ssl, n)) {
    case SSL_ERROR_WANT_READ:
      block(to, to.write_need, Need::kReadable);
      return Io::kBlocked;
    case SSL_ERROR_WANT_WRITE:
      block(to, to.write_need, Need::kWritable);
      return Io::kBlocked;
    default:
      ERR_clear_error();
      return Io::kError;
  }
}

// Moves what it can from `from` through `buf` to `to`; true on progress. Sets failed_ on an
// error.
bool BrokerSession::transfer(Side& from, Buffer& buf, Side& to, uint64_t& counter, size_t& moved) {
  bool progress = false;
  if (from.ssl == nullptr && !from.eof && !buf.full() && !from.read_pending) {
    startRead(from, buf);
  } else if (from.ssl != nullptr && !from.eof && !buf.full() && mayTry(from, from.read_need)) {
    switch (readTls(from, buf)) {
      case Io::kProgress:
        progress = true;
        break;
      case Io::kEof:
        from.eof = true;
        progress = true;
        break;
      case Io::kError:
        failed_ = true;
        return false;
      case Io::kBlocked:
        break;
    }
  }
  if (buf.size() > 0 && mayTry(to, to.write_need)) {
    const size_t before = buf.size();
    switch (writeFrom(to, buf)) {
      case Io::kProgress:
        counter += before - buf.size();
        moved += before - buf.size();
        progress = true;
        break;
      case Io::kError:
      case Io::kEof:
        failed_ = true;
        return false;
      case Io::kBlocked:
        break;
    }
  }
  return progress;
}

void BrokerSession::pump() {
  if (closed_) return;
  if (failed_) {
    ++stats_->resets;
    close();
    return;
  }
  size_t moved = 0;
  bool progress = true;
  bool any = false;
  while (progress && !failed_ && moved < limits_.max_bytes_per_turn) {
    progress = transfer(client_, to_upstream_, upstream_, stats_->bytes_upstream, moved);
    progress |= transfer(upstream_, to_client_, client_, stats_->bytes_downstream, moved);
    any |= progress;
  }
  if (failed_) {
    ++stats_->resets;
    close();
    return;
  }
  if (any) last_activity_ = std::chrono::steady_clock::now();
  propagateEof();
  if (client_.eof && upstream_.eof && client_.shut && upstream_.shut) {
    close();
    return;
  }
  if (progress && !pump_posted_) {  // the turn's budget is spent: let other connections run
    pump_posted_ = true;
    asio::post(io_, [self = shared_from_this()] {
      self->pump_posted_ = false;
      self->pump();
    });
    return;
  }
  arm(client_, to_upstream_, to_client_);
  arm(upstream_, to_client_, to_upstream_);
}

void BrokerSession::propagateEof() {
  if (client_.eof && to_upstream_.size() == 0 && !upstream_.shut) shutdownWrite(upstream_);
  if (upstream_.eof && to_client_.size() == 0 && !client_.shut) shutdownWrite(client_);
}

void BrokerSession::shutdownWrite(Side& s) {
  s.shut = true;
  if (s.ssl != nullptr) {
    (void)SSL_shutdown(s.ssl);  // close_notify; reading stays possible
    ERR_clear_error();
  }
  ::shutdown(s.stream.native_handle(), SHUT_WR);
}

// Waits for what the blocked operations of `s` need. `in` is the buffer `s` reads into, `out`
// the one written to `s`.
void BrokerSession::arm(Side& s, const Buffer& in, const Buffer& out) {
  bool want_read = false;
  bool want_write = false;
  auto consider = [&](bool pending, Need need) {
    if (!pending) return;
    if (need == Need::kReadable && !s.readable) want_read = true;
    if (need == Need::kWritable && !s.writable) want_write = true;
  };
  consider(!s.eof && !in.full(), s.read_need);
  consider(out.size() > 0, s.write_need);
  const bool paused = !s.eof && in.full();
  if (paused && !s.paused) ++stats_->backpressure_pauses;
  s.paused = paused;
  if (want_read && !s.read_armed) wait(s, true);
  if (want_write && !s.write_armed) wait(s, false);
}

void BrokerSession::wait(Side& s, bool for_read) {
  (for_read ? s.read_armed : s.write_armed) = true;
  auto type = for_read ? asio::ip::tcp::socket::wait_read : asio::ip::tcp::socket::wait_write;
  s.stream.async_wait(
      type, [self = shared_from_this(), &s, for_read](const boost::system::error_code& ec) {
        (for_read ? s.read_armed : s.write_armed) = false;
        if (ec || self->closed_) return;
        (for_read ? s.readable : s.writable) = true;
        self->pump();
      });
}

void BrokerSession::armIdleTimer(std::chrono::nanoseconds after) {
  idle_timer_.expires_after(after);
  idle_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->closed_) self->onIdleTimer();
  });
}

void BrokerSession::onIdleTimer() {
  auto idle = std::chrono::steady_clock::now() - last_activity_;
  if (idle >= limits_.idle_timeout) {
    ++stats_->idle_timeouts;
    close();
    return;
  }
  armIdleTimer(limits_.idle_timeout - idle);
}

void BrokerSession::close() {
  if (closed_) return;
  closed_ = true;
  auto self = std::move(keepalive_);  // may be the last reference: released on return
  boost::system::error_code ignored;
  idle_timer_.cancel();
  client_.stream.close(ignored);
  upstream_.stream.close(ignored);
  upstream_.ssl = nullptr;
  ssl_.reset();
  --candidate_->stats.connections;
  --stats_->connections;
}

}  // namespace attache::ambassador::broker
