// The certificate lifecycle: when to renew (pure plan), CA rotation keeping the old CA trusted,
// the Secret-backed source with the fake KubeClient, and cert-manager files.
#include <gtest/gtest.h>

#include "common/kube/fake_kube_client.h"
#include "common/kube/kubeconfig.h"
#include "tests/support/subprocess.h"
#include "webhook/cert_lifecycle.h"

namespace attache::webhook {
namespace {

using std::chrono::hours;
const SystemTime kNow = std::chrono::system_clock::from_time_t(1767225600);
constexpr auto kDay = hours(24);

CertPolicy policy() {
  CertPolicy p;
  p.dns_names = {"attache-webhook.attache-system.svc"};
  p.ip_addresses = {"127.0.0.1"};
  return p;
}

CertBundle fresh(SystemTime now = kNow) {
  auto b = applyCertPlan({}, {CertAction::kRotateCa, "test"}, policy(), now);
  EXPECT_TRUE(b.ok()) << b.error().toString();
  return *b;
}

TEST(PlanCertificatesTest, NothingMeansANewCa) {
  EXPECT_EQ(planCertificates({}, policy(), kNow).action, CertAction::kRotateCa);
}

TEST(PlanCertificatesTest, AFreshBundleIsKeptUntilTheLastThirdOfItsLifetime) {
  CertBundle b = fresh();
  EXPECT_EQ(planCertificates(b, policy(), kNow).action, CertAction::kKeep);
  EXPECT_EQ(planCertificates(b, policy(), kNow + 59 * kDay).action, CertAction::kKeep);
  CertPlan later = planCertificates(b, policy(), kNow + 61 * kDay);
  EXPECT_EQ(later.action, CertAction::kIssueServing) << later.reason;
  EXPECT_EQ(planCertificates(b, policy(), kNow + 250 * kDay).action, CertAction::kRotateCa);
}

TEST(PlanCertificatesTest, ANewRequiredNameReissuesTheServingCertificate) {
  CertPolicy more = policy();
  more.dns_names.push_back("webhook.example.com");
  EXPECT_EQ(planCertificates(fresh(), more, kNow).action, CertAction::kIssueServing);
}

TEST(PlanCertificatesTest, MismatchedPiecesAreReplaced) {
  CertBundle a = fresh(), b = fresh();
  CertBundle mixed = a;
  mixed.key = b.key;
  EXPECT_EQ(planCertificates(mixed, policy(), kNow).action, CertAction::kIssueServing);
  mixed = a;
  mixed.cert = b.cert;
  mixed.key = b.key;  // a serving cert from another CA
  EXPECT_EQ(planCertificates(mixed, policy(), kNow).action, CertAction::kIssueServing);
  mixed = a;
  mixed.ca_key = b.ca_key;
  EXPECT_EQ(planCertificates(mixed, policy(), kNow).action, CertAction::kRotateCa);
}

TEST(ApplyCertPlanTest, ARotatedCaKeepsItsPredecessorInTheBundle) {
  CertBundle old = fresh();
  SystemTime later = kNow + 250 * kDay;
  auto rotated = applyCertPlan(old, planCertificates(old, policy(), later), policy(), later);
  ASSERT_TRUE(rotated.ok());
  auto bundle = inspectBundle(rotated->ca_bundle);
  ASSERT_TRUE(bundle.ok());
  ASSERT_EQ(bundle->size(), 2u);
  EXPECT_EQ(splitPemBundle(rotated->ca_bundle)[1], splitPemBundle(old.ca_bundle)[0]);
  EXPECT_EQ(planCertificates(*rotated, policy(), later).action, CertAction::kKeep);
  // At the next rotation only the newest predecessor stays; the first CA, expired, is gone.
  SystemTime much_later = later + 300 * kDay;
  auto again = applyCertPlan(*rotated, {CertAction::kRotateCa, "t"}, policy(), much_later);
  ASSERT_TRUE(again.ok());
  auto blocks = splitPemBundle(again->ca_bundle);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[1], splitPemBundle(rotated->ca_bundle)[0]);
}

TEST(SecretCertSourceTest, CreatesTheSecretThenReusesIt) {
  kube::FakeKubeClient client;
  auto source = makeSecretCertSource(client, "attache-system", "attache-webhook-tls", policy());
  auto first = source->load(kNow);
  ASSERT_TRUE(first.ok()) << first.error().toString();
  EXPECT_TRUE(source->lastLoadRotated());
  auto secret = client.get(kube::kSecrets, "attache-system", "attache-webhook-tls");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ((*secret)["type"], "kubernetes.io/tls");
  EXPECT_EQ(*kube::base64Decode((*secret)["data"]["tls.crt"].get<std::string>()), first->cert_pem);

  // A second replica (or a restart) adopts it.
  auto other = makeSecretCertSource(client, "attache-system", "attache-webhook-tls", policy());
  auto adopted = other->load(kNow + kDay);
  ASSERT_TRUE(adopted.ok());
  EXPECT_EQ(*adopted, *first);
  EXPECT_FALSE(other->lastLoadRotated());

  // Near expiry it renews and writes the Secret back.
  auto renewed = other->load(kNow + 70 * kDay);
  ASSERT_TRUE(renewed.ok());
  EXPECT_NE(renewed->cert_pem, first->cert_pem);
  EXPECT_EQ(renewed->ca_bundle_pem, first->ca_bundle_pem);
  EXPECT_TRUE(other->lastLoadRotated());
  auto stored = client.get(kube::kSecrets, "attache-system", "attache-webhook-tls");
  EXPECT_EQ(*kube::base64Decode((*stored)["data"]["tls.crt"].get<std::string>()),
            renewed->cert_pem);
}

TEST(SecretCertSourceTest, AConflictingWriteIsRetriedOnTheFreshSecret) {
  kube::FakeKubeClient client;
  auto first = makeSecretCertSource(client, "ns", "tls", policy());
  ASSERT_TRUE(first->load(kNow).ok());
  client.failNext(kube::Verb::kReplace, Error{ErrorCode::kConflict, "modified"});
  // A replica that needs a new name: its first write loses, the second (re-planned) wins.
  CertPolicy more = policy();
  more.dns_names.push_back("extra.example.com");
  auto racing = makeSecretCertSource(client, "ns", "tls", more);
  auto got = racing->load(kNow);
  ASSERT_TRUE(got.ok()) << got.error().toString();
  EXPECT_EQ(inspectCertificate(got->cert_pem)->dns_names.size(), 2u);
}

TEST(SecretCertSourceTest, ReadErrorsAreReturned) {
  kube::FakeKubeClient client;
  client.failNext(kube::Verb::kGet, unavailable("down"));
  auto source = makeSecretCertSource(client, "ns", "tls", policy());
  auto got = source->load(kNow);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
}

TEST(FileCertSourceTest, ReadsTheFilesAndNoticesChanges) {
  attache::testing::TempDir dir;
  CertBundle a = fresh(), b = fresh();
  attache::testing::writeFile(dir.file("tls.crt"), a.cert);
  attache::testing::writeFile(dir.file("tls.key"), a.key);
  attache::testing::writeFile(dir.file("ca.crt"), a.ca_bundle);
  auto source = makeFileCertSource(dir.file("tls.crt"), dir.file("tls.key"), dir.file("ca.crt"));
  auto first = source->load(kNow);
  ASSERT_TRUE(first.ok()) << first.error().toString();
  EXPECT_EQ(first->ca_bundle_pem, a.ca_bundle);
  EXPECT_FALSE(source->lastLoadRotated());
  attache::testing::writeFile(dir.file("tls.crt"), b.cert);
  auto mismatched = source->load(kNow);  // cert-manager writes one file, then the other
  EXPECT_FALSE(mismatched.ok());
  attache::testing::writeFile(dir.file("tls.key"), b.key);
  auto second = source->load(kNow);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->cert_pem, b.cert);
  EXPECT_TRUE(source->lastLoadRotated());
  auto missing = makeFileCertSource(dir.file("nope"), dir.file("tls.key"), "")->load(kNow);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("--tls-cert-file"), std::string::npos);
}

}  // namespace
}  // namespace attache::webhook
