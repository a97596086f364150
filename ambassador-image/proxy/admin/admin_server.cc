#include "ambassador-image/proxy/admin/admin_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

#include "common/host_port.h"

namespace attache::ambassador::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr size_t kMaxRequestBytes = size_t{16} * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const AdminHandlers& handlers)
      : stream_(std::move(socket)), handlers_(handlers) {}

  void start() { read(); }

 private:
  void read() {
    request_ = {};
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    parser_->header_limit(kMaxRequestBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->closeQuietly();
                       self->request_ = self->parser_->release();
                       self->respond();
                     });
  }

  void respond() {
    auto res = std::make_shared<http::response<http::string_body>>(handle());
    res->version(request_.version());
    res->keep_alive(request_.keep_alive());
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) return self->closeQuietly();
                        self->read();
                      });
  }

  http::response<http::string_body> handle() {
    http::response<http::string_body> res;
    res.set(http::field::server, "attache-ambassador");
    std::string target(request_.target());
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      return text(http::status::method_not_allowed, "only GET\n");
    }
    if (target == "/healthz") return text(http::status::ok, "ok\n");
    if (target == "/readyz") {
      std::string why;
      bool ok = handlers_.ready(&why);
      return text(ok ? http::status::ok : http::status::service_unavailable,
                  ok ? "ok\n" : why + "\n");
    }
    if (target == "/metrics") {
      auto r = text(http::status::ok, handlers_.metrics());
      r.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      return r;
    }
    if (target == "/config" && handlers_.config) {
      auto r = text(http::status::ok, handlers_.config());
      r.set(http::field::content_type, "application/json");
      return r;
    }
    return text(http::status::not_found, handlers_.config
                                             ? "not found; try /healthz /readyz /metrics /config\n"
                                             : "not found; try /healthz /readyz /metrics\n");
  }

  static http::response<http::string_body> text(http::status status, std::string body) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    return res;
  }

  void closeQuietly() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  const AdminHandlers& handlers_;
};

}  // namespace

struct AdminServer::Impl {
  Impl(asio::io_context& io, AdminHandlers h) : acceptor(io), handlers(std::move(h)) {}
  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Session>(std::move(socket), handlers)->start();
      accept();
    });
  }
  tcp::acceptor acceptor;
  AdminHandlers handlers;
};

AdminServer::AdminServer(asio::io_context& io, AdminHandlers handlers)
    : impl_(std::make_unique<Impl>(io, std::move(handlers))) {}

AdminServer::~AdminServer() { stop(); }

Result<int> AdminServer::listen(const std::string& address) {
  auto hp = parseHostPort(address, /*allow_port_zero=*/true);
  if (!hp) return invalidArgument("'" + address + "' " + hp.error().message);
  beast::error_code ec;
  auto addr = asio::ip::make_address(hp->host, ec);
  if (ec) return invalidArgument("'" + address + "': the host must be an IP address");
  tcp::endpoint ep(addr, hp->port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(64, ec);
  if (ec) return unavailable("cannot listen on " + address + ": " + ec.message());
  impl_->accept();
  return static_cast<int>(impl_->acceptor.local_endpoint().port());
}

void AdminServer::stop() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace attache::ambassador::admin
