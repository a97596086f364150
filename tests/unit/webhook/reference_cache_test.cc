// The list + watch cache of ShardedServices and ServiceBindings, over the fake KubeClient.
#include <gtest/gtest.h>

#include <thread>

#include "common/kube/fake_kube_client.h"
#include "webhook/reference_cache.h"

namespace attache::webhook {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

json sharded(const std::string& ns, const std::string& name, int port) {
  return {{"apiVersion", "attache.dev/v1alpha1"},
          {"kind", "ShardedService"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", {{"listenPort", port}}}};
}

template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

class ReferenceCacheTest : public ::testing::Test {
 protected:
  void startSynced() {
    cache_.start();
    ASSERT_TRUE(eventually([&] { return cache_.synced() && client_.activeWatchCount() == 2; }));
  }
  kube::FakeKubeClient client_;
  ReferenceCache cache_{client_, {.retry_backoff = milliseconds(20)}};
};

TEST_F(ReferenceCacheTest, ListsThenFollowsTheWatch) {
  ASSERT_TRUE(client_.seed(kube::kShardedServices, sharded("shop", "cache", 7000)).ok());
  std::string why;
  EXPECT_FALSE(cache_.synced(&why));
  EXPECT_NE(why.find("not listed yet"), std::string::npos);
  startSynced();
  EXPECT_EQ(cache_.size(ReferenceKind::kShardedService), 1u);
  client_.clearActions();
  auto hit = cache_.find(ReferenceKind::kShardedService, "shop", "cache");
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ((**hit)["spec"]["listenPort"], 7000);
  EXPECT_TRUE(client_.actions().empty()) << "a hit must not call the API server";

  ASSERT_TRUE(
      client_.patch(kube::kShardedServices, "shop", "cache", {{"spec", {{"listenPort", 7001}}}})
          .ok());
  ASSERT_TRUE(eventually([&] {
    return (**cache_.find(ReferenceKind::kShardedService, "shop", "cache"))["spec"]["listenPort"] ==
           7001;
  }));
  ASSERT_TRUE(client_.remove(kube::kShardedServices, "shop", "cache").ok());
  ASSERT_TRUE(eventually([&] { return cache_.size(ReferenceKind::kShardedService) == 0; }));
}

TEST_F(ReferenceCacheTest, AMissAsksTheApiServer) {
  startSynced();
  client_.setWatchDelivery(kube::WatchDelivery::kManual);  // the watch lags behind
  ASSERT_TRUE(client_
                  .create(kube::kServiceBindings, "shop",
                          {{"apiVersion", "attache.dev/v1alpha1"},
                           {"kind", "ServiceBinding"},
                           {"metadata", {{"name", "db"}}},
                           {"spec", {{"listenPort", 5432}}}})
                  .ok());
  auto found = cache_.find(ReferenceKind::kServiceBinding, "shop", "db");
  ASSERT_TRUE(found.ok());
  ASSERT_NE(found->get(), nullptr);
  EXPECT_EQ((**found)["spec"]["listenPort"], 5432);
  auto absent = cache_.find(ReferenceKind::kServiceBinding, "shop", "nope");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->get(), nullptr);
  client_.failNext(kube::Verb::kGet, unavailable("apiserver down"));
  auto failed = cache_.find(ReferenceKind::kServiceBinding, "shop", "other");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  client_.setWatchDelivery(kube::WatchDelivery::kSynchronous);
  client_.flushWatchEvents();
}

TEST_F(ReferenceCacheTest, AnExpiredWatchRelistsAndAFailedListRetries) {
  client_.failNext(kube::Verb::kList, unavailable("not yet"), 2);
  startSynced();
  ASSERT_TRUE(client_.seed(kube::kShardedServices, sharded("a", "x", 1)).ok());
  client_.compactHistory();
  client_.endWatches(Error{ErrorCode::kGone, "too old"});
  ASSERT_TRUE(eventually([&] { return client_.activeWatchCount() == 2; }));
  ASSERT_TRUE(client_.seed(kube::kShardedServices, sharded("a", "y", 2)).ok());
  ASSERT_TRUE(eventually([&] { return cache_.size(ReferenceKind::kShardedService) == 2; }));
  cache_.stop();
  EXPECT_EQ(client_.activeWatchCount(), 0u);
}

}  // namespace
}  // namespace attache::webhook
