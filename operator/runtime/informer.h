// Watcher -> store, as client-go's shared informer / kube-rs' reflector: lists a collection,
// then watches it from the list's resourceVersion (re-watching when the server ends the stream,
// relisting on 410 Gone, retrying with backoff when the API server is unreachable), keeps every
// object in a Store and tells the handlers about every change. Handlers run on the client's
// watch thread: they must be quick (enqueue keys).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/kube_client.h"

namespace attache::controller {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;

// "namespace/name" (or "name" for cluster-scoped objects).
std::string objectKey(const nlohmann::json& obj);
std::string objectKey(const std::string& ns, const std::string& name);
// Splits "namespace/name".
std::pair<std::string, std::string> splitKey(const std::string& key);

// A thread-safe cache of objects by key, with optional secondary indexes.
class Store {
 public:
  using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json&)>;

  // Register before the first upsert.
  void addIndex(const std::string& name, IndexFunc fn);
  ObjectPtr get(const std::string& key) const;
  ObjectPtr get(const std::string& ns, const std::string& name) const {
    return get(objectKey(ns, name));
  }
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> byIndex(const std::string& index, const std::string& value) const;
  size_t size() const;

  // Returns the previous object (null when new).
  ObjectPtr upsert(ObjectPtr obj);
  ObjectPtr erase(const std::string& key);
  std::vector<std::string> keys() const;

 private:
  void unindexLocked(const std::string& key, const nlohmann::json& obj);
  void indexLocked(const std::string& key, const nlohmann::json& obj);

  mutable std::mutex mu_;
  std::map<std::string, ObjectPtr> items_;
  std::map<std::string, IndexFunc> index_funcs_;
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_;
};

enum class ChangeType { kAdded, kModified, kDeleted };
// `old_obj` is null for kAdded, `new_obj` is null for kDeleted.
using ChangeHandler =
    std::function<void(ChangeType type, const ObjectPtr& old_obj, const ObjectPtr& new_obj)>;

struct InformerOptions {
  kube::ResourceRef ref;
  std::string ns;  // "" = all namespaces
  std::string label_selector;
  // Applied to every object before it is stored (drop what the controllers never read).
  std::function<nlohmann::json(nlohmann::json)> transform;
  int watch_timeout_seconds = kube::kMaxWatchTimeoutSeconds;
  int64_t page_size = 100;  // list page: bounds the peak memory of a (re)list
};

struct InformerStats {
  std::atomic<int64_t> lists{0};
  std::atomic<int64_t> watches{0};
  std::atomic<int64_t> relists_gone{0};
  std::atomic<int64_t> errors{0};
};

class Informer {
 public:
  Informer(kube::KubeClient& client, InformerOptions options);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  Store& store() { return store_; }
  // Register before start().
  void addHandler(ChangeHandler handler);
  void start();
  void stop();
  bool hasSynced() const { return synced_.load(); }
  const InformerStats& stats() const { return stats_; }
  const std::string& name() const { return name_; }

 private:
  void run();
  bool listAndReplace(std::string* resource_version);
  // Drops metadata.managedFields, then applies the transform.
  nlohmann::json prepare(nlohmann::json obj) const;
  // Watches from `resource_version` until the stream ends; returns its status.
  Status watchOnce(std::string* resource_version);
  void apply(const kube::WatchEvent& event, std::string* resource_version);
  void notify(ChangeType type, const ObjectPtr& old_obj, const ObjectPtr& new_obj);
  bool sleepFor(std::chrono::milliseconds d);  // false when stopped

  kube::KubeClient& client_;
  InformerOptions options_;
  std::string name_;
  Store store_;
  std::vector<ChangeHandler> handlers_;
  std::atomic<bool> synced_{false};
  InformerStats stats_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  kube::WatchHandlePtr watch_;
  std::optional<Status> watch_done_;
  std::thread thread_;
};

}  // namespace attache::controller
