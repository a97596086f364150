// Watch streams: one thread per watch reads the chunked response line by line as it arrives
// (cpprestsdk fills the body stream from its I/O threads) and hands each event to the gate.
#include <cpprest/containerstream.h>

#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "common/kube/rest_internal.h"
#include "common/kube/watch_gate.h"
#include "common/logging.h"

namespace attache::kube::rest {
namespace {

namespace http = web::http;

class WatchStream {
 public:
  WatchStream(Transport transport, std::string path_query, std::shared_ptr<WatchGate> gate)
      : transport_(std::move(transport)),
        path_query_(std::move(path_query)),
        gate_(std::move(gate)) {}

  // Aborts the request or the body read in progress; run() then returns.
  void abort() { cancel_.cancel(); }

  void run() {
    auto response =
        send(transport_, {http::methods::GET, path_query_, "", ""}, cancel_.get_token());
    if (!response.ok()) return finish(response.error());
    if (response->status_code() != http::status_codes::OK) {
      auto body = readBody(*response);
      return finish(body.ok() ? errorFromStatus(response->status_code(), *body) : body.error());
    }
    readEvents(response->body());
  }

 private:
  void readEvents(const Concurrency::streams::istream& body) {
    while (gate_->active()) {
      // Bytes, not std::string: the body is an unsigned char stream (see rest_client.cc).
      Concurrency::streams::container_buffer<std::vector<uint8_t>> line;
      try {
        body.read_line(line).get();
      } catch (const std::exception& e) {
        return finish(unavailable(std::string("watch stream broken: ") + e.what()));
      }
      std::string text(line.collection().begin(), line.collection().end());
      if (text.empty() || text == "\r") {
        if (body.is_eof()) return finish({});  // the server ended the watch (its timeout)
        continue;
      }
      auto event = parseWatchEvent(text);
      if (!event.ok()) {
        abort();  // do not leave a half-read body on a pooled connection
        return finish(event.error());
      }
      if (!gate_->deliver(*event)) return;
    }
  }

  void finish(const Status& status) {
    if (!gate_->active()) return;  // cancelled: no callback
    if (!status.ok()) {
      componentLogger("kube")->debug("watch ended path={} error={}", path_query_,
                                     status.error().toString());
    }
    gate_->finish(status);
  }

  Transport transport_;
  std::string path_query_;
  std::shared_ptr<WatchGate> gate_;
  pplx::cancellation_token_source cancel_;
};

class RestWatchHandle : public WatchHandle {
 public:
  RestWatchHandle(std::shared_ptr<WatchStream> stream, std::shared_ptr<WatchGate> gate)
      : stream_(std::move(stream)), gate_(std::move(gate)) {
    thread_ = std::thread([stream = stream_] { stream->run(); });
  }
  ~RestWatchHandle() override { cancel(); }

  void cancel() override {
    gate_->cancel();  // waits for a callback running on the stream thread
    stream_->abort();
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // cancelled from its own callback: the thread ends after it returns
    } else {
      thread_.join();
    }
  }

 private:
  std::shared_ptr<WatchStream> stream_;
  std::shared_ptr<WatchGate> gate_;
  std::mutex mu_;
  std::thread thread_;
};

}  // namespace

WatchHandlePtr startWatch(const Transport& transport, std::string path_query,
                          WatchEventCallback on_event, WatchDoneCallback on_done) {
  auto gate = std::make_shared<WatchGate>(std::move(on_event), std::move(on_done));
  auto stream = std::make_shared<WatchStream>(transport, std::move(path_query), gate);
  return std::make_unique<RestWatchHandle>(std::move(stream), std::move(gate));
}

}  // namespace attache::kube::rest
