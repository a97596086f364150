// Loop-wide context shared by every connection of the ambassador's single event loop.
#pragma once

#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "ambassador-image/proxy/net/request.h"

namespace attache::ambassador::net {

namespace asio = boost::asio;

class ClientConnection;
class ServerConnection;

struct Loop {
  explicit Loop(asio::io_context& io_context);
  asio::io_context& io;
  RequestPool requests;
  std::shared_ptr<spdlog::logger> log;

  // Output is written once per event: connections that gained output while a read handler runs
  // are flushed when it ends (one send each, no posted handler); outside a read handler a single
  // posted handler flushes them all.
  void deferFlush(std::shared_ptr<ClientConnection> c);
  void deferFlush(std::shared_ptr<ServerConnection> s);
  void flushDeferred();
  class Batch {  // RAII: marks a read handler
   public:
    explicit Batch(Loop& loop) : loop_(loop) { ++loop_.batch_depth_; }
    ~Batch() {
      if (--loop_.batch_depth_ == 0) loop_.flushDeferred();
    }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

   private:
    Loop& loop_;
  };

  static uint64_t nowNs() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
  static int64_t nowMs() { return static_cast<int64_t>(nowNs() / 1000000); }

 private:
  void postFlush();
  int batch_depth_ = 0;
  bool flush_posted_ = false;
  std::vector<std::shared_ptr<ClientConnection>> dirty_clients_;
  std::vector<std::shared_ptr<ServerConnection>> dirty_servers_;
};

}  // namespace attache::ambassador::net
