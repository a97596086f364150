// The byte stream of one connected server connection, over its non-blocking socket: plain TCP
// (PlainTransport) or TLS through OpenSSL (TlsTransport, tls_transport.h). The connection owns
// the socket and waits on it for what the transport says it needs, then calls it again.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

#include "ambassador-image/proxy/net/byte_buffer.h"
#include "ambassador-image/proxy/net/socket_io.h"

namespace attache::ambassador::net {

class ServerTransport {
 public:
  enum class Wait { kReadable, kWritable };

  virtual ~ServerTransport() = default;

  // Writes out[off..] until done or blocked; advances `off`; clears `out` when done (writeSome).
  virtual IoStatus write(std::string& out, size_t& off) = 0;
  // Reads what is available, up to about `budget` bytes (readSome). kClosed: the peer ended
  // the stream; kBudget: call again without waiting for the socket.
  virtual IoStatus read(ByteBuffer& in, size_t chunk, size_t budget) = 0;
  // After kWouldBlock from write(): what the socket must become before write() can progress.
  virtual Wait writeWait() const { return Wait::kWritable; }
  // What the socket must become before read() can progress (TLS may have to write first).
  virtual Wait readWait() const { return Wait::kReadable; }
  // Why the last kError happened; ask right after it.
  virtual std::string lastError() const = 0;
};

// Plain TCP: the socket functions shared with client connections, nothing more.
class PlainTransport final : public ServerTransport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  IoStatus write(std::string& out, size_t& off) override { return writeSome(fd_, out, off); }
  IoStatus read(ByteBuffer& in, size_t chunk, size_t budget) override {
    return readSome(fd_, in, chunk, budget);
  }
  std::string lastError() const override {
    return std::error_code(errno, std::system_category()).message();
  }

 private:
  int fd_;
};

}  // namespace attache::ambassador::net
