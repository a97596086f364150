// Watch streams against the real kube-apiserver: event order, bookmarks, expiry, cancellation.
#include <gtest/gtest.h>

#include "tests/integration/kube/test_cluster.h"

namespace attache::kube::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

class RestWatchTest : public ClusterTest {};

std::vector<std::string> describeAll(const std::vector<WatchEvent>& events, bool bookmarks) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    if (bookmarks || e.type != WatchEventType::kBookmark) out.push_back(describe(e));
  }
  return out;
}

TEST_F(RestWatchTest, SeesAddedModifiedDeletedInOrder) {
  auto listed = client().list(kConfigMaps, ns());
  ASSERT_TRUE(listed.ok()) << listed.error().toString();
  WatchRecorder recorder;
  auto handle = client().watch(
      kConfigMaps, ns(),
      {.resource_version = listed->resource_version, .label_selector = "suite=watch-order"},
      recorder.onEvent(), recorder.onDone());
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("w", {{"suite", "watch-order"}})).ok());
  ASSERT_TRUE(client().patch(kConfigMaps, ns(), "w", {{"data", {{"k", "2"}}}}).ok());
  ASSERT_TRUE(client().remove(kConfigMaps, ns(), "w").ok());
  ASSERT_TRUE(recorder.waitFor([](const auto& events) {
    return describeAll(events, false).size() >= 3;
  })) << "events so far: "
      << recorder.events().size();
  EXPECT_EQ(describeAll(recorder.events(), false),
            (std::vector<std::string>{"ADDED w", "MODIFIED w", "DELETED w"}));
  auto events = recorder.events();
  EXPECT_EQ(events.back().object["kind"], "ConfigMap");
  EXPECT_FALSE(recorder.waitDone(milliseconds(0)).has_value());
}

TEST_F(RestWatchTest, AWatchFromNowStartsWithTheExistingObjects) {
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("pre", {{"suite", "initial"}})).ok());
  WatchRecorder recorder;
  auto handle = client().watch(kConfigMaps, ns(), {.label_selector = "suite=initial"},
                               recorder.onEvent(), recorder.onDone());
  ASSERT_TRUE(recorder.waitFor([](const auto& events) { return !events.empty(); }));
  EXPECT_EQ(describe(recorder.events().front()), "ADDED pre");
}

TEST_F(RestWatchTest, TheServerEndsTheStreamAtItsTimeoutAfterABookmark) {
  // The API server sends a bookmark 2 s before a watch's timeout, and only when its
  // resourceVersion moved past the watcher's: a change outside the selector moves it.
  auto listed = client().list(kConfigMaps, ns());
  ASSERT_TRUE(listed.ok());
  WatchRecorder recorder;
  auto started = std::chrono::steady_clock::now();
  auto handle = client().watch(kConfigMaps, ns(),
                               {.resource_version = listed->resource_version,
                                .label_selector = "suite=bookmarks",
                                .timeout_seconds = 4,
                                .allow_bookmarks = true},
                               recorder.onEvent(), recorder.onDone());
  // An ADDED event proves the stream is open; then move the resourceVersion.
  ASSERT_TRUE(client()
                  .create(kConfigMaps, ns(), configMap("bookmark-seen", {{"suite", "bookmarks"}}))
                  .ok());
  ASSERT_TRUE(recorder.waitFor([](const auto& e) { return !e.empty(); }));
  auto unrelated = client().create(kConfigMaps, ns(), configMap("bookmark-mover"));
  ASSERT_TRUE(unrelated.ok()) << unrelated.error().toString();
  int64_t moved_to = std::stoll(unrelated->at("metadata").at("resourceVersion").get<std::string>());

  auto done = recorder.waitDone(seconds(15));
  ASSERT_TRUE(done.has_value()) << "the stream did not end at the server's timeout";
  EXPECT_TRUE(done->ok()) << done->error().toString();
  EXPECT_GE(std::chrono::steady_clock::now() - started, seconds(3));
  auto events = recorder.events();
  ASSERT_GE(events.size(), 2u) << "no bookmark before the timeout";
  EXPECT_EQ(describe(events[0]), "ADDED bookmark-seen");
  for (size_t i = 1; i < events.size(); ++i) {
    ASSERT_EQ(events[i].type, WatchEventType::kBookmark) << describe(events[i]);
    std::string rv = events[i].object["metadata"].value("resourceVersion", "");
    ASSERT_FALSE(rv.empty());
    EXPECT_GE(std::stoll(rv), moved_to);
  }
}

// 29 s long, so disabled by default (--gtest_also_run_disabled_tests): an idle watch at the
// longest timeout ends with ok from the server, before the client's 30 s request timeout.
TEST_F(RestWatchTest, DISABLED_AnIdleWatchAtTheLongestTimeoutEndsCleanly) {
  WatchRecorder recorder;
  auto handle = client().watch(kConfigMaps, ns(),
                               {.label_selector = "suite=idle",
                                .timeout_seconds = kMaxWatchTimeoutSeconds,
                                .allow_bookmarks = false},
                               recorder.onEvent(), recorder.onDone());
  auto done = recorder.waitDone(seconds(40));
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->ok()) << done->error().toString();
}

TEST_F(RestWatchTest, ATooOldResourceVersionIsGone) {
  // A resource's watch cache holds what happened since it was filled. The built-in types'
  // caches fill when the API server starts (revision ~1), and kube-apiserver 1.34 serves older
  // revisions from etcd until compaction: no 410 there. A CRD's cache fills when the CRD is
  // installed (by the fixture, at a later revision), so "1" is older than its window and the
  // server answers with a watch ERROR event, code 410.
  WatchRecorder recorder;
  auto handle = client().watch(kShardedServices, ns(), {.resource_version = "1"},
                               recorder.onEvent(), recorder.onDone());
  auto done = recorder.waitDone(seconds(10));
  ASSERT_TRUE(done.has_value());
  ASSERT_FALSE(done->ok());
  EXPECT_EQ(done->error().code, ErrorCode::kGone) << done->error().toString();
  EXPECT_NE(done->error().message.find("too old resource version"), std::string::npos);
}

TEST_F(RestWatchTest, CancelStopsTheStreamPromptlyAndSilencesCallbacks) {
  WatchRecorder cancelled, witness;
  auto handle = client().watch(kConfigMaps, ns(), {.label_selector = "suite=cancel"},
                               cancelled.onEvent(), cancelled.onDone());
  auto other = client().watch(kConfigMaps, ns(), {.label_selector = "suite=cancel"},
                              witness.onEvent(), witness.onDone());
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("c1", {{"suite", "cancel"}})).ok());
  ASSERT_TRUE(cancelled.waitFor([](const auto& e) { return !e.empty(); }));

  auto before = std::chrono::steady_clock::now();
  handle->cancel();
  auto took = std::chrono::steady_clock::now() - before;
  EXPECT_LT(took, seconds(2)) << "cancel() took "
                              << std::chrono::duration_cast<milliseconds>(took).count() << " ms";
  auto after = std::chrono::steady_clock::now();

  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("c2", {{"suite", "cancel"}})).ok());
  ASSERT_TRUE(witness.waitFor([](const auto& e) { return e.size() >= 2; }));
  EXPECT_EQ(cancelled.callbacksAfter(after), 0);
  EXPECT_FALSE(cancelled.waitDone(milliseconds(0)).has_value());
  handle.reset();  // destroying a cancelled handle is fine
}

TEST_F(RestWatchTest, ACallbackMayCancelItsOwnWatchAndCallTheClient) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> seen;
  WatchHandlePtr handle;
  std::mutex handle_mu;
  {
    std::lock_guard lock(handle_mu);
    handle = client().watch(
        kConfigMaps, ns(), {.label_selector = "suite=self-cancel"},
        [&](const WatchEvent& e) {
          // 1.34 ends the initial list with a BOOKMARK (annotation k8s.io/initial-events-end).
          if (e.type == WatchEventType::kBookmark) return;
          std::string name = e.object["metadata"].value("name", "");
          auto fresh = client().get(kConfigMaps, ns(), name);  // synchronous call from a callback
          std::lock_guard hold(handle_mu);
          std::lock_guard guard(mu);
          seen.push_back(name + (fresh.ok() ? " ok" : " missing"));
          handle->cancel();
          cv.notify_all();
        },
        nullptr);
  }
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("s1", {{"suite", "self-cancel"}})).ok());
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("s2", {{"suite", "self-cancel"}})).ok());
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, seconds(10), [&] { return !seen.empty(); }));
  EXPECT_EQ(seen, (std::vector<std::string>{"s1 ok"}));
}

TEST_F(RestWatchTest, ManyConcurrentWatchesAndRequestsShareTheClient) {
  constexpr int kWatches = 6;
  std::vector<std::unique_ptr<WatchRecorder>> recorders;
  std::vector<WatchHandlePtr> handles;
  for (int i = 0; i < kWatches; ++i) {
    recorders.push_back(std::make_unique<WatchRecorder>());
    handles.push_back(client().watch(kConfigMaps, ns(), {.label_selector = "suite=many"},
                                     recorders.back()->onEvent(), recorders.back()->onDone()));
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        client()
            .create(kConfigMaps, ns(), configMap("m" + std::to_string(i), {{"suite", "many"}}))
            .ok());
  }
  for (auto& r : recorders) {
    EXPECT_TRUE(r->waitFor([](const auto& e) { return e.size() >= 5; }));
  }
  handles.clear();
}

}  // namespace
}  // namespace attache::kube::testing
