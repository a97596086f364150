// Non-blocking reads and writes on a socket fd, shared by client and server connections.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "ambassador-image/proxy/net/byte_buffer.h"

namespace attache::ambassador::net {

// kBudget: a read stopped at its budget, so the socket may still hold bytes. The event loop's
// epoll is edge-triggered: it does not report bytes that were already there, so the caller
// reads again without waiting.
enum class IoStatus { kDone, kWouldBlock, kClosed, kError, kBudget };

// Writes out[off..] until done or the socket is full; advances `off`; clears `out` when done.
inline IoStatus writeSome(int fd, std::string& out, size_t& off) {
  while (off < out.size()) {
    ssize_t n = ::send(fd, out.data() + off, out.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return IoStatus::kWouldBlock;
    return IoStatus::kError;
  }
  out.clear();
  off = 0;
  return IoStatus::kDone;
}

// Reads what is available, in `chunk`-sized steps, up to `budget` bytes per call.
// kDone: drained (a short read or EAGAIN); kBudget: stopped by the budget; kClosed: EOF;
// kError: errno says why. A short read proves the socket empty at that instant, so the next
// bytes to arrive will be reported; it does not see an EOF that came with the last bytes.
inline IoStatus readSome(int fd, ByteBuffer& in, size_t chunk, size_t budget) {
  size_t total = 0;
  while (total < budget) {
    in.reserve(chunk);
    ssize_t n = ::recv(fd, in.writePtr(), in.writable(), MSG_DONTWAIT);
    if (n > 0) {
      in.commit(static_cast<size_t>(n));
      total += static_cast<size_t>(n);
      if (in.writable() > 0) return IoStatus::kDone;  // the socket is drained
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return IoStatus::kDone;
    return n == 0 ? IoStatus::kClosed : IoStatus::kError;
  }
  return IoStatus::kBudget;
}

}  // namespace attache::ambassador::net
