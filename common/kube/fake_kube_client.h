// An in-memory KubeClient for unit tests of the operator and the webhook.
//
// What it models: a resourceVersion counter shared by all objects; uid, creationTimestamp and
// generation (1 on create, +1 when anything outside metadata and status changes); status as a
// subresource for every resource (create drops status, replace/patch keep the stored status,
// the status variants change only status); optimistic concurrency on metadata.resourceVersion;
// finalizers (remove sets deletionTimestamp, the update that clears the last finalizer deletes);
// label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors (dotted paths,
// =, ==, !=); list pagination with limit/continue; merge patch (RFC 7386) and JSON patch
// (RFC 6902). Simplifications: strategic merge and server-side apply are merge patches (lists
// are replaced, not merged by key; apply creates a missing object and ignores field managers);
// no defaulting, validation or garbage collection; watches never time out by themselves.
//
// Watches: events are queued when the change happens and delivered in resourceVersion order.
// With WatchDelivery::kSynchronous (the default) the thread that made the change delivers them
// before its call returns (a callback that changes objects has its events delivered after it
// returns, by the same outer loop); with kManual they wait for flushWatchEvents(). A watch from
// resourceVersion "" or "0" starts with ADDED for every matching object; from a newer one, it
// replays the retained history (kGone when older than the history: see compactHistory()).
// A watch with a label selector sees ADDED/DELETED when an update makes an object start/stop
// matching, as with the real API server.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/kube/kube_client.h"

namespace attache::kube {

enum class Verb { kGet, kList, kCreate, kReplace, kPatch, kRemove, kWatch };

enum class WatchDelivery { kSynchronous, kManual };

// One call the fake received (successful or not), for tests that assert on writes.
struct RecordedAction {
  Verb verb = Verb::kGet;
  std::string resource;  // ResourceRef::displayName()
  std::string ns;
  std::string name;
  bool status = false;  // a status subresource write
};

class FakeKubeClient : public KubeClient {
 public:
  FakeKubeClient();
  ~FakeKubeClient() override;

  Result<nlohmann::json> get(const ResourceRef& ref, const std::string& ns,
                             const std::string& name) override;
  Result<ListResult> list(const ResourceRef& ref, const std::string& ns,
                          const ListOptions& options = {}) override;
  Result<nlohmann::json> create(const ResourceRef& ref, const std::string& ns,
                                const nlohmann::json& obj) override;
  Result<nlohmann::json> replace(const ResourceRef& ref, const std::string& ns,
                                 const nlohmann::json& obj, bool status = false) override;
  Result<nlohmann::json> patch(const ResourceRef& ref, const std::string& ns,
                               const std::string& name, const nlohmann::json& patch,
                               const PatchOptions& options = {}) override;
  Status remove(const ResourceRef& ref, const std::string& ns, const std::string& name) override;
  Result<nlohmann::json> getPath(const std::string& path) override;
  WatchHandlePtr watch(const ResourceRef& ref, const std::string& ns, const WatchOptions& options,
                       WatchEventCallback on_event, WatchDoneCallback on_done) override;

  // --- Test controls ---

  // The next `times` calls of `verb` (on `plural` only, when given) fail with `error` before
  // touching the store. A failed watch ends at once with on_done(error).
  void failNext(Verb verb, Error error, int times = 1, const std::string& plural = "");
  // Stores `obj` as given, status included (fixtures: a Pod with its podIP). Fills in missing
  // namespace, uid, resourceVersion, generation, creationTimestamp; replaces an existing object.
  Result<nlohmann::json> seed(const ResourceRef& ref, nlohmann::json obj);
  void setWatchDelivery(WatchDelivery mode);
  // What getPath(path) returns from now on (other paths: kNotFound).
  void setPath(const std::string& path, nlohmann::json body);
  // Delivers every queued watch event and on_done (both modes); returns how many were
  // dequeued. Does nothing when called from inside a watch callback.
  size_t flushWatchEvents();
  // Ends every open watch with on_done(status): ok as a server timeout, kGone as an expiry.
  void endWatches(const Status& status = {});
  // A BOOKMARK at the current resourceVersion to every watch that allowed bookmarks.
  void sendBookmarks();
  // Forgets the event history: watches from a resourceVersion before now get kGone.
  void compactHistory();
  size_t activeWatchCount();
  std::string currentResourceVersion();
  std::vector<RecordedAction> actions();
  void clearActions();

 private:
  struct Watch;
  struct Entry {
    ResourceRef ref;
    nlohmann::json object;
  };
  struct HistoryEvent {
    std::string collection;  // group/plural
    std::string ns;
    WatchEventType type;
    nlohmann::json object;
    std::optional<nlohmann::json> previous;  // for MODIFIED: the object before
    int64_t resource_version;
  };
  struct Pending {
    std::shared_ptr<Watch> watch;
    std::optional<WatchEvent> event;  // nullopt: on_done(done)
    Status done;
  };
  struct FailRule {
    Verb verb;
    std::string plural;
    Error error;
    int remaining;
  };

  std::optional<Error> takeFailure(Verb verb, const ResourceRef& ref);
  void record(Verb verb, const ResourceRef& ref, const std::string& ns, const std::string& name,
              bool status = false);
  Result<nlohmann::json> createLocked(const ResourceRef& ref, const std::string& ns,
                                      nlohmann::json obj, bool keep_status = false);
  Result<nlohmann::json> commitLocked(const ResourceRef& ref, const std::string& key,
                                      const nlohmann::json& old_obj, nlohmann::json new_obj);
  Result<nlohmann::json> updateLocked(const ResourceRef& ref, const std::string& ns,
                                      const std::string& name, const nlohmann::json& desired,
                                      bool status);
  void publishLocked(const ResourceRef& ref, const std::string& ns, WatchEventType type,
                     const nlohmann::json& object, std::optional<nlohmann::json> previous);
  void queueForWatchLocked(const std::shared_ptr<Watch>& watch, const HistoryEvent& event);
  void startWatchLocked(const std::shared_ptr<Watch>& watch, const std::string& resource_version);
  int64_t nextResourceVersionLocked() { return ++resource_version_; }
  std::string nowTimestamp() const;
  void pump();
  size_t deliverPending();

  std::mutex mu_;  // guards everything below but delivery_mu_/delivering_thread_
  std::map<std::string, Entry> objects_;         // by group/plural/ns/name
  std::map<std::string, nlohmann::json> paths_;  // non-resource paths (getPath)
  std::deque<HistoryEvent> history_;
  int64_t history_floor_ = 0;  // events after this resourceVersion are in history_
  int64_t resource_version_ = 0;
  int64_t uid_counter_ = 0;
  std::vector<std::shared_ptr<Watch>> watches_;
  std::deque<Pending> pending_;
  std::vector<FailRule> fail_rules_;
  std::vector<RecordedAction> actions_;
  WatchDelivery delivery_ = WatchDelivery::kSynchronous;

  std::mutex delivery_mu_;             // one delivering thread at a time, so events stay in order
  std::thread::id delivering_thread_;  // guarded by mu_
};

}  // namespace attache::kube
