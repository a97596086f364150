#include "common/kube/fake_kube_client.h"

#include <cstdio>
#include <ctime>
#include <utility>

#include "common/kube/selector.h"
#include "common/kube/watch_gate.h"

namespace attache::kube {
namespace {

using nlohmann::json;

constexpr size_t kMaxHistory = 10000;

std::string collectionOf(const ResourceRef& ref) { return ref.group + "/" + ref.plural; }

std::string scopeOf(const ResourceRef& ref, const std::string& ns) {
  return ref.namespaced ? ns : "";
}

std::string keyOf(const ResourceRef& ref, const std::string& ns, const std::string& name) {
  return collectionOf(ref) + "/" + scopeOf(ref, ns) + "/" + name;
}

std::string metaString(const json& obj, const char* field) {
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return "";
  auto it = meta->find(field);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : "";
}

Error notFoundError(const ResourceRef& ref, const std::string& name) {
  return notFound(ref.displayName() + " \"" + name + "\" not found");
}

Error conflictError(const ResourceRef& ref, const std::string& name) {
  return Error{ErrorCode::kConflict,
               "Operation cannot be fulfilled on " + ref.displayName() + " \"" + name +
                   "\": the object has been modified; please apply your changes to the latest "
                   "version and try again"};
}

const json& metadataOf(const json& obj) {
  static const json kEmpty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : kEmpty;
}

json withoutMetadataAndStatus(json obj) {
  obj.erase("metadata");
  obj.erase("status");
  return obj;
}

bool isBeingDeletedWithoutFinalizers(const json& obj) {
  const json& meta = metadataOf(obj);
  if (!meta.contains("deletionTimestamp")) return false;
  auto finalizers = meta.find("finalizers");
  return finalizers == meta.end() || !finalizers->is_array() || finalizers->empty();
}

Result<json> applyPatch(const json& existing, const json& patch, PatchType type) {
  if (type == PatchType::kJson) {
    if (!patch.is_array()) return invalidArgument("a JSON patch must be an array of operations");
    try {
      return existing.patch(patch);
    } catch (const json::exception& e) {
      return invalidArgument(std::string("JSON patch failed: ") + e.what());
    }
  }
  if (!patch.is_object()) return invalidArgument("a merge or apply patch must be a JSON object");
  json out = existing;
  out.merge_patch(patch);
  return out;
}

class FakeWatchHandle : public WatchHandle {
 public:
  explicit FakeWatchHandle(std::shared_ptr<WatchGate> gate) : gate_(std::move(gate)) {}
  ~FakeWatchHandle() override { cancel(); }
  void cancel() override { gate_->cancel(); }

 private:
  std::shared_ptr<WatchGate> gate_;
};

}  // namespace

struct FakeKubeClient::Watch {
  std::string collection;
  std::string ns;  // "" = all namespaces
  LabelSelector labels;
  FieldSelector fields;
  bool bookmarks = false;
  std::shared_ptr<WatchGate> gate;

  bool covers(const std::string& event_collection, const std::string& event_ns) const {
    return collection == event_collection && (ns.empty() || ns == event_ns);
  }
  bool matches(const json& obj) const { return labels.matches(obj) && fields.matches(obj); }
};

FakeKubeClient::FakeKubeClient() = default;
FakeKubeClient::~FakeKubeClient() = default;

std::string FakeKubeClient::nowTimestamp() const {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::optional<Error> FakeKubeClient::takeFailure(Verb verb, const ResourceRef& ref) {
  for (auto it = fail_rules_.begin(); it != fail_rules_.end(); ++it) {
    if (it->verb != verb || (!it->plural.empty() && it->plural != ref.plural)) continue;
    Error error = it->error;
    if (--it->remaining <= 0) fail_rules_.erase(it);
    return error;
  }
  return std::nullopt;
}

void FakeKubeClient::record(Verb verb, const ResourceRef& ref, const std::string& ns,
                            const std::string& name, bool status) {
  actions_.push_back(RecordedAction{verb, ref.displayName(), ns, name, status});
}

Result<json> FakeKubeClient::get(const ResourceRef& ref, const std::string& ns,
                                 const std::string& name) {
  std::lock_guard lock(mu_);
  record(Verb::kGet, ref, ns, name);
  if (auto failure = takeFailure(Verb::kGet, ref)) return *failure;
  if (ref.namespaced && ns.empty()) return invalidArgument("get: a namespace is required");
  auto it = objects_.find(keyOf(ref, ns, name));
  if (it == objects_.end()) return notFoundError(ref, name);
  return it->second.object;
}

Result<ListResult> FakeKubeClient::list(const ResourceRef& ref, const std::string& ns,
                                        const ListOptions& options) {
  std::lock_guard lock(mu_);
  record(Verb::kList, ref, ns, "");
  if (auto failure = takeFailure(Verb::kList, ref)) return *failure;
  auto labels = LabelSelector::parse(options.label_selector);
  if (!labels.ok()) return labels.error();
  auto fields = FieldSelector::parse(options.field_selector);
  if (!fields.ok()) return fields.error();
  std::string prefix = collectionOf(ref) + "/";
  if (ref.namespaced && !ns.empty()) prefix += ns + "/";
  auto it = options.continue_token.empty() ? objects_.lower_bound(prefix)
                                           : objects_.upper_bound(options.continue_token);
  ListResult out;
  out.resource_version = std::to_string(resource_version_);
  for (; it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (!labels->matches(it->second.object) || !fields->matches(it->second.object)) continue;
    if (options.limit > 0 && static_cast<int64_t>(out.items.size()) == options.limit) {
      out.continue_token = std::prev(it)->first;
      break;
    }
    out.items.push_back(it->second.object);
  }
  return out;
}

Result<json> FakeKubeClient::createLocked(const ResourceRef& ref, const std::string& ns, json obj,
                                          bool keep_status) {
  if (!obj.is_object()) return invalidArgument("the object must be a JSON object");
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  std::string name = metaString(obj, "name");
  if (name.empty() && !metaString(obj, "generateName").empty()) {
    name = metaString(obj, "generateName") + std::to_string(10000 + ++uid_counter_);
  }
  if (name.empty()) return invalidArgument("metadata.name: Required value: name is required");
  if (ref.namespaced) {
    if (ns.empty()) return invalidArgument("a namespace is required for " + ref.displayName());
    if (!metaString(obj, "namespace").empty() && metaString(obj, "namespace") != ns) {
      return invalidArgument("the namespace of the object does not match the request's");
    }
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  std::string key = keyOf(ref, ns, name);
  if (objects_.count(key)) {
    return Error{ErrorCode::kAlreadyExists, ref.displayName() + " \"" + name + "\" already exists"};
  }
  char uid[64];
  std::snprintf(uid, sizeof(uid), "00000000-0000-4000-8000-%012lld",
                static_cast<long long>(++uid_counter_));
  meta["name"] = name;
  meta["uid"] = uid;
  meta["resourceVersion"] = std::to_string(nextResourceVersionLocked());
  meta["generation"] = 1;
  meta["creationTimestamp"] = nowTimestamp();
  meta.erase("deletionTimestamp");
  if (!keep_status) obj.erase("status");
  if (!obj.contains("apiVersion")) obj["apiVersion"] = ref.apiVersion();
  objects_[key] = Entry{ref, obj};
  publishLocked(ref, ns, WatchEventType::kAdded, obj, std::nullopt);
  return obj;
}

Result<json> FakeKubeClient::create(const ResourceRef& ref, const std::string& ns,
                                    const json& obj) {
  Result<json> result = internalError("unreachable");
  {
    std::lock_guard lock(mu_);
    record(Verb::kCreate, ref, ns, metaString(obj, "name"));
    if (auto failure = takeFailure(Verb::kCreate, ref)) return *failure;
    result = createLocked(ref, ns, obj);
  }
  pump();
  return result;
}

Result<json> FakeKubeClient::commitLocked(const ResourceRef& ref, const std::string& key,
                                          const json& old_obj, json new_obj) {
  json old_cmp = old_obj;
  json new_cmp = new_obj;
  old_cmp["metadata"].erase("resourceVersion");
  new_cmp["metadata"].erase("resourceVersion");
  if (old_cmp == new_cmp) return old_obj;  // a no-op write keeps the resourceVersion
  json& meta = new_obj["metadata"];
  if (withoutMetadataAndStatus(old_obj) != withoutMetadataAndStatus(new_obj)) {
    meta["generation"] = metadataOf(old_obj).value("generation", int64_t{1}) + 1;
  }
  meta["resourceVersion"] = std::to_string(nextResourceVersionLocked());
  std::string ns = metaString(new_obj, "namespace");
  if (isBeingDeletedWithoutFinalizers(new_obj)) {
    objects_.erase(key);
    publishLocked(ref, ns, WatchEventType::kDeleted, new_obj, std::nullopt);
  } else {
    objects_[key].object = new_obj;
    publishLocked(ref, ns, WatchEventType::kModified, new_obj, old_obj);
  }
  return new_obj;
}

Result<json> FakeKubeClient::updateLocked(const ResourceRef& ref, const std::string& ns,
                                          const std::string& name, const json& desired,
                                          bool status) {
  std::string key = keyOf(ref, ns, name);
  auto it = objects_.find(key);
  if (it == objects_.end()) return notFoundError(ref, name);
  const json old_obj = it->second.object;
  std::string wanted_rv = metaString(desired, "resourceVersion");
  if (!wanted_rv.empty() && wanted_rv != metaString(old_obj, "resourceVersion")) {
    return conflictError(ref, name);
  }
  json next = old_obj;
  if (status) {
    if (desired.contains("status"))
      next["status"] = desired.at("status");
    else
      next.erase("status");
    return commitLocked(ref, key, old_obj, std::move(next));
  }
  if (!desired.is_object()) return invalidArgument("the object must be a JSON object");
  next = desired;
  json& meta = next["metadata"];
  if (!meta.is_object()) meta = json::object();
  const json& old_meta = metadataOf(old_obj);
  for (const char* field : {"name", "namespace", "uid", "creationTimestamp", "generation",
                            "deletionTimestamp", "resourceVersion"}) {
    if (old_meta.contains(field))
      meta[field] = old_meta.at(field);
    else
      meta.erase(field);
  }
  if (old_obj.contains("status"))
    next["status"] = old_obj.at("status");
  else
    next.erase("status");
  if (!next.contains("apiVersion") && old_obj.contains("apiVersion")) {
    next["apiVersion"] = old_obj.at("apiVersion");
  }
  if (!next.contains("kind") && old_obj.contains("kind")) next["kind"] = old_obj.at("kind");
  return commitLocked(ref, key, old_obj, std::move(next));
}

Result<json> FakeKubeClient::replace(const ResourceRef& ref, const std::string& ns, const json& obj,
                                     bool status) {
  Result<json> result = internalError("unreachable");
  {
    std::lock_guard lock(mu_);
    std::string name = metaString(obj, "name");
    record(Verb::kReplace, ref, ns, name, status);
    if (auto failure = takeFailure(Verb::kReplace, ref)) return *failure;
    if (name.empty()) return invalidArgument("metadata.name: Required value");
    result = updateLocked(ref, ns, name, obj, status);
  }
  pump();
  return result;
}

Result<json> FakeKubeClient::patch(const ResourceRef& ref, const std::string& ns,
                                   const std::string& name, const json& patch,
                                   const PatchOptions& options) {
  Result<json> result = internalError("unreachable");
  {
    std::lock_guard lock(mu_);
    record(Verb::kPatch, ref, ns, name, options.status);
    if (auto failure = takeFailure(Verb::kPatch, ref)) return *failure;
    auto it = objects_.find(keyOf(ref, ns, name));
    if (it == objects_.end()) {
      if (options.type != PatchType::kApply || options.status) return notFoundError(ref, name);
      json obj = patch;
      if (obj.is_object()) obj["metadata"]["name"] = name;
      result = createLocked(ref, ns, std::move(obj));
    } else {
      auto patched = applyPatch(it->second.object, patch, options.type);
      if (!patched.ok()) return patched.error();
      result = updateLocked(ref, ns, name, *patched, options.status);
    }
  }
  pump();
  return result;
}

Result<nlohmann::json> FakeKubeClient::getPath(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = paths_.find(path);
  if (it == paths_.end()) return notFound("the server could not find the requested path " + path);
  return it->second;
}

void FakeKubeClient::setPath(const std::string& path, nlohmann::json body) {
  std::lock_guard lock(mu_);
  paths_[path] = std::move(body);
}

Status FakeKubeClient::remove(const ResourceRef& ref, const std::string& ns,
                              const std::string& name) {
  {
    std::lock_guard lock(mu_);
    record(Verb::kRemove, ref, ns, name);
    if (auto failure = takeFailure(Verb::kRemove, ref)) return *failure;
    std::string key = keyOf(ref, ns, name);
    auto it = objects_.find(key);
    if (it == objects_.end()) return notFoundError(ref, name);
    json obj = it->second.object;
    if (!metadataOf(obj).contains("deletionTimestamp")) {
      obj["metadata"]["deletionTimestamp"] = nowTimestamp();
    }
    auto committed = commitLocked(ref, key, it->second.object, std::move(obj));
    if (!committed.ok()) return committed.error();
  }
  pump();
  return {};
}

// --- Watches ---

void FakeKubeClient::queueForWatchLocked(const std::shared_ptr<Watch>& watch,
                                         const HistoryEvent& event) {
  if (!watch->covers(event.collection, event.ns)) return;
  bool now_matches = watch->matches(event.object);
  WatchEventType type = event.type;
  if (event.previous) {
    bool was_matching = watch->matches(*event.previous);
    if (!now_matches && !was_matching) return;
    if (!was_matching) type = WatchEventType::kAdded;
    if (!now_matches) type = WatchEventType::kDeleted;
  } else if (!now_matches) {
    return;
  }
  pending_.push_back(Pending{watch, WatchEvent{type, event.object}, {}});
}

void FakeKubeClient::publishLocked(const ResourceRef& ref, const std::string& ns,
                                   WatchEventType type, const json& object,
                                   std::optional<json> previous) {
  HistoryEvent event{collectionOf(ref),   scopeOf(ref, ns), type, object,
                     std::move(previous), resource_version_};
  std::erase_if(watches_, [](const auto& w) { return !w->gate->active(); });
  for (const auto& watch : watches_) queueForWatchLocked(watch, event);
  history_.push_back(std::move(event));
  if (history_.size() > kMaxHistory) {
    history_floor_ = history_.front().resource_version;
    history_.pop_front();
  }
}

void FakeKubeClient::startWatchLocked(const std::shared_ptr<Watch>& watch,
                                      const std::string& resource_version) {
  if (resource_version.empty() || resource_version == "0") {
    for (const auto& [key, entry] : objects_) {
      std::string ns = metaString(entry.object, "namespace");
      if (!watch->covers(collectionOf(entry.ref), ns) || !watch->matches(entry.object)) continue;
      pending_.push_back(Pending{watch, WatchEvent{WatchEventType::kAdded, entry.object}, {}});
    }
    watches_.push_back(watch);
    return;
  }
  int64_t from = 0;
  try {
    from = std::stoll(resource_version);
  } catch (const std::exception&) {
    pending_.push_back(
        Pending{watch, std::nullopt,
                invalidArgument("invalid resourceVersion '" + resource_version + "'")});
    return;
  }
  if (from < history_floor_) {
    pending_.push_back(
        Pending{watch, std::nullopt,
                Error{ErrorCode::kGone, "too old resource version: " + resource_version + " (" +
                                            std::to_string(history_floor_) + ")"}});
    return;
  }
  for (const auto& event : history_) {
    if (event.resource_version > from) queueForWatchLocked(watch, event);
  }
  watches_.push_back(watch);
}

WatchHandlePtr FakeKubeClient::watch(const ResourceRef& ref, const std::string& ns,
                                     const WatchOptions& options, WatchEventCallback on_event,
                                     WatchDoneCallback on_done) {
  auto watch = std::make_shared<Watch>();
  watch->collection = collectionOf(ref);
  watch->ns = scopeOf(ref, ns);
  watch->bookmarks = options.allow_bookmarks;
  watch->gate = std::make_shared<WatchGate>(std::move(on_event), std::move(on_done));
  auto handle = std::make_unique<FakeWatchHandle>(watch->gate);
  {
    std::lock_guard lock(mu_);
    record(Verb::kWatch, ref, ns, "");
    auto labels = LabelSelector::parse(options.label_selector);
    auto fields = FieldSelector::parse(options.field_selector);
    if (auto failure = takeFailure(Verb::kWatch, ref)) {
      pending_.push_back(Pending{watch, std::nullopt, *failure});
    } else if (!labels.ok() || !fields.ok()) {
      pending_.push_back(
          Pending{watch, std::nullopt, labels.ok() ? fields.error() : labels.error()});
    } else {
      watch->labels = std::move(*labels);
      watch->fields = std::move(*fields);
      startWatchLocked(watch, options.resource_version);
    }
  }
  pump();
  return handle;
}

void FakeKubeClient::pump() {
  {
    std::lock_guard lock(mu_);
    if (delivery_ == WatchDelivery::kManual) return;
    if (delivering_thread_ == std::this_thread::get_id()) return;  // the outer loop delivers
  }
  deliverPending();
}

size_t FakeKubeClient::deliverPending() {
  std::lock_guard delivery_lock(delivery_mu_);
  size_t count = 0;
  while (true) {
    Pending next;
    {
      std::lock_guard lock(mu_);
      if (pending_.empty()) {
        delivering_thread_ = std::thread::id();
        break;
      }
      delivering_thread_ = std::this_thread::get_id();
      next = std::move(pending_.front());
      pending_.pop_front();
    }
    if (next.event) {
      next.watch->gate->deliver(*next.event);
    } else {
      next.watch->gate->finish(next.done);
    }
    ++count;
  }
  return count;
}

// --- Test controls ---

void FakeKubeClient::failNext(Verb verb, Error error, int times, const std::string& plural) {
  std::lock_guard lock(mu_);
  fail_rules_.push_back(FailRule{verb, plural, std::move(error), times});
}

Result<json> FakeKubeClient::seed(const ResourceRef& ref, json obj) {
  Result<json> result = internalError("unreachable");
  {
    std::lock_guard lock(mu_);
    std::string ns = metaString(obj, "namespace");
    std::string key = keyOf(ref, ns, metaString(obj, "name"));
    auto existing = objects_.find(key);
    if (existing == objects_.end()) {
      result = createLocked(ref, ns, std::move(obj), /*keep_status=*/true);
    } else if (!obj.is_object()) {
      result = invalidArgument("the object must be a JSON object");
    } else {
      json old_obj = existing->second.object;
      for (const char* field : {"uid", "creationTimestamp", "generation"}) {
        obj["metadata"][field] = metadataOf(old_obj).value(field, json());
      }
      result = commitLocked(ref, key, old_obj, std::move(obj));
    }
  }
  pump();
  return result;
}

void FakeKubeClient::setWatchDelivery(WatchDelivery mode) {
  {
    std::lock_guard lock(mu_);
    delivery_ = mode;
  }
  pump();
}

size_t FakeKubeClient::flushWatchEvents() {
  {
    std::lock_guard lock(mu_);
    if (delivering_thread_ == std::this_thread::get_id()) return 0;
  }
  return deliverPending();
}

void FakeKubeClient::endWatches(const Status& status) {
  {
    std::lock_guard lock(mu_);
    for (const auto& watch : watches_) pending_.push_back(Pending{watch, std::nullopt, status});
    watches_.clear();
  }
  pump();
}

void FakeKubeClient::sendBookmarks() {
  {
    std::lock_guard lock(mu_);
    json bookmark = {{"metadata", {{"resourceVersion", std::to_string(resource_version_)}}}};
    for (const auto& watch : watches_) {
      if (!watch->bookmarks || !watch->gate->active()) continue;
      pending_.push_back(Pending{watch, WatchEvent{WatchEventType::kBookmark, bookmark}, {}});
    }
  }
  pump();
}

void FakeKubeClient::compactHistory() {
  std::lock_guard lock(mu_);
  history_.clear();
  history_floor_ = resource_version_;
}

size_t FakeKubeClient::activeWatchCount() {
  std::lock_guard lock(mu_);
  std::erase_if(watches_, [](const auto& w) { return !w->gate->active(); });
  return watches_.size();
}

std::string FakeKubeClient::currentResourceVersion() {
  std::lock_guard lock(mu_);
  return std::to_string(resource_version_);
}

std::vector<RecordedAction> FakeKubeClient::actions() {
  std::lock_guard lock(mu_);
  return actions_;
}

void FakeKubeClient::clearActions() {
  std::lock_guard lock(mu_);
  actions_.clear();
}

}  // namespace attache::kube
