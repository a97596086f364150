#include "webhook/https_server.h"

#include <atomic>
#include <cstdlib>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/host_port.h"

namespace attache::webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxHeaderBytes = size_t{16} * 1024;
constexpr auto kShutdownTimeout = std::chrono::seconds(3);

struct Shared {
  HttpHandler handler;
  HttpsServerOptions options;
  std::atomic<size_t> connections{0};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SslContextPtr ctx, std::shared_ptr<Shared> shared)
      : ctx_(std::move(ctx)), stream_(std::move(socket), *ctx_), shared_(std::move(shared)) {
    ++shared_->connections;
  }
  ~Session() { --shared_->connections; }

  void start() {
    beast::get_lowest_layer(stream_).expires_after(shared_->options.handshake_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) return self->close();
                              self->read(self->shared_->options.request_timeout);
                            });
  }

 private:
  void read(std::chrono::seconds deadline) {
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(kMaxHeaderBytes);
    beast::get_lowest_layer(stream_).expires_after(deadline);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return respond(error(413, "request body too large\n"), false);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted) {
      return shutdown();
    }
    if (ec) {
      // Reached only with bytes of a malformed request (a closed stream is end_of_stream).
      if (parser_->got_some()) return respond(error(400, "malformed HTTP request\n"), false);
      return close();
    }
    auto request = parser_->release();
    HttpRequest req{std::string(request.method_string()), std::string(request.target()),
                    std::string(request[http::field::content_type]), std::move(request.body())};
    HttpResponse res;
    try {
      res = shared_->handler(req);
    } catch (...) {
      res = HttpResponse{500, "text/plain; charset=utf-8", "internal error\n"};
    }
    respond(std::move(res), request.keep_alive());
  }

  static HttpResponse error(int status, std::string body) {
    return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
  }

  void respond(HttpResponse res, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(res.status), 11);
    msg->set(http::field::server, "attache-webhook");
    msg->set(http::field::content_type, res.content_type);
    msg->body() = std::move(res.body);
    msg->keep_alive(keep_alive);
    msg->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(shared_->options.request_timeout);
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg](beast::error_code ec, size_t) {
                        if (ec) return self->close();
                        if (!msg->keep_alive()) return self->shutdown();
                        self->read(self->shared_->options.idle_timeout);
                      });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(kShutdownTimeout);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  SslContextPtr ctx_;  // outlives stream_, which refers to it
  beast::ssl_stream<beast::tcp_stream> stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

struct HttpsServer::Impl : std::enable_shared_from_this<HttpsServer::Impl> {
  Impl(asio::io_context& io_, TlsContextStore& tls_, std::shared_ptr<Shared> shared_)
      : io(io_), acceptor(asio::make_strand(io_)), tls(tls_), shared(std::move(shared_)) {}

  void accept() {
    acceptor.async_accept(asio::make_strand(io),
                          [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                            if (ec == asio::error::operation_aborted || !self->acceptor.is_open())
                              return;
                            if (!ec) self->startSession(std::move(socket));
                            self->accept();
                          });
  }

  void startSession(tcp::socket socket) {
    SslContextPtr ctx = tls.current();
    if (!ctx || shared->connections.load() >= shared->options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      return;
    }
    socket.set_option(tcp::no_delay(true));
    std::make_shared<Session>(std::move(socket), std::move(ctx), shared)->start();
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  TlsContextStore& tls;
  std::shared_ptr<Shared> shared;
};

HttpsServer::HttpsServer(asio::io_context& io, TlsContextStore& tls, HttpHandler handler,
                         HttpsServerOptions options) {
  auto shared = std::make_shared<Shared>();
  shared->handler = std::move(handler);
  shared->options = options;
  impl_ = std::make_shared<Impl>(io, tls, std::move(shared));
}

HttpsServer::~HttpsServer() { stop(); }

Result<std::pair<std::string, int>> splitHostPort(const std::string& address,
                                                  const std::string& flag) {
  auto hp = parseHostPort(address, /*allow_port_zero=*/true);
  if (!hp) return invalidArgument(flag + ": '" + address + "' " + hp.error().message);
  return std::pair{std::move(hp->host), static_cast<int>(hp->port)};
}

Result<int> HttpsServer::listen(const std::string& address) {
  auto hp = splitHostPort(address, "--listen");
  if (!hp) return hp.error();
  beast::error_code ec;
  auto addr = asio::ip::make_address(hp->first, ec);
  if (ec) return invalidArgument("--listen: bad address '" + hp->first + "'");
  tcp::endpoint ep(addr, static_cast<uint16_t>(hp->second));
  auto& acceptor = impl_->acceptor;
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable("--listen: cannot listen on " + address + ": " + ec.message());
  int port = acceptor.local_endpoint().port();
  impl_->accept();
  return port;
}

void HttpsServer::stop() {
  if (!impl_) return;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
}

}  // namespace attache::webhook
