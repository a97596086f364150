#include "ambassador-image/proxy/broker/upstream_connector.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

namespace attache::ambassador::broker {

using tcp = asio::ip::tcp;

UpstreamConnector::UpstreamConnector(asio::io_context& io)
    : io_(io), resolver_(io), socket_(io), timer_(io), link_(std::make_unique<UpstreamLink>(io)) {}

void UpstreamConnector::start(const config::ServerConfig& server, SslPtr ssl,
                              std::chrono::milliseconds timeout, Callback done) {
  done_ = std::move(done);
  link_->ssl = std::move(ssl);
  auto self = shared_from_this();
  timer_.expires_after(timeout);
  timer_.async_wait([self](const boost::system::error_code& ec) {
    if (ec || !self->done_) return;
    self->finish(false, self->handshaking_ ? FailureKind::kHandshake : FailureKind::kConnect,
                 self->handshaking_ ? "TLS handshake timed out" : "connect timed out");
  });
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(server.host, ec);
  if (!ec) {
    connect(tcp::resolver::results_type::create(tcp::endpoint(addr, server.port), server.host,
                                                std::to_string(server.port)));
    return;
  }
  resolver_.async_resolve(server.host, std::to_string(server.port),
                          [self](const boost::system::error_code& err, auto results) {
                            if (!self->done_) return;
                            if (err || results.empty()) {
                              self->finish(false, FailureKind::kConnect, "cannot resolve host");
                              return;
                            }
                            self->connect(results);
                          });
}

void UpstreamConnector::connect(const tcp::resolver::results_type& endpoints) {
  asio::async_connect(
      socket_, endpoints,
      [self = shared_from_this()](const boost::system::error_code& ec, const tcp::endpoint&) {
        if (self->done_) self->onConnected(ec);
      });
}

void UpstreamConnector::onConnected(const boost::system::error_code& ec) {
  if (ec) {
    finish(false, FailureKind::kConnect, ec.message());
    return;
  }
  int one = 1;
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  boost::system::error_code ignored;
  socket_.native_non_blocking(true, ignored);  // OpenSSL does plain read/write on the fd
  link_->stream = std::move(socket_);
  const int fd = link_->stream.native_handle();
  if (link_->ssl == nullptr) {
    finish(true, FailureKind::kConnect, "");
    return;
  }
  SSL_set_fd(link_->ssl.get(), fd);
  handshaking_ = true;
  handshake();
}

void UpstreamConnector::handshake() {
  SSL* ssl = link_->ssl.get();
  int r = SSL_connect(ssl);
  if (r == 1) {
    finish(true, FailureKind::kHandshake, "");
    return;
  }
  int err = SSL_get_error(ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    auto wait = err == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write;
    link_->stream.async_wait(wait,
                             [self = shared_from_this()](const boost::system::error_code& ec) {
                               if (!self->done_) return;
                               if (ec) {
                                 self->finish(false, FailureKind::kHandshake, ec.message());
                                 return;
                               }
                               self->handshake();
                             });
    return;
  }
  std::string why;
  if (long v = SSL_get_verify_result(ssl); v != X509_V_OK) {
    ERR_clear_error();
    why = std::string("certificate verify failed: ") + X509_verify_cert_error_string(v);
  } else if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN) {
    why = opensslError("TLS handshake: connection closed by upstream");
  } else {
    why = opensslError("TLS handshake failed");
  }
  finish(false, FailureKind::kHandshake, std::move(why));
}

void UpstreamConnector::finish(bool ok, FailureKind kind, std::string why) {
  Callback done = std::move(done_);
  done_ = nullptr;
  boost::system::error_code ignored;
  timer_.cancel();
  resolver_.cancel();
  socket_.close(ignored);
  ConnectOutcome out;
  out.failure = kind;
  out.why = std::move(why);
  if (ok) {
    out.link = std::move(link_);
  } else {
    link_->stream.close(ignored);
    link_->ssl.reset();
  }
  // The callback may start another connector; it runs after this one is fully done.
  asio::post(io_, [done = std::move(done), out = std::move(out)]() mutable {
    if (done) done(std::move(out));
  });
}

void UpstreamConnector::cancel() {
  if (!done_) return;
  done_ = nullptr;
  boost::system::error_code ignored;
  timer_.cancel();
  resolver_.cancel();
  socket_.close(ignored);
  if (link_ != nullptr) link_->stream.close(ignored);
}

}  // namespace attache::ambassador::broker
