// OpenSSL certificate generation and inspection.
#include <gtest/gtest.h>

#include "webhook/certificates.h"

namespace attache::webhook {
namespace {

using std::chrono::hours;

const SystemTime kNow = std::chrono::system_clock::from_time_t(1767225600);  // 2026-01-01

TEST(CertificatesTest, ACaIssuesAServingCertificateForNamesAndIps) {
  auto ca = generateCa("test-ca", kNow, hours(24 * 365));
  ASSERT_TRUE(ca.ok()) << ca.error().toString();
  auto ca_info = inspectCertificate(ca->cert_pem);
  ASSERT_TRUE(ca_info.ok());
  EXPECT_TRUE(ca_info->is_ca);
  EXPECT_EQ(ca_info->subject_cn, "test-ca");
  EXPECT_EQ(ca_info->not_after, kNow + hours(24 * 365));

  auto serving = issueServingCert(*ca, "svc", {"svc.ns.svc", "localhost"}, {"127.0.0.1", "::1"},
                                  kNow, hours(24 * 90));
  ASSERT_TRUE(serving.ok()) << serving.error().toString();
  auto info = inspectCertificate(serving->cert_pem);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->is_ca);
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"svc.ns.svc", "localhost"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(info->not_before, kNow - std::chrono::minutes(5));
  EXPECT_TRUE(checkKeyMatches(serving->cert_pem, serving->key_pem).ok());
  EXPECT_TRUE(checkIssuedBy(serving->cert_pem, ca->cert_pem, kNow).ok());
}

TEST(CertificatesTest, VerificationFailsForAnotherCaAMismatchedKeyOrExpiry) {
  auto ca = generateCa("a", kNow, hours(24));
  auto other = generateCa("b", kNow, hours(24));
  auto serving = issueServingCert(*ca, "svc", {"svc"}, {}, kNow, hours(1));
  ASSERT_TRUE(serving.ok());
  EXPECT_FALSE(checkIssuedBy(serving->cert_pem, other->cert_pem, kNow).ok());
  EXPECT_FALSE(checkIssuedBy(serving->cert_pem, ca->cert_pem, kNow + hours(2)).ok());
  EXPECT_FALSE(checkKeyMatches(serving->cert_pem, other->key_pem).ok());
  EXPECT_FALSE(issueServingCert(*ca, "svc", {}, {}, kNow, hours(1)).ok());
}

TEST(CertificatesTest, BundlesSplitAndGarbageIsAnError) {
  auto a = generateCa("a", kNow, hours(24));
  auto b = generateCa("b", kNow, hours(24));
  auto infos = inspectBundle(a->cert_pem + b->cert_pem);
  ASSERT_TRUE(infos.ok());
  ASSERT_EQ(infos->size(), 2u);
  EXPECT_EQ((*infos)[1].subject_cn, "b");
  EXPECT_EQ(splitPemBundle(a->cert_pem + "junk" + b->cert_pem).size(), 2u);
  EXPECT_FALSE(inspectCertificate("not a certificate").ok());
  EXPECT_FALSE(inspectBundle("").ok());
  EXPECT_FALSE(checkKeyMatches(a->cert_pem, "garbage").ok());
}

}  // namespace
}  // namespace attache::webhook
