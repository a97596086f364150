// The HTTPS shell on 127.0.0.1 (port 0): /mutate, health, metrics, limits, TLS versions and a
// certificate swap without restart.
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <atomic>
#include <thread>

#include "webhook/https_client.h"
#include "webhook/https_server.h"
#include "webhook/webhook_service.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

TlsMaterial makeMaterial() {
  auto now = std::chrono::system_clock::now();
  auto ca = generateCa("test-ca", now, std::chrono::hours(24));
  auto cert =
      issueServingCert(*ca, "webhook", {"localhost"}, {"127.0.0.1"}, now, std::chrono::hours(1));
  return TlsMaterial{cert->cert_pem, cert->key_pem, ca->cert_pem};
}

std::string review(const std::string& uid) {
  json pod = {{"metadata",
               {{"annotations",
                 {{"attache.dev/inject", "true"}, {"attache.dev/sharded-services", "cache"}}}}},
              {"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
  return json{{"apiVersion", "admission.k8s.io/v1"},
              {"kind", "AdmissionReview"},
              {"request",
               {{"uid", uid},
                {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
                {"namespace", "shop"},
                {"operation", "CREATE"},
                {"object", pod}}}}
      .dump();
}

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    material_ = makeMaterial();
    ASSERT_TRUE(tls_.update(material_).ok());
    HttpsServerOptions options;
    options.max_body_bytes = 64 * 1024;
    options.request_timeout = std::chrono::seconds(1);
    server_ = std::make_unique<HttpsServer>(
        io_, tls_, [this](const HttpRequest& r) { return service_.handle(r); }, options);
    auto port = server_->listen("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.error().toString();
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_->stop();
    io_.stop();
    thread_.join();
  }

  std::unique_ptr<HttpsConnection> connect(const std::string& ca, int max_version = 0) {
    HttpsClientOptions o;
    o.ca_pem = ca;
    o.max_tls_version = max_version;
    auto c = HttpsConnection::connect("127.0.0.1", port_, o);
    EXPECT_TRUE(c.ok()) << c.error().toString();
    return c.ok() ? std::move(*c) : nullptr;
  }

  TlsMaterial material_;
  TlsContextStore tls_;
  StaticLookup lookup_;
  WebhookMetrics metrics_;
  std::atomic<bool> ready_{false};
  WebhookService service_{InjectorConfig::defaults(), lookup_, metrics_, [this](std::string* why) {
                            *why = "warming up";
                            return ready_.load();
                          }};
  boost::asio::io_context io_;
  std::unique_ptr<HttpsServer> server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(HttpsServerTest, MutateAnswersAReviewOnAKeepAliveConnection) {
  auto conn = connect(material_.ca_bundle_pem);
  ASSERT_NE(conn, nullptr);
  for (const char* uid : {"uid-1", "uid-2", "uid-3"}) {
    auto res = conn->request("POST", "/mutate", review(uid));
    ASSERT_TRUE(res.ok()) << res.error().toString();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->content_type, "application/json");
    json body = json::parse(res->body);
    EXPECT_EQ(body["response"]["uid"], uid);
    EXPECT_EQ(body["response"]["allowed"], true);
    EXPECT_TRUE(body["response"].contains("patch"));
  }
  std::string metrics = conn->request("GET", "/metrics")->body;
  EXPECT_NE(metrics.find("attache_webhook_injections_total 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("attache_webhook_admission_duration_seconds_count 3"), std::string::npos);
}

TEST_F(HttpsServerTest, MalformedReviewsAreBadRequests) {
  auto conn = connect(material_.ca_bundle_pem);
  auto res = conn->request("POST", "/mutate", "{\"kind\": \"AdmissionReview\"}");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("malformed AdmissionReview"), std::string::npos);
  EXPECT_EQ(conn->request("GET", "/mutate")->status, 405);
  EXPECT_EQ(conn->request("POST", "/mutate", "x", "text/plain")->status, 415);
  EXPECT_EQ(conn->request("GET", "/nowhere")->status, 404);
  std::string metrics = conn->request("GET", "/metrics")->body;
  EXPECT_NE(metrics.find("attache_webhook_failures_total{reason=\"malformed-review\"} 1"),
            std::string::npos)
      << metrics;
}

TEST_F(HttpsServerTest, OversizedBodiesAreRefusedFromTheirHeader) {
  auto conn = connect(material_.ca_bundle_pem);
  auto res = conn->request("POST", "/mutate", "{", "application/json",
                           {{"Content-Length", std::to_string(100 * 1024)}});
  ASSERT_TRUE(res.ok()) << res.error().toString();
  EXPECT_EQ(res->status, 413);
  // A client that sends the whole body anyway sees 413 or a closed connection; the server is fine.
  auto big =
      connect(material_.ca_bundle_pem)->request("POST", "/mutate", std::string(100 * 1024, ' '));
  EXPECT_TRUE(!big.ok() || big->status == 413);
  EXPECT_EQ(connect(material_.ca_bundle_pem)->request("GET", "/healthz")->status, 200);
}

TEST_F(HttpsServerTest, HealthAndReadiness) {
  auto conn = connect(material_.ca_bundle_pem);
  EXPECT_EQ(conn->request("GET", "/healthz")->status, 200);
  auto not_ready = conn->request("GET", "/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "warming up\n");
  ready_ = true;
  EXPECT_EQ(conn->request("GET", "/readyz")->status, 200);
}

TEST_F(HttpsServerTest, TlsBelow1_2IsRefused) {
  HttpsClientOptions o;
  o.ca_pem = material_.ca_bundle_pem;
  o.max_tls_version = TLS1_1_VERSION;
  EXPECT_FALSE(HttpsConnection::connect("127.0.0.1", port_, o).ok());
  o.max_tls_version = TLS1_2_VERSION;
  EXPECT_TRUE(HttpsConnection::connect("127.0.0.1", port_, o).ok());
}

TEST_F(HttpsServerTest, ANewCertificateServesNewConnectionsWithoutRestart) {
  auto old_conn = connect(material_.ca_bundle_pem);
  TlsMaterial next = makeMaterial();
  ASSERT_TRUE(tls_.update(next).ok());
  auto new_conn = connect(next.ca_bundle_pem);
  ASSERT_NE(new_conn, nullptr);
  EXPECT_EQ(new_conn->peerCertificatePem(), next.cert_pem);
  EXPECT_EQ(old_conn->request("GET", "/healthz")->status, 200);  // the old one still works
  HttpsClientOptions o;
  o.ca_pem = material_.ca_bundle_pem;  // trusts only the old CA
  EXPECT_FALSE(HttpsConnection::connect("127.0.0.1", port_, o).ok());
  EXPECT_FALSE(tls_.update({"garbage", "garbage", ""}).ok());
  EXPECT_EQ(connect(next.ca_bundle_pem)->peerCertificatePem(), next.cert_pem);
}

TEST_F(HttpsServerTest, ASilentClientIsDisconnectedAfterTheRequestTimeout) {
  auto conn = connect(material_.ca_bundle_pem);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(conn->request("GET", "/healthz").ok());
}

}  // namespace
}  // namespace attache::webhook
