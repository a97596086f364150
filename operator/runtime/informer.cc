#include "operator/runtime/informer.h"

#include <algorithm>

#include "common/logging.h"

namespace attache::controller {

using nlohmann::json;

std::string objectKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::string objectKey(const json& obj) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  return objectKey(meta->value("namespace", ""), meta->value("name", ""));
}

std::pair<std::string, std::string> splitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

// --- Store ---

void Store::addIndex(const std::string& name, IndexFunc fn) {
  std::lock_guard lock(mu_);
  index_funcs_[name] = std::move(fn);
}

ObjectPtr Store::get(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Store::list() const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

std::vector<std::string> Store::keys() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [key, obj] : items_) out.push_back(key);
  return out;
}

std::vector<ObjectPtr> Store::byIndex(const std::string& index, const std::string& value) const {
  std::lock_guard lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto it = idx->second.find(value);
  if (it == idx->second.end()) return out;
  for (const auto& key : it->second) {
    if (auto obj = items_.find(key); obj != items_.end()) out.push_back(obj->second);
  }
  return out;
}

size_t Store::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

void Store::unindexLocked(const std::string& key, const json& obj) {
  for (const auto& [name, fn] : index_funcs_) {
    auto& index = indexes_[name];
    for (const auto& value : fn(obj)) {
      auto it = index.find(value);
      if (it == index.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.erase(it);
    }
  }
}

void Store::indexLocked(const std::string& key, const json& obj) {
  for (const auto& [name, fn] : index_funcs_) {
    for (const auto& value : fn(obj)) indexes_[name][value].insert(key);
  }
}

ObjectPtr Store::upsert(ObjectPtr obj) {
  std::string key = objectKey(*obj);
  std::lock_guard lock(mu_);
  ObjectPtr previous;
  if (auto it = items_.find(key); it != items_.end()) {
    previous = it->second;
    unindexLocked(key, *previous);
  }
  indexLocked(key, *obj);
  items_[key] = std::move(obj);
  return previous;
}

ObjectPtr Store::erase(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = items_.find(key);
  if (it == items_.end()) return nullptr;
  ObjectPtr previous = it->second;
  unindexLocked(key, *previous);
  items_.erase(it);
  return previous;
}

// --- Informer ---

Informer::Informer(kube::KubeClient& client, InformerOptions options)
    : client_(client), options_(std::move(options)), name_(options_.ref.displayName()) {}

Informer::~Informer() { stop(); }

void Informer::addHandler(ChangeHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::start() {
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  kube::WatchHandlePtr watch;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    watch = std::move(watch_);
    cv_.notify_all();
  }
  if (watch) watch->cancel();
  if (thread_.joinable()) thread_.join();
}

bool Informer::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stopping_; });
  return !stopping_;
}

void Informer::notify(ChangeType type, const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
  for (const auto& handler : handlers_) handler(type, old_obj, new_obj);
}

json Informer::prepare(json obj) const {
  // What the controllers read of metadata. resourceVersion goes too: the cache is read, never
  // written back, and changes that touch nothing else then do not wake the handlers.
  static const char* const kKept[] = {
      "name", "namespace", "uid", "generation", "labels", "ownerReferences", "deletionTimestamp"};
  auto meta = obj.find("metadata");
  if (meta != obj.end() && meta->is_object()) {
    json kept = json::object();
    for (const char* key : kKept) {
      auto it = meta->find(key);
      if (it != meta->end()) kept[key] = std::move(*it);
    }
    *meta = std::move(kept);
  }
  return options_.transform ? options_.transform(std::move(obj)) : obj;
}

bool Informer::listAndReplace(std::string* resource_version) {
  // Page by page, each page transformed before the next is read: the peak memory of a relist
  // is one page of full objects, not the whole collection.
  kube::ListOptions options;
  options.label_selector = options_.label_selector;
  options.limit = options_.page_size;
  std::set<std::string> seen;
  std::string list_rv;
  do {
    auto page = client_.list(options_.ref, options_.ns, options);
    stats_.lists++;
    if (!page.ok()) {
      stats_.errors++;
      componentLogger("operator")
          ->warn("list failed resource={} error={}", name_, page.error().toString());
      return false;
    }
    for (auto& item : page->items) {
      auto obj = std::make_shared<const json>(prepare(std::move(item)));
      seen.insert(objectKey(*obj));
      ObjectPtr previous = store_.upsert(obj);
      if (!previous) {
        notify(ChangeType::kAdded, nullptr, obj);
      } else if (*previous != *obj) {
        notify(ChangeType::kModified, previous, obj);
      }
    }
    list_rv = page->resource_version;
    options.continue_token = page->continue_token;
  } while (!options.continue_token.empty());
  for (const auto& key : store_.keys()) {
    if (seen.count(key)) continue;
    if (ObjectPtr gone = store_.erase(key)) notify(ChangeType::kDeleted, gone, nullptr);
  }
  *resource_version = list_rv;
  synced_ = true;
  return true;
}

void Informer::apply(const kube::WatchEvent& event, std::string* resource_version) {
  auto meta = event.object.find("metadata");
  if (meta != event.object.end() && meta->is_object()) {
    std::string rv = meta->value("resourceVersion", "");
    if (!rv.empty()) *resource_version = rv;
  }
  if (event.type == kube::WatchEventType::kBookmark) return;
  auto obj = std::make_shared<const json>(prepare(event.object));
  if (event.type == kube::WatchEventType::kDeleted) {
    if (ObjectPtr gone = store_.erase(objectKey(*obj))) notify(ChangeType::kDeleted, gone, nullptr);
    return;
  }
  ObjectPtr previous = store_.upsert(obj);
  if (!previous) {
    notify(ChangeType::kAdded, nullptr, obj);
  } else if (*previous != *obj) {
    notify(ChangeType::kModified, previous, obj);
  }
}

Status Informer::watchOnce(std::string* resource_version) {
  kube::WatchOptions options;
  options.resource_version = *resource_version;
  options.label_selector = options_.label_selector;
  options.timeout_seconds = options_.watch_timeout_seconds;
  auto rv = std::make_shared<std::string>(*resource_version);
  auto handle = client_.watch(
      options_.ref, options_.ns, options,
      [this, rv](const kube::WatchEvent& event) { apply(event, rv.get()); },
      [this](const Status& status) {
        std::lock_guard lock(mu_);
        watch_done_ = status;
        cv_.notify_all();
      });
  stats_.watches++;
  std::unique_lock lock(mu_);
  watch_ = std::move(handle);
  cv_.wait(lock, [&] { return stopping_ || watch_done_.has_value(); });
  Status result = stopping_ ? Status(unavailable("stopping")) : *watch_done_;
  watch_done_.reset();
  auto finished = std::move(watch_);
  lock.unlock();
  if (finished) finished->cancel();  // no callback runs after this: rv is ours again
  *resource_version = *rv;
  return result;
}

void Informer::run() {
  auto log = componentLogger("operator");
  std::chrono::milliseconds backoff(100);
  const std::chrono::milliseconds max_backoff(5000);
  std::string rv;
  bool need_list = true;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (need_list) {
      if (!listAndReplace(&rv)) {
        if (!sleepFor(backoff)) return;
        backoff = std::min(backoff * 2, max_backoff);
        continue;
      }
      need_list = false;
    }
    Status st = watchOnce(&rv);
    if (st.ok()) {
      backoff = std::chrono::milliseconds(100);
      continue;
    }
    if (st.error().code == ErrorCode::kGone) {
      stats_.relists_gone++;
      log->info("watch expired, relisting resource={}", name_);
      need_list = true;
      continue;
    }
    stats_.errors++;
    log->debug("watch ended resource={} error={}", name_, st.error().toString());
    if (!sleepFor(backoff)) return;
    backoff = std::min(backoff * 2, max_backoff);
  }
}

}  // namespace attache::controller
