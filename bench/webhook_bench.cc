// webhook_bench: admission throughput and latency of the webhook's HTTPS server, in process.
//
// The server (the same HttpsServer + WebhookService + ReferenceCache over an in-memory
// KubeClient as attache-webhook) runs on ONE I/O thread pinned to CPU 0; N keep-alive TLS client
// connections (one thread each, pinned to the other CPUs) post AdmissionReviews of a realistic
// Deployment-made pod (a mix of opted-in and plain pods) in a closed loop.
// Reports: server-side handling time per review (request read -> response encoded) p50/p99/p99.9
// in wall time and in CPU time of the server thread (the wall time includes preemption by
// whatever else runs on the machine), client round-trip latency, reviews/s of wall time, and
// reviews per CPU-second of the server thread (the "one core" capacity).
//
// Usage: webhook_bench [--connections 50] [--seconds 10] [--warmup 2] [--inject-ratio 0.8]
//        webhook_bench --pure 20000     (the pure core alone: decode, review, encode)
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "common/kube/fake_kube_client.h"
#include "webhook/admission.h"
#include "webhook/cert_lifecycle.h"
#include "webhook/https_client.h"
#include "webhook/https_server.h"
#include "webhook/reference_cache.h"
#include "webhook/webhook_service.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace wh = attache::webhook;

struct Options {
  int connections = 50;
  double seconds = 10;
  double warmup = 2;
  double inject_ratio = 0.8;
  int pure = 0;  // > 0: only the pure core (decode, review, encode) this many times, no HTTPS
};

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    double v = std::atof(argv[i + 1]);
    if (k == "--connections") o.connections = static_cast<int>(v);
    if (k == "--seconds") o.seconds = v;
    if (k == "--warmup") o.warmup = v;
    if (k == "--inject-ratio") o.inject_ratio = v;
    if (k == "--pure") o.pure = static_cast<int>(v);
  }
  return o;
}

void pinTo(int cpu) {
  int n = static_cast<int>(std::thread::hardware_concurrency());
  if (n < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (cpu < 0) {
    for (int c = 1; c < n; ++c) CPU_SET(c, &set);  // every CPU but the server's
  } else {
    CPU_SET(cpu, &set);
  }
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A pod as the ReplicaSet controller creates it, after API-server defaulting.
constexpr const char* kPodTemplate = R"json({
  "apiVersion": "v1", "kind": "Pod",
  "metadata": {
    "generateName": "web-7d9c5b8f6d-", "namespace": "shop",
    "labels": {"app": "web", "tier": "frontend", "pod-template-hash": "7d9c5b8f6d"},
    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z",
                    "prometheus.io/scrape": "true"},
    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c5b8f6d",
                         "uid": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "controller": true,
                         "blockOwnerDeletion": true}]},
  "spec": {
    "containers": [{
      "name": "web", "image": "registry.example.com/shop/web:1.42.0",
      "imagePullPolicy": "IfNotPresent",
      "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
      "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "LOG_FORMAT", "value": "json"},
              {"name": "REGION", "value": "eu-west-1"}, {"name": "FEATURE_FLAGS", "value": "a,b,c"},
              {"name": "GOMAXPROCS", "value": "2"}],
      "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
      "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                         "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                         "failureThreshold": 3},
      "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                        "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1,
                        "failureThreshold": 3},
      "volumeMounts": [{"name": "kube-api-access-x7k2p", "readOnly": true,
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
    "volumes": [{"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
      {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
      {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
      {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                    "fieldPath": "metadata.namespace"}}]}}]}}],
    "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
    "serviceAccountName": "default", "securityContext": {}, "schedulerName": "default-scheduler",
    "tolerations": [
      {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
       "tolerationSeconds": 300},
      {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
       "tolerationSeconds": 300}],
    "priority": 0, "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority"}})json";

json realisticPod(bool opted_in) {
  json pod = json::parse(kPodTemplate);
  if (opted_in) {
    json& annotations = pod["metadata"]["annotations"];
    annotations["attache.dev/inject"] = "true";
    annotations["attache.dev/sharded-services"] = "cache";
    annotations["attache.dev/bindings"] = "orders-db";
  }
  return pod;
}

std::string reviewBody(bool opted_in, int i) {
  return json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request",
               {{"uid", "c6f1a7e2-0000-4000-8000-" + std::to_string(100000000000 + i)},
                {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
                {"requestKind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"namespace", "shop"},
                {"operation", "CREATE"},
                {"userInfo",
                 {{"username", "system:serviceaccount:kube-system:replicaset-controller"},
                  {"groups", json::array({"system:serviceaccounts", "system:authenticated"})}}},
                {"object", realisticPod(opted_in)},
                {"oldObject", nullptr},
                {"dryRun", false},
                {"options", {{"apiVersion", "meta.k8s.io/v1"}, {"kind", "CreateOptions"}}}}}}
      .dump();
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

struct Shared {
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<double> server_us;      // written by the single server thread only
  std::vector<double> server_cpu_us;  // the same reviews in CPU time of that thread
  std::vector<double> client_us;
  std::atomic<long> errors{0};
};

void seed(attache::kube::FakeKubeClient& client) {
  (void)client.seed(attache::kube::kShardedServices,
                    {{"apiVersion", "attache.dev/v1alpha1"},
                     {"kind", "ShardedService"},
                     {"metadata", {{"name", "cache"}, {"namespace", "shop"}}},
                     {"spec", {{"protocol", "redis"}, {"listenPort", 6379}}}});
  (void)client.seed(attache::kube::kServiceBindings,
                    {{"apiVersion", "attache.dev/v1alpha1"},
                     {"kind", "ServiceBinding"},
                     {"metadata", {{"name", "orders-db"}, {"namespace", "shop"}}},
                     {"spec", {{"listenPort", 5432}, {"project", true}}},
                     {"status", {{"binding", {{"name", "orders-db-binding"}}}}}});
}

void clientLoop(int port, const std::string& ca, const std::vector<std::string>& bodies, int id,
                Shared& shared) {
  pinTo(-1);
  wh::HttpsClientOptions o;
  o.ca_pem = ca;
  auto conn = wh::HttpsConnection::connect("127.0.0.1", port, o);
  if (!conn) {
    std::fprintf(stderr, "connect: %s\n", conn.error().toString().c_str());
    ++shared.errors;
    return;
  }
  std::vector<double> local;
  for (size_t i = static_cast<size_t>(id); !shared.stop; ++i) {
    auto start = Clock::now();
    auto res = (*conn)->request("POST", "/mutate", bodies[i % bodies.size()]);
    double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (!res || res->status != 200) {
      ++shared.errors;
      continue;
    }
    if (shared.measuring) local.push_back(us);
  }
  std::lock_guard lock(shared.mu);
  shared.client_us.insert(shared.client_us.end(), local.begin(), local.end());
}

// The pure path behind /mutate, without HTTP or TLS: CPU time per review.
int runPure(const Options& opt, wh::ReferenceLookup& lookup) {
  std::string body = reviewBody(true, 1);
  wh::InjectorConfig cfg = wh::InjectorConfig::defaults();
  size_t bytes = 0;
  double start = threadCpuSeconds();
  for (int i = 0; i < opt.pure; ++i) {
    auto req = wh::decodeAdmissionReview(body);
    if (!req) return 1;
    wh::Mutation m = wh::reviewAdmission(*req, cfg, lookup);
    bytes += wh::encodeAdmissionResponse(req->uid, m).size();
  }
  double cpu = threadCpuSeconds() - start;
  std::printf(
      "webhook_bench --pure: %d opted-in reviews of %zu bytes, %.1f us each (%zu-byte "
      "responses)\n",
      opt.pure, body.size(), cpu * 1e6 / opt.pure, bytes / static_cast<size_t>(opt.pure));
  return 0;
}

// The server side: ONE I/O thread (pinned to CPU 0) running the webhook's HTTPS service.
class BenchServer {
 public:
  BenchServer(wh::ReferenceLookup& lookup, Shared& shared)
      : service_(wh::InjectorConfig::defaults(), lookup, metrics_, nullptr),
        shared_(shared),
        server_(io_, tls_, [this](const wh::HttpRequest& req) { return handle(req); }) {}

  // Certificates, listen, run; the CA (PEM) clients must trust, or "" on failure.
  std::string start() {
    wh::CertPolicy policy;
    policy.ip_addresses = {"127.0.0.1"};
    auto material = wh::makeEphemeralCertSource(policy)->load(std::chrono::system_clock::now());
    if (!material || !tls_.update(*material)) return "";
    auto port = server_.listen("127.0.0.1:0");
    if (!port) return "";
    port_ = *port;
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "wh-server");
      pinTo(0);
      io_.run();
    });
    return material->ca_bundle_pem;
  }

  void stop() {
    server_.stop();
    io_.stop();
    thread_.join();
  }

  // CPU seconds of the server thread so far (sampled on that thread).
  double cpuSeconds() {
    std::atomic<bool> done{false};
    double out = 0;
    boost::asio::post(io_, [&] {
      out = threadCpuSeconds();
      done = true;
    });
    while (!done) std::this_thread::yield();
    return out;
  }

  int port() const { return port_; }

 private:
  wh::HttpResponse handle(const wh::HttpRequest& req) {
    auto start = Clock::now();
    double cpu_before = threadCpuSeconds();
    wh::HttpResponse res = service_.handle(req);
    if (shared_.measuring) {
      shared_.server_cpu_us.push_back((threadCpuSeconds() - cpu_before) * 1e6);
      shared_.server_us.push_back(
          std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    return res;
  }

  wh::TlsContextStore tls_;
  wh::WebhookMetrics metrics_;
  wh::WebhookService service_;
  Shared& shared_;
  boost::asio::io_context io_{1};
  wh::HttpsServer server_;
  int port_ = 0;
  std::thread thread_;
};

void report(const Options& opt, Shared& shared, double wall, double cpu, size_t review_bytes) {
  size_t n = shared.client_us.size();
  std::printf("webhook_bench: %d connections, %.0f s, %.0f%% opted-in pods (%zu-byte reviews)\n",
              opt.connections, opt.seconds, opt.inject_ratio * 100, review_bytes);
  std::printf("  reviews:              %zu (%ld errors)\n", n, shared.errors.load());
  std::printf("  throughput (wall):    %.0f reviews/s\n", static_cast<double>(n) / wall);
  std::printf("  server thread CPU:    %.2f s of %.2f s wall -> %.0f reviews per CPU-second\n", cpu,
              wall, static_cast<double>(shared.server_us.size()) / cpu);
  std::printf("  server-side latency:  p50 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us\n",
              percentile(shared.server_us, 0.5), percentile(shared.server_us, 0.99),
              percentile(shared.server_us, 0.999), percentile(shared.server_us, 1.0));
  std::printf("  server-side CPU time: p50 %.0f us  p99 %.0f us  p99.9 %.0f us\n",
              percentile(shared.server_cpu_us, 0.5), percentile(shared.server_cpu_us, 0.99),
              percentile(shared.server_cpu_us, 0.999));
  std::printf("  client round trip:    p50 %.0f us  p99 %.0f us\n",
              percentile(shared.client_us, 0.5), percentile(shared.client_us, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parseOptions(argc, argv);
  attache::kube::FakeKubeClient kube;
  seed(kube);
  wh::ReferenceCache cache(kube);
  cache.start();
  while (!cache.synced()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (opt.pure > 0) return runPure(opt, cache);

  Shared shared;
  shared.server_us.reserve(1 << 22);
  shared.server_cpu_us.reserve(1 << 22);
  BenchServer server(cache, shared);
  std::string ca = server.start();
  if (ca.empty()) return 1;
  std::vector<std::string> bodies;
  for (int i = 0; i < 100; ++i) bodies.push_back(reviewBody(i < opt.inject_ratio * 100, i));
  std::vector<std::thread> clients;
  for (int c = 0; c < opt.connections; ++c) {
    clients.emplace_back(clientLoop, server.port(), ca, std::cref(bodies), c, std::ref(shared));
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.warmup));
  double cpu_start = server.cpuSeconds();
  shared.measuring = true;
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.seconds));
  shared.measuring = false;
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = server.cpuSeconds() - cpu_start;
  shared.stop = true;
  for (auto& t : clients) t.join();
  server.stop();
  report(opt, shared, wall, cpu, bodies[0].size());
  return shared.errors.load() == 0 ? 0 : 1;
}
