// The background duty with an injected clock: certificates renewed and reloaded, the
// configuration's caBundle repaired after a reset and updated before a new CA serves.
#include <gtest/gtest.h>

#include "common/kube/fake_kube_client.h"
#include "common/kube/kubeconfig.h"
#include "webhook/maintainer.h"

namespace attache::webhook {
namespace {

using nlohmann::json;
using std::chrono::hours;

class MaintainerTest : public ::testing::Test {
 protected:
  MaintainerTest() {
    CertPolicy policy;
    policy.ip_addresses = {"127.0.0.1"};
    certs_ = makeEphemeralCertSource(policy);
    RegistrationOptions o;
    o.url = "https://127.0.0.1:1/mutate";
    maintainer_ = std::make_unique<Maintainer>(*certs_, tls_, client_, o, metrics_,
                                               std::chrono::hours(1), [this] { return now_; });
  }

  std::string caBundle() {
    auto c = client_.get(kube::kMutatingWebhookConfigurations, "", "attache-webhook");
    if (!c) return "";
    return *kube::base64Decode((*c)["webhooks"][0]["clientConfig"]["caBundle"].get<std::string>());
  }

  SystemTime now_ = std::chrono::system_clock::from_time_t(1767225600);
  kube::FakeKubeClient client_;
  CertSourcePtr certs_;
  TlsContextStore tls_;
  WebhookMetrics metrics_;
  std::unique_ptr<Maintainer> maintainer_;
};

TEST_F(MaintainerTest, StartupLoadsTheCertificateAndTheFirstTickRegisters) {
  EXPECT_EQ(tls_.current(), nullptr);
  ASSERT_TRUE(maintainer_->startup().ok());
  EXPECT_NE(tls_.current(), nullptr);
  EXPECT_FALSE(maintainer_->registered());
  maintainer_->tick();
  EXPECT_TRUE(maintainer_->registered());
  EXPECT_EQ(inspectBundle(caBundle())->size(), 1u);
}

TEST_F(MaintainerTest, AResetCaBundleIsRepaired) {
  ASSERT_TRUE(maintainer_->startup().ok());
  maintainer_->tick();
  std::string good = caBundle();
  auto c = client_.get(kube::kMutatingWebhookConfigurations, "", "attache-webhook");
  json reset = *c;
  reset["webhooks"][0]["clientConfig"]["caBundle"] = "";
  ASSERT_TRUE(client_.replace(kube::kMutatingWebhookConfigurations, "", reset).ok());
  maintainer_->tick();
  EXPECT_EQ(caBundle(), good);
  EXPECT_NE(metrics_.render().find("attache_webhook_registration_changes_total 2"),
            std::string::npos)
      << metrics_.render();
}

TEST_F(MaintainerTest, RotationSwapsTheContextAndTrustsBothCas) {
  ASSERT_TRUE(maintainer_->startup().ok());
  maintainer_->tick();
  auto before = tls_.current();
  now_ += hours(24 * 70);  // the serving certificate is in its last third
  maintainer_->tick();
  EXPECT_NE(tls_.current(), before);
  EXPECT_EQ(inspectBundle(caBundle())->size(), 1u);
  now_ += hours(24 * 200);  // now the CA is too
  maintainer_->tick();
  EXPECT_EQ(inspectBundle(caBundle())->size(), 2u);
  EXPECT_NE(metrics_.render().find("attache_webhook_certificate_rotations_total 3"),
            std::string::npos)
      << metrics_.render();
}

TEST_F(MaintainerTest, RegistrationErrorsAreCountedAndRetried) {
  ASSERT_TRUE(maintainer_->startup().ok());
  client_.failNext(kube::Verb::kGet, unavailable("down"));
  maintainer_->tick();
  EXPECT_FALSE(maintainer_->registered());
  EXPECT_NE(metrics_.render().find("attache_webhook_registration_errors_total 1"),
            std::string::npos);
  maintainer_->tick();
  EXPECT_TRUE(maintainer_->registered());
}

}  // namespace
}  // namespace attache::webhook
