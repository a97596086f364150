// `attache-webhook` (serve): the HTTPS admission webhook and its background maintenance.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/kube/kube_rest.h"
#include "common/logging.h"
#include "webhook/commands.h"
#include "webhook/https_server.h"
#include "webhook/maintainer.h"
#include "webhook/reference_cache.h"
#include "webhook/webhook_service.h"

namespace attache::webhook {
namespace {

namespace asio = boost::asio;

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "attache-webhook: %s\n", message.c_str());
  return code;
}

Result<long> positiveFlag(const ParsedArgs& args, const std::string& name) {
  const std::string text = args.get(name);
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v <= 0) {
    return invalidArgument("--" + name + ": '" + text + "' is not a positive number");
  }
  return v;
}

// Host of an "https://host:port/path" URL.
std::string urlHost(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.rfind(':') == std::string::npos ? rest.size() : rest.rfind(':'));
}

CertPolicy certPolicy(const ParsedArgs& args, const InjectorConfig& cfg) {
  CertPolicy policy;
  const std::string svc = args.get("service-name");
  const std::string& ns = cfg.own_namespace;
  policy.common_name = svc + "." + ns + ".svc";
  policy.dns_names = {svc, svc + "." + ns, svc + "." + ns + ".svc",
                      svc + "." + ns + ".svc.cluster.local"};
  if (args.has("self-register-url")) {
    std::string host = urlHost(args.get("self-register-url"));
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    (ec ? policy.dns_names : policy.ip_addresses).push_back(host);
  }
  return policy;
}

Result<CertSourcePtr> makeCertSource(const ParsedArgs& args, const InjectorConfig& cfg,
                                     kube::KubeClient& client) {
  auto log = componentLogger("webhook");
  if (args.has("tls-cert-file") || args.has("tls-key-file")) {
    if (!args.has("tls-cert-file") || !args.has("tls-key-file")) {
      return invalidArgument("--tls-cert-file and --tls-key-file go together");
    }
    log->info("certificates from files cert={}", args.get("tls-cert-file"));
    return makeFileCertSource(args.get("tls-cert-file"), args.get("tls-key-file"),
                              args.get("tls-ca-file"));
  }
  if (!args.has("tls-secret") && args.has("self-register-url")) {
    log->info("self-managed certificates in memory (local mode)");
    return makeEphemeralCertSource(certPolicy(args, cfg));
  }
  std::string secret = args.get("tls-secret");
  if (secret.empty()) secret = args.get("service-name") + "-tls";
  log->info("self-managed certificates secret={}/{}", cfg.own_namespace, secret);
  return makeSecretCertSource(client, cfg.own_namespace, secret, certPolicy(args, cfg));
}

Result<std::optional<RegistrationOptions>> registrationOptions(const ParsedArgs& args,
                                                               const InjectorConfig& cfg) {
  RegistrationOptions o;
  const std::string label = args.get("namespace-label");
  auto eq = label.find('=');
  if (eq == std::string::npos || eq == 0) {
    return invalidArgument("--namespace-label: '" + label + "' is not KEY=VALUE");
  }
  o.namespace_label_key = label.substr(0, eq);
  o.namespace_label_value = label.substr(eq + 1);
  o.config_name = args.get("webhook-config-name");
  o.url = args.get("self-register-url");
  o.excluded_namespaces = cfg.excluded_namespaces;
  o.excluded_namespaces.push_back(cfg.own_namespace);
  o.require_namespace_label = args.has("require-namespace-label");
  o.failure_policy = args.get("failure-policy");
  // With cert-manager files and no CA file, the caBundle is cert-manager's cainjector's job.
  bool files = args.has("tls-cert-file");
  if (o.url.empty() && files && !args.has("tls-ca-file")) {
    return std::optional<RegistrationOptions>();
  }
  return std::optional<RegistrationOptions>(std::move(o));
}

struct Running {
  kube::KubeClientPtr client;
  std::unique_ptr<ReferenceCache> cache;
  CertSourcePtr certs;
  WebhookMetrics metrics;
  TlsContextStore tls;
  std::unique_ptr<Maintainer> maintainer;
  std::optional<RegistrationOptions> registration;
};

// Serves until SIGINT/SIGTERM; returns the exit code.
int serveUntilSignal(const ParsedArgs& args, const InjectorConfig& cfg, Running& r) {
  auto threads = positiveFlag(args, "threads");
  auto max_bytes = positiveFlag(args, "max-request-bytes");
  auto timeout = positiveFlag(args, "request-timeout");
  for (const auto* v : {&threads, &max_bytes, &timeout}) {
    if (!*v) return fail(2, v->error().message);
  }
  ReadinessCheck ready = [&r](std::string* why) {
    if (!r.tls.current()) return (*why = "no serving certificate yet", false);
    if (!r.cache->synced(why)) return false;
    if (!r.maintainer->registered()) return (*why = "not registered yet", false);
    return true;
  };
  WebhookService service(cfg, *r.cache, r.metrics, ready);
  HttpsServerOptions http;
  http.max_body_bytes = static_cast<size_t>(*max_bytes);
  http.request_timeout = std::chrono::seconds(*timeout);
  asio::io_context io(static_cast<int>(*threads));
  HttpsServer server(
      io, r.tls, [&](const HttpRequest& req) { return service.handle(req); }, http);
  auto port = server.listen(args.get("listen"));
  if (!port) return fail(1, port.error().message);
  componentLogger("webhook")->info("serving listen={} port={} native_sidecar={}",
                                   args.get("listen"), *port,
                                   cfg.sidecar_mode == SidecarMode::kNative);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer grace(io);
  signals.async_wait([&](const boost::system::error_code&, int) {
    componentLogger("webhook")->info("shutting down");
    server.stop();
    grace.expires_after(std::chrono::milliseconds(500));  // let answers in flight go out
    grace.async_wait([&](const boost::system::error_code&) { io.stop(); });
  });
  r.maintainer->start();
  std::vector<std::thread> pool;
  for (long i = 1; i < *threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace

int runServe(const ParsedArgs& args) {
  auto cfg = injectorConfigFromArgs(args);
  if (!cfg) return fail(2, cfg.error().message);
  auto cluster = clusterConfigFromArgs(args);
  if (!cluster) return fail(2, cluster.error().message);
  // In cluster, the service account's namespace is Attache's own (unless set explicitly).
  if (!args.has("kubeconfig") && !args.has("namespace") && !envVar("POD_NAMESPACE") &&
      !cluster->default_namespace.empty()) {
    cfg->own_namespace = cluster->default_namespace;
  }
  auto resync = positiveFlag(args, "resync-period");
  if (!resync) return fail(2, resync.error().message);
  Running r;
  auto client = kube::makeRestClient(*cluster, {.io_threads = 2, .request_timeout_seconds = 10});
  if (!client) return fail(2, client.error().message);
  r.client = std::move(*client);
  auto mode = sidecarModeFromArgs(args, r.client.get());
  if (!mode) return fail(2, mode.error().message);
  cfg->sidecar_mode = *mode;
  auto certs = makeCertSource(args, *cfg, *r.client);
  if (!certs) return fail(2, certs.error().message);
  r.certs = std::move(*certs);
  auto registration = registrationOptions(args, *cfg);
  if (!registration) return fail(2, registration.error().message);
  r.registration = std::move(*registration);
  r.maintainer = std::make_unique<Maintainer>(*r.certs, r.tls, *r.client, r.registration, r.metrics,
                                              std::chrono::seconds(*resync),
                                              [] { return std::chrono::system_clock::now(); });
  if (auto st = r.maintainer->startup(); !st) {
    return fail(1, "serving certificate: " + st.error().message);
  }
  r.cache = std::make_unique<ReferenceCache>(*r.client);
  r.cache->start();
  int code = serveUntilSignal(args, *cfg, r);
  r.maintainer->stop();
  r.cache->stop();
  if (r.registration && !r.registration->url.empty() && !args.has("keep-registration")) {
    if (auto st = removeRegistration(*r.client, *r.registration); !st) {
      componentLogger("webhook")->warn("cannot remove the MutatingWebhookConfiguration error={}",
                                       st.error().toString());
    }
  }
  return code;
}

}  // namespace attache::webhook
