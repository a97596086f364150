#include "webhook/reference_cache.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/kube/resource.h"
#include "common/logging.h"
#include "webhook/json_util.h"

namespace attache::webhook {

using nlohmann::json;

class ReferenceCache::Informer {
 public:
  Informer(kube::KubeClient& client, kube::ResourceRef ref, ReferenceCacheOptions options)
      : client_(client), ref_(std::move(ref)), options_(options) {}
  ~Informer() { stop(); }

  void start() {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  bool synced(std::string* why) const {
    std::lock_guard lock(mu_);
    if (!synced_ && why != nullptr) {
      *why = ref_.displayName() + " not listed yet" +
             (last_error_.empty() ? std::string() : ": " + last_error_);
    }
    return synced_;
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return objects_.size();
  }

  Result<std::shared_ptr<const json>> find(const std::string& ns, const std::string& name) {
    {
      std::lock_guard lock(mu_);
      if (auto it = objects_.find(ns + "/" + name); it != objects_.end()) return it->second;
    }
    auto got = client_.get(ref_, ns, name);
    if (got) return std::make_shared<const json>(std::move(*got));
    if (got.error().code == ErrorCode::kNotFound) return std::shared_ptr<const json>();
    return got.error();
  }

 private:
  static std::string keyOf(const json& object) {
    const json* meta = member(object, "metadata");
    if (meta == nullptr) return "";
    return stringMember(*meta, "namespace") + "/" + stringMember(*meta, "name");
  }

  bool list() {
    auto listed = client_.listAll(ref_, "");
    std::lock_guard lock(mu_);
    if (!listed) {
      last_error_ = listed.error().toString();
      return false;
    }
    objects_.clear();
    for (auto& item : listed->items) {
      std::string key = keyOf(item);
      objects_[key] = std::make_shared<const json>(std::move(item));
    }
    resource_version_ = listed->resource_version;
    synced_ = true;
    last_error_.clear();
    return true;
  }

  void onEvent(const kube::WatchEvent& event) {
    std::lock_guard lock(mu_);
    const json* meta = member(event.object, "metadata");
    std::string rv = meta != nullptr ? stringMember(*meta, "resourceVersion") : "";
    if (!rv.empty()) resource_version_ = rv;
    if (event.type == kube::WatchEventType::kBookmark) return;
    std::string key = keyOf(event.object);
    if (event.type == kube::WatchEventType::kDeleted) {
      objects_.erase(key);
    } else {
      objects_[key] = std::make_shared<const json>(event.object);
    }
  }

  // Waits `d` unless stopping; false when stopping.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, d, [&] { return stopping_; });
    return !stopping_;
  }

  // One watch from the current resourceVersion until it ends; true when a relist is needed.
  bool watchOnce() {
    kube::WatchOptions options;
    {
      std::lock_guard lock(mu_);
      options.resource_version = resource_version_;
      watch_done_ = false;
    }
    options.timeout_seconds = options_.watch_timeout_seconds;
    auto handle = client_.watch(
        ref_, "", options, [this](const kube::WatchEvent& e) { onEvent(e); },
        [this](const Status& st) {
          {
            std::lock_guard lock(mu_);
            watch_done_ = true;
            done_status_ = st;
          }
          cv_.notify_all();
        });
    Status done;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || watch_done_; });
      done = done_status_;
    }
    handle->cancel();
    if (done.ok()) return false;
    if (done.error().code == ErrorCode::kGone) return true;
    componentLogger("webhook")->warn("watch ended; retrying resource={} error={}",
                                     ref_.displayName(), done.error().toString());
    pause(options_.retry_backoff);
    return false;
  }

  void run() {
    bool need_list = true;
    while (true) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (need_list && !list()) {
        if (!pause(options_.retry_backoff)) return;
        continue;
      }
      need_list = watchOnce();
    }
  }

  kube::KubeClient& client_;
  const kube::ResourceRef ref_;
  const ReferenceCacheOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::shared_ptr<const json>> objects_;  // "ns/name"
  std::string resource_version_;
  std::string last_error_;
  bool synced_ = false;
  bool stopping_ = false;
  bool watch_done_ = false;
  Status done_status_;
  std::thread thread_;
};

ReferenceCache::ReferenceCache(kube::KubeClient& client, ReferenceCacheOptions options)
    : sharded_(std::make_unique<Informer>(client, kube::kShardedServices, options)),
      bindings_(std::make_unique<Informer>(client, kube::kServiceBindings, options)) {}

ReferenceCache::~ReferenceCache() { stop(); }

void ReferenceCache::start() {
  sharded_->start();
  bindings_->start();
}

void ReferenceCache::stop() {
  sharded_->stop();
  bindings_->stop();
}

ReferenceCache::Informer& ReferenceCache::informer(ReferenceKind kind) const {
  return kind == ReferenceKind::kShardedService ? *sharded_ : *bindings_;
}

bool ReferenceCache::synced(std::string* why) const {
  return sharded_->synced(why) && bindings_->synced(why);
}

size_t ReferenceCache::size(ReferenceKind kind) const { return informer(kind).size(); }

Result<std::shared_ptr<const json>> ReferenceCache::find(ReferenceKind kind, const std::string& ns,
                                                         const std::string& name) {
  return informer(kind).find(ns, name);
}

}  // namespace attache::webhook
