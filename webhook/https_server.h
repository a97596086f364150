// A small HTTPS/1.1 server on Boost.Beast: keep-alive, request size and time limits, TLS from a
// swappable TlsContextStore. The handler runs on an I/O thread and must not block for long.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "common/result.h"
#include "webhook/tls_context.h"

namespace attache::webhook {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query
  std::string content_type;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpsServerOptions {
  size_t max_body_bytes = 4 * 1024 * 1024;     // larger bodies get 413
  std::chrono::seconds handshake_timeout{10};  // TLS handshake
  std::chrono::seconds request_timeout{10};    // the first request of a connection, whole
  std::chrono::seconds idle_timeout{90};       // each later keep-alive request, whole
  size_t max_connections = 4096;               // more are closed at once
};

class HttpsServer {
 public:
  HttpsServer(boost::asio::io_context& io, TlsContextStore& tls, HttpHandler handler,
              HttpsServerOptions options = {});
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds "host:port" (port 0 picks one) and starts accepting; returns the bound port.
  Result<int> listen(const std::string& address);
  // Stops accepting; open connections finish their current request.
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:8443" for IPv6); kInvalidArgument naming `flag`.
Result<std::pair<std::string, int>> splitHostPort(const std::string& address,
                                                  const std::string& flag);

}  // namespace attache::webhook
