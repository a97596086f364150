#include "operator/runtime/leader_election.h"

#include <ctime>

#include "common/kube/resource.h"
#include "common/logging.h"

namespace attache::controller {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string microTimeNow() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()) %
                std::chrono::seconds(1);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof(out), "%s.%06ldZ", buf, static_cast<long>(micros.count()));
  return out;
}

LeaderElector::LeaderElector(kube::KubeClient& client, LeaderElectionOptions options,
                             std::function<void()> on_started_leading,
                             std::function<void()> on_stopped_leading)
    : client_(client),
      options_(std::move(options)),
      on_started_(std::move(on_started_leading)),
      on_stopped_(std::move(on_stopped_leading)) {}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return stopping_; });
  return !stopping_;
}

bool LeaderElector::tryAcquireOrRenew() {
  const int duration_s =
      static_cast<int>(std::max<int64_t>(1, options_.lease_duration.count() / 1000));
  std::string now = microTimeNow();
  auto current = client_.get(kube::kLeases, options_.lease_namespace, options_.lease_name);
  if (!current.ok()) {
    if (current.error().code != ErrorCode::kNotFound) return false;
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", options_.lease_name}}},
                  {"spec",
                   {{"holderIdentity", options_.identity},
                    {"leaseDurationSeconds", duration_s},
                    {"acquireTime", now},
                    {"renewTime", now},
                    {"leaseTransitions", 0}}}};
    return client_.create(kube::kLeases, options_.lease_namespace, lease).ok();
  }
  json lease = std::move(*current);
  json spec = lease.value("spec", json::object());
  std::string holder = spec.value("holderIdentity", "");
  std::string record = holder + "|" + spec.value("renewTime", "");
  if (record != observed_record_) {
    observed_record_ = record;
    observed_time_ = Clock::now();
  }
  int64_t held_for_ms = int64_t{spec.value("leaseDurationSeconds", duration_s)} * 1000;
  bool expired = Clock::now() > observed_time_ + std::chrono::milliseconds(held_for_ms);
  if (!holder.empty() && holder != options_.identity && !expired) return false;
  if (holder != options_.identity) {
    spec["acquireTime"] = now;
    spec["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = duration_s;
  spec["renewTime"] = now;
  lease["spec"] = spec;
  auto updated = client_.replace(kube::kLeases, options_.lease_namespace, lease);
  if (!updated.ok()) return false;
  observed_record_ = options_.identity + "|" + now;
  observed_time_ = Clock::now();
  return true;
}

void LeaderElector::release() {
  auto current = client_.get(kube::kLeases, options_.lease_namespace, options_.lease_name);
  if (!current.ok()) return;
  json lease = std::move(*current);
  if (lease.value("spec", json::object()).value("holderIdentity", "") != options_.identity) return;
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["leaseDurationSeconds"] = 1;
  lease["spec"]["renewTime"] = microTimeNow();
  (void)client_.replace(kube::kLeases, options_.lease_namespace, lease);
}

void LeaderElector::run() {
  auto log = componentLogger("operator");
  Clock::time_point last_renew{};
  while (true) {
    bool ok = tryAcquireOrRenew();
    if (ok) last_renew = Clock::now();
    if (ok && !leader_) {
      leader_ = true;
      transitions_++;
      log->info("became leader lease={}/{} identity={}", options_.lease_namespace,
                options_.lease_name, options_.identity);
      if (on_started_) on_started_();
    } else if (!ok && leader_ && Clock::now() - last_renew > options_.renew_deadline) {
      leader_ = false;
      log->error("lost leadership lease={}/{}", options_.lease_namespace, options_.lease_name);
      if (on_stopped_) on_stopped_();
    }
    if (!sleepFor(options_.retry_period)) break;
  }
  if (leader_) {
    release();
    leader_ = false;
  }
}

}  // namespace attache::controller
