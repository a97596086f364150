// Leader election over a coordination.k8s.io/v1 Lease, with client-go's algorithm: a candidate
// takes the lease when it is free or when its holder has not renewed it for leaseDuration (as
// observed on this replica's own clock, so clock skew between replicas does not matter); the
// leader renews every retryPeriod and gives up when it could not renew for renewDeadline.
// Optimistic concurrency (resourceVersion) makes the take-over atomic. On stop() the leader
// releases the lease (empty holder) so that a standby takes over within one retryPeriod.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/kube/kube_client.h"

namespace attache::controller {

struct LeaderElectionOptions {
  std::string lease_namespace = "default";
  std::string lease_name = "attache-operator";
  std::string identity;  // unique per replica
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
};

// RFC 3339 with microseconds, UTC ("2025-01-02T03:04:05.123456Z"): a Lease's MicroTime.
std::string microTimeNow();

class LeaderElector {
 public:
  LeaderElector(kube::KubeClient& client, LeaderElectionOptions options,
                std::function<void()> on_started_leading, std::function<void()> on_stopped_leading);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  // Stops campaigning; a leader releases the lease first.
  void stop();
  bool isLeader() const { return leader_.load(); }
  int64_t transitions() const { return transitions_.load(); }

 private:
  void run();
  bool tryAcquireOrRenew();
  void release();
  bool sleepFor(std::chrono::milliseconds d);

  kube::KubeClient& client_;
  LeaderElectionOptions options_;
  std::function<void()> on_started_;
  std::function<void()> on_stopped_;
  std::atomic<bool> leader_{false};
  std::atomic<int64_t> transitions_{0};

  // The last lease record seen and when (our clock) it last changed.
  std::string observed_record_;
  std::chrono::steady_clock::time_point observed_time_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace attache::controller
