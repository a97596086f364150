// TLS to a shard: OpenSSL reads and writes the connection's non-blocking socket, its
// WANT_READ / WANT_WRITE become the waits the connection arms. The handshake is already done
// (broker::UpstreamConnector) when a TlsTransport is made.
#pragma once

#include <string>

#include "ambassador-image/proxy/broker/tls_client_context.h"
#include "ambassador-image/proxy/net/server_transport.h"

namespace attache::ambassador::net {

class TlsTransport final : public ServerTransport {
 public:
  explicit TlsTransport(broker::SslPtr ssl) : ssl_(std::move(ssl)) {}

  IoStatus write(std::string& out, size_t& off) override;
  IoStatus read(ByteBuffer& in, size_t chunk, size_t budget) override;
  Wait writeWait() const override { return write_wait_; }
  Wait readWait() const override { return read_wait_; }
  std::string lastError() const override { return error_; }

 private:
  // Maps a failed SSL_read / SSL_write; records the wait or the error.
  IoStatus failed(int ret, Wait& wait);

  broker::SslPtr ssl_;
  Wait write_wait_ = Wait::kWritable;
  Wait read_wait_ = Wait::kReadable;
  std::string error_;
};

}  // namespace attache::ambassador::net
