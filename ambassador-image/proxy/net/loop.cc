#include "ambassador-image/proxy/net/loop.h"

#include <boost/asio/post.hpp>

#include "ambassador-image/proxy/net/client_connection.h"
#include "ambassador-image/proxy/net/server_connection.h"
#include "common/logging.h"

namespace attache::ambassador::net {

Loop::Loop(asio::io_context& io_context) : io(io_context), log(componentLogger("ambassador")) {}

void Loop::deferFlush(std::shared_ptr<ClientConnection> c) {
  dirty_clients_.push_back(std::move(c));
  postFlush();
}

void Loop::deferFlush(std::shared_ptr<ServerConnection> s) {
  dirty_servers_.push_back(std::move(s));
  postFlush();
}

void Loop::postFlush() {
  if (batch_depth_ > 0 || flush_posted_) return;
  flush_posted_ = true;
  asio::post(io, [this] {
    flush_posted_ = false;
    flushDeferred();
  });
}

// Servers first (requests out), then clients (replies out). Flushing never adds work to the
// lists of the same kind, but a client flush may resume reading and produce server output.
void Loop::flushDeferred() {
  std::vector<std::shared_ptr<ServerConnection>> servers;
  std::vector<std::shared_ptr<ClientConnection>> clients;
  while (!dirty_servers_.empty() || !dirty_clients_.empty()) {
    servers.swap(dirty_servers_);
    for (auto& s : servers) s->flushDeferredOutput();
    servers.clear();
    clients.swap(dirty_clients_);
    for (auto& c : clients) c->flushDeferredOutput();
    clients.clear();
  }
}

}  // namespace attache::ambassador::net
