#include "ambassador-image/proxy/net/tls_transport.h"

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>

namespace attache::ambassador::net {
namespace {

// SSL_read hands out at most a record's plaintext at a time: reserving more would only grow
// the read buffer.
constexpr size_t kTlsRecord = size_t{16} * 1024;

}  // namespace

IoStatus TlsTransport::failed(int ret, Wait& wait) {
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      wait = Wait::kReadable;
      return IoStatus::kWouldBlock;
    case SSL_ERROR_WANT_WRITE:
      wait = Wait::kWritable;
      return IoStatus::kWouldBlock;
    case SSL_ERROR_ZERO_RETURN:  // close_notify, or an EOF (SSL_OP_IGNORE_UNEXPECTED_EOF)
      ERR_clear_error();
      return IoStatus::kClosed;
    case SSL_ERROR_SYSCALL:
      if (ERR_peek_error() == 0) {  // the socket failed: errno says why, 0 is an EOF
        if (ret == 0) return IoStatus::kClosed;
        error_ = std::error_code(errno, std::system_category()).message();
        return IoStatus::kError;
      }
      [[fallthrough]];
    default:
      error_ = broker::opensslError("TLS");
      return IoStatus::kError;
  }
}

IoStatus TlsTransport::write(std::string& out, size_t& off) {
  while (off < out.size()) {
    // Partial writes and a moving buffer are allowed (buildClientContext): a retry after
    // WANT_WRITE may pass more bytes, from wherever `out` now lives.
    const size_t len = std::min<size_t>(out.size() - off, INT_MAX);
    int n = SSL_write(ssl_.get(), out.data() + off, static_cast<int>(len));
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    const IoStatus st = failed(n, write_wait_);
    return st == IoStatus::kClosed ? IoStatus::kError : st;
  }
  out.clear();
  off = 0;
  return IoStatus::kDone;
}

IoStatus TlsTransport::read(ByteBuffer& in, size_t chunk, size_t budget) {
  size_t total = 0;
  read_wait_ = Wait::kReadable;
  // Until OpenSSL says WANT_READ: an empty read-ahead buffer does not mean an empty socket
  // (OpenSSL reads at most its buffer's size), and the loop's edge-triggered epoll would not
  // report what the socket already holds.
  while (total < budget) {
    in.reserve(std::min(chunk, kTlsRecord));
    int n = SSL_read(ssl_.get(), in.writePtr(),
                     static_cast<int>(std::min<size_t>(in.writable(), INT_MAX)));
    if (n > 0) {
      in.commit(static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      continue;
    }
    const IoStatus st = failed(n, read_wait_);
    return st == IoStatus::kWouldBlock ? IoStatus::kDone : st;  // drained: wait for read_wait_
  }
  return IoStatus::kBudget;  // records may wait in OpenSSL's buffer or in the socket
}

}  // namespace attache::ambassador::net
