// One client request in flight through the proxy, and the free list that recycles them so the
// data path allocates nothing in steady state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ambassador-image/proxy/codec/memcache.h"

namespace attache::ambassador::net {

class ClientConnection;

enum class Merge : uint8_t {
  kNone,      // the shard's reply is the client's reply
  kArray,     // MGET: elements reassembled in request order (key_map)
  kSum,       // DEL/EXISTS/...: integers added
  kAllOk,     // MSET/FLUSHDB: +OK when every part is OK
  kMcValues,  // memcached get: VALUE blocks reassembled in request order, one END
  kMcAllOk,   // memcached flush_all: OK when every part is OK
};

struct Request {
  ClientConnection* client = nullptr;  // null once the client has gone: the reply is dropped
  Request* parent = nullptr;           // a fan-out part points at the request it belongs to
  Request* next = nullptr;             // the client's reply order (intrusive FIFO)
  std::vector<Request*> children;      // fan-out parts, in creation order
  // kArray / kMcValues: for key i of the request, (part, element within that part's reply).
  std::vector<std::pair<uint32_t, uint32_t>> key_map;
  std::string reply;  // complete reply bytes once done (unless sent directly)
  std::string keys;   // kMcValues: the request's keys, '\n'-separated
  uint64_t start_ns = 0;
  uint32_t pending = 0;  // fan-out parts still outstanding
  int server = -1;       // shard index, for statistics and error messages
  Merge merge = Merge::kNone;
  codec::McCommand mc_command = codec::McCommand::kGet;
  bool done = false;
  bool failed = false;       // the reply is an error the proxy produced or a shard returned
  bool internal = false;     // sent by the proxy itself (AUTH, SELECT): not a client's
  bool close_after = false;  // QUIT: close the connection once this reply is written

  void reset() {
    client = nullptr;
    parent = nullptr;
    next = nullptr;
    children.clear();
    key_map.clear();
    reply.clear();
    keys.clear();
    start_ns = 0;
    pending = 0;
    server = -1;
    merge = Merge::kNone;
    done = failed = internal = close_after = false;
  }
};

class RequestPool {
 public:
  Request* acquire() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<Request>());
      return all_.back().get();
    }
    Request* r = free_.back();
    free_.pop_back();
    return r;
  }
  // Releases a request and its fan-out parts.
  void release(Request* r) {
    for (Request* child : r->children) release(child);
    r->reset();
    if (r->reply.capacity() > kMaxKeptCapacity) r->reply.shrink_to_fit();
    free_.push_back(r);
  }
  size_t allocated() const { return all_.size(); }
  size_t inUse() const { return all_.size() - free_.size(); }

 private:
  static constexpr size_t kMaxKeptCapacity = 64 * 1024;
  std::vector<std::unique_ptr<Request>> all_;
  std::vector<Request*> free_;
};

}  // namespace attache::ambassador::net
