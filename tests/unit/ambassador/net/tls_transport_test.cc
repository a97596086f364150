// The TLS transport of shard connections over a socketpair, against an OpenSSL server driven
// by the test on the same thread: round trips, a large write across WANT_WRITE while the
// buffer grows and moves, reads that stop at the budget and say what OpenSSL still holds, an
// orderly close, an EOF, and garbage.
#include "ambassador-image/proxy/net/tls_transport.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

#include "tests/support/subprocess.h"
#include "tests/unit/ambassador/broker/test_certs.h"

namespace attache::ambassador::net {
namespace {

using attache::testing::makePki;
using attache::testing::TempDir;
using attache::testing::TestPki;

char patternAt(size_t i) { return static_cast<char>('a' + (i * 7 + i / 1021) % 26); }

std::string pattern(size_t from, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) out[i] = patternAt(from + i);
  return out;
}

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

class TlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = makePki(dir_.file("pki"), "Transport CA");
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0);
    int small = 16 * 1024;  // WANT_WRITE comes quickly
    for (int fd : fds_) {
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    }
    config::TlsConfig tls;
    tls.enabled = true;
    tls.ca_file = pki_.ca_crt;
    auto ctx = broker::buildClientContext(tls);
    ASSERT_TRUE(ctx.ok()) << ctx.error().message;
    auto ssl = broker::newClientSsl(*ctx, tls, "localhost");
    ASSERT_TRUE(ssl.ok()) << ssl.error().message;
    client_ssl_ = ssl->get();
    SSL_set_fd(client_ssl_, fds_[0]);
    server_ctx_.reset(SSL_CTX_new(TLS_server_method()));
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(server_ctx_.get(), pki_.server_crt.c_str()), 1);
    ASSERT_EQ(
        SSL_CTX_use_PrivateKey_file(server_ctx_.get(), pki_.server_key.c_str(), SSL_FILETYPE_PEM),
        1);
    server_.reset(SSL_new(server_ctx_.get()));
    SSL_set_fd(server_.get(), fds_[1]);
    ASSERT_TRUE(handshake());
    transport_ = std::make_unique<TlsTransport>(std::move(*ssl));
  }

  void TearDown() override {
    transport_.reset();
    server_.reset();
    for (int fd : fds_) {
      if (fd >= 0) ::close(fd);
    }
  }

  // Both sides are non-blocking: step them in turn until both are done.
  bool handshake() {
    bool client_done = false, server_done = false;
    for (int i = 0; i < 1000 && !(client_done && server_done); ++i) {
      if (!client_done) client_done = step(SSL_connect(client_ssl_), client_ssl_);
      if (!server_done) server_done = step(SSL_accept(server_.get()), server_.get());
    }
    return client_done && server_done;
  }
  static bool step(int ret, SSL* ssl) {
    if (ret == 1) return true;
    int err = SSL_get_error(ssl, ret);
    EXPECT_TRUE(err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        << broker::opensslError("handshake");
    return false;
  }

  // Everything the server can read now.
  std::string serverRead() {
    std::string out;
    char buf[16384];
    while (true) {
      int n = SSL_read(server_.get(), buf, sizeof(buf));
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ERR_clear_error();
    return out;
  }
  // Writes `data` from the server, letting `drain` make room whenever the socket is full.
  void serverWrite(const std::string& data, const std::function<void()>& drain) {
    size_t off = 0;
    while (off < data.size()) {
      int n = SSL_write(server_.get(), data.data() + off, static_cast<int>(data.size() - off));
      if (n > 0) {
        off += static_cast<size_t>(n);
      } else {
        ASSERT_EQ(SSL_get_error(server_.get(), n), SSL_ERROR_WANT_WRITE);
        drain();
      }
    }
  }

  struct CtxFree {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  TempDir dir_;
  TestPki pki_;
  int fds_[2] = {-1, -1};
  SSL* client_ssl_ = nullptr;  // owned by transport_
  std::unique_ptr<SSL_CTX, CtxFree> server_ctx_;
  broker::SslPtr server_;
  std::unique_ptr<TlsTransport> transport_;
};

TEST_F(TlsTransportTest, RoundTripsBytesAndReportsADrainedSocketAsDone) {
  std::string out = "PING";
  size_t off = 0;
  ASSERT_EQ(transport_->write(out, off), IoStatus::kDone);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(off, 0u);
  EXPECT_EQ(serverRead(), "PING");
  serverWrite("+PONG\r\n", [] {});
  ByteBuffer in(1024);
  ASSERT_EQ(transport_->read(in, 1024, 1 << 20), IoStatus::kDone);
  EXPECT_EQ(in.readable(), "+PONG\r\n");
  EXPECT_EQ(transport_->readWait(), ServerTransport::Wait::kReadable);
  EXPECT_FALSE(readable(fds_[0])) << "kDone: the socket is empty";
  ASSERT_EQ(transport_->read(in, 1024, 1 << 20), IoStatus::kDone) << "nothing more: not an EOF";
  EXPECT_EQ(in.size(), 7u);
}

TEST_F(TlsTransportTest, WritesALargeBufferAcrossWouldBlockWhileItGrowsAndMoves) {
  const size_t first = 2 << 20, more = 3 << 20;
  std::string out = pattern(0, first);
  size_t off = 0;
  std::string received;
  ASSERT_EQ(transport_->write(out, off), IoStatus::kWouldBlock);
  EXPECT_EQ(transport_->writeWait(), ServerTransport::Wait::kWritable);
  EXPECT_LT(off, first);
  // More requests are queued while the socket is full: `out` reallocates.
  const char* before = out.data();
  out += pattern(first, more);
  EXPECT_NE(out.data(), before);
  int rounds = 0;
  IoStatus st = IoStatus::kWouldBlock;
  while (st == IoStatus::kWouldBlock && ++rounds < 100000) {
    received += serverRead();
    st = transport_->write(out, off);
  }
  ASSERT_EQ(st, IoStatus::kDone) << transport_->lastError();
  for (int i = 0; i < 100 && received.size() < first + more; ++i) received += serverRead();
  ASSERT_EQ(received.size(), first + more);
  EXPECT_TRUE(received == pattern(0, first + more)) << "every byte, in order, once";
}

// The event loop's epoll is edge-triggered: bytes already in the socket when it waits are not
// reported. So kDone must mean the socket is empty, and anything else is kBudget (read again
// without waiting).
TEST_F(TlsTransportTest, ReadsPastWhatOpenSslReadsAheadUntilTheSocketIsEmpty) {
  const size_t total = 256 * 1024;  // many read-ahead buffers' worth, all in the socket at once
  int big = 1 << 20;
  for (int fd : fds_) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  }
  serverWrite(pattern(0, total), [] { FAIL() << "the socket buffers should hold it all"; });
  ByteBuffer in(64 * 1024);
  ASSERT_EQ(transport_->read(in, 64 * 1024, 1 << 20), IoStatus::kDone);
  EXPECT_FALSE(readable(fds_[0])) << "kDone left bytes in the socket";
  ASSERT_EQ(in.size(), total);
  EXPECT_TRUE(in.readable() == pattern(0, total));
}

TEST_F(TlsTransportTest, StopsAtTheBudgetAndNeverLeavesBytesTheSocketWillNotReport) {
  const size_t total = 1 << 20;
  int big = 1 << 20;  // records queue up in the socket: read-ahead takes more than one
  for (int fd : fds_) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  }
  ByteBuffer in(64 * 1024);
  std::string got;
  bool saw_budget = false;
  auto drain = [&] {
    // What the connection does when the socket reports bytes: read, and read again at once
    // while the transport says kBudget.
    IoStatus st = IoStatus::kBudget;
    while (st == IoStatus::kBudget) {
      st = transport_->read(in, 64 * 1024, 8 * 1024);
      ASSERT_TRUE(st == IoStatus::kDone || st == IoStatus::kBudget) << transport_->lastError();
      saw_budget |= st == IoStatus::kBudget;
      got.append(in.readable());
      in.consume(in.size());
    }
    EXPECT_FALSE(readable(fds_[0])) << "kDone left bytes in the socket";
  };
  serverWrite(pattern(0, total), drain);
  drain();
  EXPECT_EQ(got.size(), total) << "no bytes stranded inside OpenSSL or the socket";
  EXPECT_TRUE(got == pattern(0, total));
  EXPECT_TRUE(saw_budget) << "a budget under a record stops the read early";
}

TEST_F(TlsTransportTest, ReportsAnOrderlyCloseAsClosed) {
  serverWrite("+OK\r\n", [] {});
  SSL_shutdown(server_.get());
  ByteBuffer in(1024);
  EXPECT_EQ(transport_->read(in, 1024, 1 << 20), IoStatus::kClosed);
  EXPECT_EQ(in.readable(), "+OK\r\n") << "what came before the close is kept";
}

TEST_F(TlsTransportTest, ReportsAnEofWithoutCloseNotifyAsClosed) {
  ::close(fds_[1]);
  fds_[1] = -1;
  ByteBuffer in(1024);
  EXPECT_EQ(transport_->read(in, 1024, 1 << 20), IoStatus::kClosed);
}

TEST_F(TlsTransportTest, ReportsGarbageAsAnErrorWithTheOpenSslReason) {
  const std::string junk = "-ERR this is not a TLS record\r\n";
  ASSERT_EQ(::send(fds_[1], junk.data(), junk.size(), 0), static_cast<ssize_t>(junk.size()));
  ByteBuffer in(1024);
  EXPECT_EQ(transport_->read(in, 1024, 1 << 20), IoStatus::kError);
  EXPECT_EQ(transport_->lastError().rfind("TLS: ", 0), 0u) << transport_->lastError();
  EXPECT_EQ(ERR_peek_error(), 0u) << "the error queue is left empty for the next connection";
}

}  // namespace
}  // namespace attache::ambassador::net
