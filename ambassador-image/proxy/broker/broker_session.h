// One brokered connection once its upstream is open: bytes both ways between the client's
// socket and the upstream (plain TCP, or TLS through OpenSSL over the non-blocking fd).
//
// A plain socket is read by the event loop (async_read_some). Otherwise readiness is tracked
// per socket: an operation is tried until the socket says EAGAIN (or OpenSSL says WANT_READ /
// WANT_WRITE), and only then is the event loop asked to wait.
// Each direction has one fixed buffer: a side is not read while the buffer towards the other
// side is full (backpressure), so memory per connection is bounded. An EOF is forwarded as a
// half-close once the buffer behind it has drained; the session ends when both directions
// have ended, on an error, or after the idle timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>

#include "ambassador-image/proxy/broker/broker_upstreams.h"
#include "ambassador-image/proxy/broker/upstream_connector.h"

namespace attache::ambassador::broker {

struct BrokerStats {
  uint64_t connections_total = 0;  // accepted clients
  int64_t connections = 0;         // open: connecting or relaying
  uint64_t relayed_total = 0;      // clients that reached an upstream
  uint64_t unavailable = 0;        // clients closed because no candidate could be reached
  uint64_t bytes_upstream = 0;     // client -> upstream (plain text)
  uint64_t bytes_downstream = 0;   // upstream -> client
  uint64_t idle_timeouts = 0;
  uint64_t backpressure_pauses = 0;  // a side left unread because the other side is slow
  uint64_t resets = 0;               // sessions ended by a socket or TLS error
  uint64_t tls_reloads = 0;          // TLS credentials re-read after a change on disk
  uint64_t tls_reload_failures = 0;  // ... that failed (the previous ones stay)
};

struct SessionLimits {
  size_t buffer_bytes = 64 * 1024;  // per direction
  // 0: never. A BrokerRuntime takes it from its listener's PoolConfig::idle_timeout_ms.
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};
  size_t max_bytes_per_turn = 1 << 20;  // then yield to other connections
};

class BrokerSession : public std::enable_shared_from_this<BrokerSession> {
 public:
  BrokerSession(asio::io_context& io, int client_fd, std::unique_ptr<UpstreamLink> upstream,
                CandidatePtr candidate, std::shared_ptr<BrokerStats> stats,
                const SessionLimits& limits);
  ~BrokerSession();
  BrokerSession(const BrokerSession&) = delete;
  BrokerSession& operator=(const BrokerSession&) = delete;

  // The session keeps itself alive until it ends.
  void start();
  void close();
  bool closed() const { return closed_; }

 private:
  enum class Need : uint8_t { kNothing, kReadable, kWritable };
  enum class Io : uint8_t { kProgress, kBlocked, kEof, kError };

  struct Buffer {
    explicit Buffer(size_t capacity) : data(new char[capacity]), cap(capacity) {}
    std::unique_ptr<char[]> data;
    size_t cap;
    size_t begin = 0;
    size_t end = 0;
    bool pinned = false;  // a read into it is in flight
    size_t size() const { return end - begin; }
    bool full() const { return begin == 0 && end == cap; }
    // Contiguous room at the end, compacting first when that helps.
    size_t room();
    void consume(size_t n);
  };

  struct Side {
    explicit Side(asio::io_context& io) : stream(io) {}
    asio::ip::tcp::socket stream;
    SSL* ssl = nullptr;
    bool readable = true;  // false after EAGAIN / WANT_READ until the loop reports readiness
    bool writable = true;
    Need read_need = Need::kNothing;  // what the last blocked read waits for
    Need write_need = Need::kNothing;
    bool read_armed = false;
    bool read_pending = false;  // plain: an async read is in flight
    bool write_armed = false;
    bool eof = false;     // nothing more will come from this side
    bool shut = false;    // our EOF was sent to this side
    bool paused = false;  // not read: the buffer towards the other side is full
  };

  static bool mayTry(const Side& s, Need need);
  static void block(Side& s, Need& slot, Need need);
  void startRead(Side& from, Buffer& buf);
  Io readTls(Side& from, Buffer& buf);
  Io writeFrom(Side& to, Buffer& buf);
  bool transfer(Side& from, Buffer& buf, Side& to, uint64_t& counter, size_t& moved);
  void pump();
  void propagateEof();
  void arm(Side& s, const Buffer& in, const Buffer& out);
  void wait(Side& s, bool for_read);
  void armIdleTimer(std::chrono::nanoseconds after);
  void onIdleTimer();
  void shutdownWrite(Side& s);

  asio::io_context& io_;
  Side client_;
  Side upstream_;
  SslPtr ssl_;  // the upstream's TLS state; null for plain TCP
  Buffer to_upstream_;
  Buffer to_client_;
  CandidatePtr candidate_;
  std::shared_ptr<BrokerStats> stats_;
  SessionLimits limits_;
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;
  std::shared_ptr<BrokerSession> keepalive_;
  bool pump_posted_ = false;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace attache::ambassador::broker
