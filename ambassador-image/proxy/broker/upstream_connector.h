// Opens one upstream link: resolve, TCP connect, then the TLS handshake when an SSL object is
// given, all within one deadline. Reports exactly once, unless cancelled. Used by sessions
// (one candidate after another) and by the health probes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ambassador-image/proxy/broker/broker_upstreams.h"
#include "ambassador-image/proxy/broker/tls_client_context.h"

namespace attache::ambassador::broker {

namespace asio = boost::asio;

struct UpstreamLink {
  explicit UpstreamLink(asio::io_context& io) : stream(io) {}
  asio::ip::tcp::socket stream;  // non-blocking, TCP_NODELAY
  SslPtr ssl;                    // null: plain TCP
};

struct ConnectOutcome {
  std::unique_ptr<UpstreamLink> link;  // set on success
  FailureKind failure = FailureKind::kConnect;
  std::string why;
};

class UpstreamConnector : public std::enable_shared_from_this<UpstreamConnector> {
 public:
  using Callback = std::function<void(ConnectOutcome)>;

  explicit UpstreamConnector(asio::io_context& io);

  // `ssl` null: plain TCP. `done` runs once, from the event loop.
  void start(const config::ServerConfig& server, SslPtr ssl, std::chrono::milliseconds timeout,
             Callback done);
  // Stops; the callback will not run.
  void cancel();

 private:
  void connect(const asio::ip::tcp::resolver::results_type& endpoints);
  void onConnected(const boost::system::error_code& ec);
  void handshake();
  void finish(bool ok, FailureKind kind, std::string why);

  asio::io_context& io_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::unique_ptr<UpstreamLink> link_;
  Callback done_;
  bool handshaking_ = false;
};

}  // namespace attache::ambassador::broker
