// The Kubernetes client interface the operator and the webhook code against. Objects are
// nlohmann::json as the API server serves them; errors are values (common/result.h) whose code
// follows the HTTP status and whose message is the API server's Status.message.
//
// Implementations: makeRestClient() (common/kube/kube_rest.h, cpprestsdk) and FakeKubeClient
// (common/kube/fake_kube_client.h, in memory, for unit tests).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/kube/resource.h"
#include "common/result.h"

namespace attache::kube {

struct ListOptions {
  std::string label_selector;    // "app=redis,tier in (cache)"
  std::string field_selector;    // "metadata.name=foo"
  std::string resource_version;  // "" = most recent (quorum read)
  int64_t limit = 0;             // 0 = no limit
  std::string continue_token;
};

struct ListResult {
  std::vector<nlohmann::json> items;  // each with apiVersion and kind filled in
  std::string resource_version;       // of the list: start a watch from here
  std::string continue_token;         // "" on the last page
};

enum class PatchType {
  kMerge,           // RFC 7386 JSON merge patch
  kJson,            // RFC 6902 JSON patch (an array of operations)
  kStrategicMerge,  // built-in types only
  kApply,           // server-side apply: the patch is the full desired object (fully specified)
};

struct PatchOptions {
  PatchType type = PatchType::kMerge;
  bool status = false;  // patch the status subresource
  std::string field_manager = "attache";
  bool force = false;  // server-side apply: take ownership of conflicting fields
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

std::string_view watchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // A bookmark carries only metadata.resourceVersion (and annotations: kube-apiserver 1.34 ends
  // the initial ADDED events of a watch without resourceVersion with a bookmark annotated
  // k8s.io/initial-events-end). Bookmarks come only when allow_bookmarks is set.
  nlohmann::json object;
};

// The longest timeout_seconds a watch may ask for: the REST client's idle timeout is 30 s.
inline constexpr int kMaxWatchTimeoutSeconds = 29;

struct WatchOptions {
  std::string resource_version;  // "" = start with ADDED events for every existing object
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 25;  // the server ends the stream then (on_done ok); clamped to 1..29
  bool allow_bookmarks = true;
};

// A running watch. Destroying the handle cancels the watch.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
  // Stops the stream. No callback runs after cancel() returns (when called from inside a
  // callback, none runs after that callback returns); on_done is not called for a cancelled
  // watch. Idempotent.
  virtual void cancel() = 0;
};
using WatchHandlePtr = std::unique_ptr<WatchHandle>;

using WatchEventCallback = std::function<void(const WatchEvent&)>;
using WatchDoneCallback = std::function<void(const Status&)>;

// Thread-safe: any method may be called from any thread.
class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual Result<nlohmann::json> get(const ResourceRef& ref, const std::string& ns,
                                     const std::string& name) = 0;
  // `ns` "" = all namespaces. Returns one page; follows no continue token (see listAll).
  virtual Result<ListResult> list(const ResourceRef& ref, const std::string& ns,
                                  const ListOptions& options = {}) = 0;
  // Every page of a list (page size options.limit, 500 when 0), concatenated. kGone when a
  // continue token expired mid-way: list again.
  Result<ListResult> listAll(const ResourceRef& ref, const std::string& ns,
                             ListOptions options = {});
  virtual Result<nlohmann::json> create(const ResourceRef& ref, const std::string& ns,
                                        const nlohmann::json& obj) = 0;
  // PUT of the whole object (metadata.name names it; metadata.resourceVersion, when set, must
  // be current or the result is kConflict). With `status`, the status subresource.
  virtual Result<nlohmann::json> replace(const ResourceRef& ref, const std::string& ns,
                                         const nlohmann::json& obj, bool status = false) = 0;
  virtual Result<nlohmann::json> patch(const ResourceRef& ref, const std::string& ns,
                                       const std::string& name, const nlohmann::json& patch,
                                       const PatchOptions& options = {}) = 0;
  virtual Status remove(const ResourceRef& ref, const std::string& ns, const std::string& name) = 0;
  // GET of a path that is not a resource, such as "/version", decoded as JSON.
  virtual Result<nlohmann::json> getPath(const std::string& path) = 0;

  // Streams events to on_event on a client thread (never the caller's thread for the REST
  // client; see FakeKubeClient for the fake), in order. on_done(status) is called once when the
  // stream ends: ok when the server ended it (timeout: re-watch from the last resourceVersion
  // seen), kGone when the resourceVersion is too old (an HTTP 410 or a watch ERROR event with
  // code 410: relist), kUnavailable on transport errors, other codes for other refusals.
  // Callbacks may call the client's synchronous methods.
  virtual WatchHandlePtr watch(const ResourceRef& ref, const std::string& ns,
                               const WatchOptions& options, WatchEventCallback on_event,
                               WatchDoneCallback on_done) = 0;
};
using KubeClientPtr = std::unique_ptr<KubeClient>;

// Maps an API server reply to an Error: 404 NotFound, 409 Conflict (AlreadyExists when the
// Status reason says so), 410 Gone, 400/422 and other 4xx InvalidArgument, 401/403 Forbidden,
// 408/429/5xx Unavailable. The message is the Status.message from `body` when it is a Status
// object, else the start of the body.
Error errorFromStatus(int http_status, const std::string& body);

// The same for an already parsed Status object (a watch ERROR event's object).
Error errorFromStatusObject(const nlohmann::json& status);

// Parses one line of a watch stream. A well-formed ADDED/MODIFIED/DELETED/BOOKMARK event yields
// the event; an ERROR event yields its Status as an Error (410 -> kGone); anything else yields
// kUnavailable naming the problem.
Result<WatchEvent> parseWatchEvent(std::string_view line);

}  // namespace attache::kube
