#include "common/kube/watch_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace attache::kube {
namespace {

WatchEvent added() { return WatchEvent{WatchEventType::kAdded, nlohmann::json::object()}; }

TEST(WatchGateTest, DeliversUntilFinishedAndCallsDoneOnce) {
  int events = 0, dones = 0;
  WatchGate gate([&](const WatchEvent&) { ++events; }, [&](const Status&) { ++dones; });
  EXPECT_TRUE(gate.deliver(added()));
  gate.finish({});
  gate.finish(unavailable("again"));
  EXPECT_FALSE(gate.deliver(added()));
  EXPECT_EQ(events, 1);
  EXPECT_EQ(dones, 1);
  EXPECT_FALSE(gate.active());
}

TEST(WatchGateTest, NothingRunsAfterCancel) {
  int events = 0, dones = 0;
  WatchGate gate([&](const WatchEvent&) { ++events; }, [&](const Status&) { ++dones; });
  gate.cancel();
  EXPECT_FALSE(gate.deliver(added()));
  gate.finish({});
  EXPECT_EQ(events, 0);
  EXPECT_EQ(dones, 0);
}

TEST(WatchGateTest, ACallbackMayCancelItsOwnWatch) {
  int events = 0;
  WatchGate* self = nullptr;
  WatchGate gate(
      [&](const WatchEvent&) {
        ++events;
        self->cancel();
      },
      nullptr);
  self = &gate;
  EXPECT_FALSE(gate.deliver(added()));
  EXPECT_FALSE(gate.deliver(added()));
  EXPECT_EQ(events, 1);
}

TEST(WatchGateTest, CancelFromAnotherThreadWaitsForTheRunningCallback) {
  std::promise<void> entered;
  std::atomic<bool> release{false}, callback_done{false};
  WatchGate gate(
      [&](const WatchEvent&) {
        entered.set_value();
        while (!release) std::this_thread::yield();
        callback_done = true;
      },
      nullptr);
  std::thread deliverer([&] { gate.deliver(added()); });
  entered.get_future().wait();
  auto cancelled = std::async(std::launch::async, [&] {
    gate.cancel();
    return callback_done.load();
  });
  EXPECT_EQ(cancelled.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  release = true;
  EXPECT_TRUE(cancelled.get());
  deliverer.join();
}

}  // namespace
}  // namespace attache::kube
