#include "operator/runtime/work_queue.h"

#include <gtest/gtest.h>

namespace attache::controller {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelay, DoublesPerFailureUpToTheCap) {
  BackoffPolicy policy{milliseconds(10), milliseconds(100)};
  struct Case {
    int failures;
    int64_t want_ms;
  } cases[] = {{0, 0}, {1, 10}, {2, 20}, {3, 40}, {4, 80}, {5, 100}, {50, 100}};
  for (const auto& c : cases) {
    EXPECT_EQ(backoffDelay(policy, c.failures).count(), c.want_ms) << c.failures;
  }
}

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.depth(), 2u);
  EXPECT_EQ(*q.get(), "a");
  EXPECT_EQ(*q.get(), "b");
}

TEST(WorkQueue, AKeyAddedWhileProcessingIsQueuedAgainWhenDone) {
  WorkQueue q;
  q.add("a");
  auto key = q.get();
  q.add("a");
  EXPECT_EQ(q.depth(), 0u);  // never handed to two workers at once
  q.done(*key);
  EXPECT_EQ(q.depth(), 1u);
}

TEST(WorkQueue, DelayedAddArrivesAfterTheDelay) {
  WorkQueue q;
  auto start = std::chrono::steady_clock::now();
  q.addAfter("a", milliseconds(50));
  EXPECT_EQ(q.depth(), 0u);
  EXPECT_EQ(*q.get(), "a");
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(45));
}

TEST(WorkQueue, RateLimitedAddsCountFailuresUntilForget) {
  WorkQueue q(BackoffPolicy{milliseconds(1), milliseconds(10)});
  q.addRateLimited("a");
  q.addRateLimited("a");
  EXPECT_EQ(q.failures("a"), 2);
  EXPECT_EQ(*q.get(), "a");
  q.forget("a");
  EXPECT_EQ(q.failures("a"), 0);
}

TEST(WorkQueue, ShutDownWakesWaiters) {
  WorkQueue q;
  std::thread t([&] { EXPECT_FALSE(q.get().has_value()); });
  std::this_thread::sleep_for(milliseconds(10));
  q.shutDown();
  t.join();
}

}  // namespace
}  // namespace attache::controller
