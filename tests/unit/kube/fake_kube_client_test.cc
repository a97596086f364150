#include "common/kube/fake_kube_client.h"

#include <gtest/gtest.h>

#include <thread>

namespace attache::kube {
namespace {

using nlohmann::json;

json configMap(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"data", {{"k", "v"}}}};
}

json shardedService(const std::string& name) {
  return {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ShardedService"},
          {"metadata", {{"name", name}}},
          {"spec", {{"protocol", "redis"}}}};
}

std::string rv(const json& obj) { return obj["metadata"]["resourceVersion"]; }

// Records what a watch delivered: "ADDED name", ..., then "done <code>".
struct Recorder {
  std::vector<std::string> log;
  WatchEventCallback onEvent() {
    return [this](const WatchEvent& e) {
      std::string name = e.object["metadata"].value("name", "");
      log.push_back(std::string(watchEventTypeName(e.type)) + " " + name);
    };
  }
  WatchDoneCallback onDone() {
    return [this](const Status& s) {
      log.push_back(s.ok() ? "done ok" : "done " + std::string(errorCodeName(s.error().code)));
    };
  }
};

class FakeKubeClientTest : public ::testing::Test {
 protected:
  FakeKubeClient client_;
};

TEST_F(FakeKubeClientTest, CreateFillsInServerSideMetadataAndDropsStatus) {
  json obj = shardedService("cache");
  obj["status"] = {{"readyShards", 3}};
  auto created = client_.create(kShardedServices, "shop", obj);
  ASSERT_TRUE(created.ok()) << created.error().toString();
  const json& meta = (*created)["metadata"];
  EXPECT_EQ(meta["namespace"], "shop");
  EXPECT_FALSE(meta["uid"].get<std::string>().empty());
  EXPECT_FALSE(meta["creationTimestamp"].get<std::string>().empty());
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_EQ(rv(*created), client_.currentResourceVersion());
  EXPECT_FALSE(created->contains("status"));
  auto got = client_.get(kShardedServices, "shop", "cache");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *created);
}

TEST_F(FakeKubeClientTest, ErrorsFollowTheApiServer) {
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());
  auto again = client_.create(kConfigMaps, "shop", configMap("a"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "configmaps \"a\" already exists");

  auto missing = client_.get(kConfigMaps, "shop", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(client_.remove(kConfigMaps, "shop", "nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(client_.create(kConfigMaps, "", configMap("b")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(client_.create(kConfigMaps, "shop", json{{"metadata", json::object()}}).error().code,
            ErrorCode::kInvalidArgument);
}

TEST_F(FakeKubeClientTest, ReplaceWithAStaleResourceVersionConflicts) {
  auto created = client_.create(kConfigMaps, "shop", configMap("a"));
  ASSERT_TRUE(created.ok());
  json first = *created, second = *created;
  first["data"]["k"] = "1";
  ASSERT_TRUE(client_.replace(kConfigMaps, "shop", first).ok());
  second["data"]["k"] = "2";
  auto stale = client_.replace(kConfigMaps, "shop", second);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  second["metadata"].erase("resourceVersion");  // unconditional update
  auto forced = client_.replace(kConfigMaps, "shop", second);
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ((*forced)["data"]["k"], "2");
}

TEST_F(FakeKubeClientTest, GenerationBumpsOnSpecChangesOnly) {
  auto obj = client_.create(kShardedServices, "shop", shardedService("cache"));
  ASSERT_TRUE(obj.ok());
  json with_status = *obj;
  with_status["status"] = {{"readyShards", 1}};
  auto status = client_.replace(kShardedServices, "shop", with_status, /*status=*/true);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ((*status)["metadata"]["generation"], 1);
  EXPECT_EQ((*status)["status"]["readyShards"], 1);
  EXPECT_NE(rv(*status), rv(*obj));

  auto labelled =
      client_.patch(kShardedServices, "shop", "cache", {{"metadata", {{"labels", {{"a", "b"}}}}}});
  ASSERT_TRUE(labelled.ok());
  EXPECT_EQ((*labelled)["metadata"]["generation"], 1);

  auto spec = client_.patch(kShardedServices, "shop", "cache", {{"spec", {{"hash", "md5"}}}});
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ((*spec)["metadata"]["generation"], 2);
  EXPECT_EQ((*spec)["status"]["readyShards"], 1) << "a main-resource write keeps the status";
}

TEST_F(FakeKubeClientTest, MainResourceWritesIgnoreStatusAndStatusWritesIgnoreSpec) {
  ASSERT_TRUE(client_.create(kShardedServices, "shop", shardedService("cache")).ok());
  auto p = client_.patch(kShardedServices, "shop", "cache",
                         {{"spec", {{"protocol", "memcached"}}}, {"status", {{"x", 1}}}},
                         {.status = true});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)["spec"]["protocol"], "redis");
  EXPECT_EQ((*p)["status"]["x"], 1);
  auto q = client_.patch(kShardedServices, "shop", "cache", {{"status", {{"x", 2}}}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ((*q)["status"]["x"], 1);
}

TEST_F(FakeKubeClientTest, ANoOpWriteKeepsTheResourceVersion) {
  auto obj = client_.create(kConfigMaps, "shop", configMap("a"));
  ASSERT_TRUE(obj.ok());
  auto same = client_.patch(kConfigMaps, "shop", "a", {{"data", {{"k", "v"}}}});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(rv(*same), rv(*obj));
}

TEST_F(FakeKubeClientTest, MergeJsonAndApplyPatches) {
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());
  auto merged = client_.patch(kConfigMaps, "shop", "a", {{"data", {{"k", nullptr}, {"n", "1"}}}});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ((*merged)["data"], (json{{"n", "1"}}));

  auto patched = client_.patch(kConfigMaps, "shop", "a",
                               json::parse(R"([{"op":"add","path":"/data/m","value":"2"}])"),
                               {.type = PatchType::kJson});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ((*patched)["data"]["m"], "2");

  auto failed_test = client_.patch(kConfigMaps, "shop", "a",
                                   json::parse(R"([{"op":"test","path":"/data/m","value":"9"}])"),
                                   {.type = PatchType::kJson});
  ASSERT_FALSE(failed_test.ok());
  EXPECT_EQ(failed_test.error().code, ErrorCode::kInvalidArgument);

  auto applied = client_.patch(kConfigMaps, "shop", "b", configMap("b"),
                               {.type = PatchType::kApply, .force = true});
  ASSERT_TRUE(applied.ok()) << "apply creates a missing object";
  EXPECT_EQ((*applied)["data"]["k"], "v");
  EXPECT_EQ(client_.patch(kConfigMaps, "shop", "c", {{"data", json::object()}}).error().code,
            ErrorCode::kNotFound);
}

TEST_F(FakeKubeClientTest, APatchCarryingAStaleResourceVersionConflicts) {
  auto obj = client_.create(kConfigMaps, "shop", configMap("a"));
  ASSERT_TRUE(obj.ok());
  ASSERT_TRUE(client_.patch(kConfigMaps, "shop", "a", {{"data", {{"k", "1"}}}}).ok());
  auto stale =
      client_.patch(kConfigMaps, "shop", "a",
                    {{"metadata", {{"resourceVersion", rv(*obj)}}}, {"data", {{"k", "2"}}}});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
}

TEST_F(FakeKubeClientTest, ListFiltersByNamespaceLabelsAndFieldsAndPages) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(client_
                    .create(kConfigMaps, "shop",
                            configMap("cm" + std::to_string(i), {{"even", i % 2 ? "no" : "yes"}}))
                    .ok());
  }
  ASSERT_TRUE(client_.create(kConfigMaps, "other", configMap("x")).ok());
  ASSERT_TRUE(client_.create(kSecrets, "shop", configMap("not-a-configmap")).ok());

  EXPECT_EQ(client_.list(kConfigMaps, "shop")->items.size(), 5u);
  EXPECT_EQ(client_.list(kConfigMaps, "")->items.size(), 6u);
  EXPECT_EQ(client_.list(kConfigMaps, "shop", {.label_selector = "even=yes"})->items.size(), 3u);
  EXPECT_EQ(
      client_.list(kConfigMaps, "", {.field_selector = "metadata.namespace=other"})->items.size(),
      1u);
  EXPECT_EQ(client_.list(kConfigMaps, "shop", {.label_selector = "in in"}).error().code,
            ErrorCode::kInvalidArgument);

  auto page = client_.list(kConfigMaps, "shop", {.limit = 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 2u);
  EXPECT_FALSE(page->continue_token.empty());
  EXPECT_EQ(page->resource_version, client_.currentResourceVersion());

  auto all = client_.listAll(kConfigMaps, "shop", {.limit = 2});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> names;
  for (const auto& item : all->items) names.push_back(item["metadata"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"cm0", "cm1", "cm2", "cm3", "cm4"}));
}

TEST_F(FakeKubeClientTest, FinalizersDelayDeletionUntilTheyAreRemoved) {
  json obj = configMap("a");
  obj["metadata"]["finalizers"] = {"attache.dev/cleanup"};
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", obj).ok());
  ASSERT_TRUE(client_.remove(kConfigMaps, "shop", "a").ok());
  auto terminating = client_.get(kConfigMaps, "shop", "a");
  ASSERT_TRUE(terminating.ok());
  EXPECT_TRUE((*terminating)["metadata"].contains("deletionTimestamp"));
  ASSERT_TRUE(
      client_.patch(kConfigMaps, "shop", "a", {{"metadata", {{"finalizers", nullptr}}}}).ok());
  EXPECT_EQ(client_.get(kConfigMaps, "shop", "a").error().code, ErrorCode::kNotFound);
}

TEST_F(FakeKubeClientTest, WatchSeesExistingObjectsThenChangesInOrder) {
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("before")).ok());
  Recorder r;
  auto handle = client_.watch(kConfigMaps, "shop", {}, r.onEvent(), r.onDone());
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());
  ASSERT_TRUE(client_.create(kConfigMaps, "elsewhere", configMap("b")).ok());
  ASSERT_TRUE(client_.patch(kConfigMaps, "shop", "a", {{"data", {{"k", "2"}}}}).ok());
  ASSERT_TRUE(client_.remove(kConfigMaps, "shop", "a").ok());
  client_.endWatches();
  EXPECT_EQ(r.log, (std::vector<std::string>{"ADDED before", "ADDED a", "MODIFIED a", "DELETED a",
                                             "done ok"}));
}

TEST_F(FakeKubeClientTest, WatchFromAResourceVersionReplaysLaterEvents) {
  auto a = client_.create(kConfigMaps, "shop", configMap("a"));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("b")).ok());
  Recorder r;
  auto handle =
      client_.watch(kConfigMaps, "", {.resource_version = rv(*a)}, r.onEvent(), r.onDone());
  EXPECT_EQ(r.log, (std::vector<std::string>{"ADDED b"}));
}

TEST_F(FakeKubeClientTest, WatchFromACompactedResourceVersionIsGone) {
  auto a = client_.create(kConfigMaps, "shop", configMap("a"));
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("b")).ok());
  client_.compactHistory();
  Recorder r;
  auto handle =
      client_.watch(kConfigMaps, "shop", {.resource_version = rv(*a)}, r.onEvent(), r.onDone());
  EXPECT_EQ(r.log, (std::vector<std::string>{"done Gone"}));
}

TEST_F(FakeKubeClientTest, ALabelSelectedWatchSeesObjectsEnterAndLeaveTheSelection) {
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a", {{"app", "web"}})).ok());
  Recorder r;
  auto handle =
      client_.watch(kConfigMaps, "shop", {.label_selector = "app=redis"}, r.onEvent(), r.onDone());
  ASSERT_TRUE(
      client_.patch(kConfigMaps, "shop", "a", {{"metadata", {{"labels", {{"app", "redis"}}}}}})
          .ok());
  ASSERT_TRUE(client_.patch(kConfigMaps, "shop", "a", {{"data", {{"x", "1"}}}}).ok());
  ASSERT_TRUE(
      client_.patch(kConfigMaps, "shop", "a", {{"metadata", {{"labels", {{"app", "web"}}}}}}).ok());
  EXPECT_EQ(r.log, (std::vector<std::string>{"ADDED a", "MODIFIED a", "DELETED a"}));
}

TEST_F(FakeKubeClientTest, ManualDeliveryWaitsForFlush) {
  client_.setWatchDelivery(WatchDelivery::kManual);
  Recorder r;
  auto handle = client_.watch(kConfigMaps, "shop", {}, r.onEvent(), r.onDone());
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());
  EXPECT_TRUE(r.log.empty());
  EXPECT_EQ(client_.flushWatchEvents(), 1u);
  EXPECT_EQ(r.log, (std::vector<std::string>{"ADDED a"}));
}

TEST_F(FakeKubeClientTest, NoCallbackAfterCancelOrHandleDestruction) {
  Recorder r;
  auto handle = client_.watch(kConfigMaps, "shop", {}, r.onEvent(), r.onDone());
  handle->cancel();
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());
  {
    Recorder other;
    auto scoped = client_.watch(kConfigMaps, "shop", {.resource_version = "0"}, other.onEvent(),
                                other.onDone());
    EXPECT_EQ(other.log.size(), 1u);
  }
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("b")).ok());
  client_.endWatches();
  EXPECT_TRUE(r.log.empty());
  EXPECT_EQ(client_.activeWatchCount(), 0u);
}

TEST_F(FakeKubeClientTest, CallbacksMayWriteAndCancelTheirOwnWatch) {
  std::vector<std::string> seen;
  WatchHandlePtr handle;
  handle = client_.watch(
      kConfigMaps, "shop", {},
      [&](const WatchEvent& e) {
        std::string name = e.object["metadata"]["name"];
        seen.push_back(name);
        if (name == "a") {
          EXPECT_TRUE(client_.create(kConfigMaps, "shop", configMap("b")).ok());
        }
        if (name == "b") handle->cancel();
      },
      nullptr);
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());
  ASSERT_TRUE(client_.create(kConfigMaps, "shop", configMap("c")).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

TEST_F(FakeKubeClientTest, BookmarksGoOnlyToWatchesThatAskedForThem) {
  int with = 0, without = 0;
  auto a = client_.watch(
      kConfigMaps, "shop", {},
      [&](const WatchEvent& e) {
        if (e.type == WatchEventType::kBookmark) ++with;
      },
      nullptr);
  auto b = client_.watch(
      kConfigMaps, "shop", {.allow_bookmarks = false},
      [&](const WatchEvent& e) {
        if (e.type == WatchEventType::kBookmark) ++without;
      },
      nullptr);
  client_.sendBookmarks();
  EXPECT_EQ(with, 1);
  EXPECT_EQ(without, 0);
}

TEST_F(FakeKubeClientTest, InjectedFailuresHitTheNamedVerbOnly) {
  client_.failNext(Verb::kCreate, unavailable("etcd is down"), 2, "configmaps");
  EXPECT_TRUE(client_.create(kSecrets, "shop", configMap("s")).ok());
  EXPECT_EQ(client_.create(kConfigMaps, "shop", configMap("a")).error().code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(client_.create(kConfigMaps, "shop", configMap("a")).error().message, "etcd is down");
  EXPECT_TRUE(client_.create(kConfigMaps, "shop", configMap("a")).ok());

  client_.failNext(Verb::kWatch, Error{ErrorCode::kForbidden, "no"});
  Recorder r;
  auto handle = client_.watch(kConfigMaps, "shop", {}, r.onEvent(), r.onDone());
  EXPECT_EQ(r.log, (std::vector<std::string>{"done Forbidden"}));
}

TEST_F(FakeKubeClientTest, SeedStoresStatusAndActionsAreRecorded) {
  json pod = {{"metadata", {{"name", "redis-0"}, {"namespace", "shop"}}},
              {"status", {{"podIP", "10.0.0.5"}}}};
  auto seeded = client_.seed(kPods, pod);
  ASSERT_TRUE(seeded.ok()) << seeded.error().toString();
  EXPECT_EQ((*seeded)["status"]["podIP"], "10.0.0.5");
  pod["status"]["podIP"] = "10.0.0.6";
  ASSERT_TRUE(client_.seed(kPods, pod).ok());
  EXPECT_EQ((*client_.get(kPods, "shop", "redis-0"))["status"]["podIP"], "10.0.0.6");

  client_.clearActions();
  ASSERT_TRUE(
      client_
          .patch(kPods, "shop", "redis-0", {{"status", {{"phase", "Running"}}}}, {.status = true})
          .ok());
  auto actions = client_.actions();
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0].verb, Verb::kPatch);
  EXPECT_EQ(actions[0].resource, "pods");
  EXPECT_EQ(actions[0].name, "redis-0");
  EXPECT_TRUE(actions[0].status);
}

TEST_F(FakeKubeClientTest, ConcurrentWritersKeepWatchOrder) {
  std::vector<int64_t> versions;
  auto handle = client_.watch(
      kConfigMaps, "", {},
      [&](const WatchEvent& e) {
        versions.push_back(std::stoll(e.object["metadata"]["resourceVersion"].get<std::string>()));
      },
      nullptr);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i) {
        (void)client_.create(kConfigMaps, "ns" + std::to_string(t), configMap(std::to_string(i)));
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(versions.size(), 200u);
  EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end()));
}

}  // namespace
}  // namespace attache::kube
