#include "webhook/https_client.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "webhook/https_server.h"

namespace attache::webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct HttpsConnection::Impl {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  std::string host;
  std::chrono::milliseconds timeout{5000};

  // Runs the io_context until `done` or the deadline; false on timeout.
  bool runUntil(const bool& done) {
    io.restart();
    io.run_for(timeout);
    return done;
  }
};

namespace {

Status configureContext(ssl::context& ctx, const HttpsClientOptions& o) {
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
  if (o.max_tls_version != 0) SSL_CTX_set_max_proto_version(ctx.native_handle(), o.max_tls_version);
  if (o.max_tls_version != 0 && o.max_tls_version < TLS1_2_VERSION) {
    SSL_CTX_set_security_level(ctx.native_handle(), 0);  // let the test offer old versions
  }
  if (o.insecure_skip_verify) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (o.ca_pem.empty()) {
      ctx.set_default_verify_paths(ec);
    } else {
      ctx.add_certificate_authority(asio::buffer(o.ca_pem), ec);
    }
    if (ec) return invalidArgument("CA certificates do not load: " + ec.message());
  }
  if (!o.client_cert_pem.empty()) {
    ctx.use_certificate_chain(asio::buffer(o.client_cert_pem), ec);
    if (!ec) ctx.use_private_key(asio::buffer(o.client_key_pem), ssl::context::pem, ec);
    if (ec) return invalidArgument("client certificate does not load: " + ec.message());
  }
  return {};
}

// Hostname (or IP) verification of the peer certificate and SNI.
Status configureStream(SSL* ssl_handle, const std::string& name) {
  boost::system::error_code ec;
  asio::ip::make_address(name, ec);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
  if (!ec) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      return invalidArgument("bad IP " + name);
    }
    return {};
  }
  SSL_set_tlsext_host_name(ssl_handle, name.c_str());
  if (X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) != 1) {
    return invalidArgument("bad host name " + name);
  }
  return {};
}

}  // namespace

HttpsConnection::HttpsConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsConnection::~HttpsConnection() {
  if (impl_ && impl_->stream) {
    beast::error_code ignored;
    beast::get_lowest_layer(*impl_->stream).socket().close(ignored);
  }
}

Result<std::unique_ptr<HttpsConnection>> HttpsConnection::connect(
    const std::string& host, int port, const HttpsClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->host = host;
  impl->timeout = options.timeout;
  if (auto st = configureContext(impl->ctx, options); !st) return st.error();
  impl->stream = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(impl->io, impl->ctx);
  std::string name = options.server_name.empty() ? host : options.server_name;
  if (auto st = configureStream(impl->stream->native_handle(), name); !st) return st.error();
  tcp::resolver resolver(impl->io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return unavailable("resolving " + host + ": " + ec.message());
  bool done = false;
  auto& lowest = beast::get_lowest_layer(*impl->stream);
  lowest.expires_after(options.timeout);
  lowest.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    if (e) {
      done = true;
      return;
    }
    impl->stream->async_handshake(ssl::stream_base::client, [&](beast::error_code e2) {
      ec = e2;
      done = true;
    });
  });
  if (!impl->runUntil(done)) return unavailable("connecting to " + host + ": timeout");
  if (ec)
    return unavailable("connecting to " + host + ":" + std::to_string(port) + ": " + ec.message());
  return std::unique_ptr<HttpsConnection>(new HttpsConnection(std::move(impl)));
}

Result<HttpsResponse> HttpsConnection::request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::string& content_type,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host);
  req.keep_alive(true);
  if (!body.empty()) {
    req.set(http::field::content_type, content_type);
    req.body() = body;
  }
  req.prepare_payload();
  for (const auto& [k, v] : headers) req.set(k, v);  // after: tests may lie about the length
  http::response_parser<http::string_body> parser;
  parser.body_limit(uint64_t{64} * 1024 * 1024);
  beast::error_code ec;
  bool done = false;
  beast::get_lowest_layer(*impl_->stream).expires_after(impl_->timeout);
  http::async_write(*impl_->stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (e) {
      done = true;
      return;
    }
    http::async_read(*impl_->stream, impl_->buffer, parser, [&](beast::error_code e2, size_t) {
      ec = e2;
      done = true;
    });
  });
  if (!impl_->runUntil(done)) return unavailable(method + " " + target + ": timeout");
  if (ec) return unavailable(method + " " + target + ": " + ec.message());
  auto res = parser.release();
  return HttpsResponse{static_cast<int>(res.result_int()),
                       std::string(res[http::field::content_type]), std::move(res.body())};
}

std::string HttpsConnection::peerCertificatePem() const {
  X509* cert = SSL_get1_peer_certificate(impl_->stream->native_handle());
  if (cert == nullptr) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  return out;
}

Result<HttpsResponse> httpsGet(const std::string& url, const std::string& target,
                               const HttpsClientOptions& options,
                               const std::vector<std::pair<std::string, std::string>>& headers) {
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0) return invalidArgument("not an https URL: " + url);
  std::string authority = url.substr(kScheme.size());
  authority = authority.substr(0, authority.find('/'));
  if (authority.find(':') == std::string::npos || authority.back() == ']') authority += ":443";
  auto hp = splitHostPort(authority, "server");
  if (!hp) return hp.error();
  auto conn = HttpsConnection::connect(hp->first, hp->second, options);
  if (!conn) return conn.error();
  return (*conn)->request("GET", target, "", "", headers);
}

}  // namespace attache::webhook
