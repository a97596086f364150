// The broker's TLS client context: built from the listener's files with errors naming the
// field, re-read when the files change (at most once a second, injected clock), a failed
// re-read keeping the previous context, SNI and name checks set per connection.
#include "ambassador-image/proxy/broker/tls_client_context.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/subprocess.h"
#include "tests/unit/ambassador/broker/test_certs.h"

namespace attache::ambassador::broker {
namespace {

namespace fs = std::filesystem;
using attache::testing::makePki;
using attache::testing::readFile;
using attache::testing::TempDir;
using attache::testing::TestPki;
using attache::testing::writeFile;

class TlsClientContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = makePki(dir_.file("one"), "CA one");
    other_ = makePki(dir_.file("two"), "CA two");
  }
  config::TlsConfig tls(const std::string& ca) const {
    config::TlsConfig t;
    t.enabled = true;
    t.ca_file = ca;
    return t;
  }
  TempDir dir_;
  TestPki pki_, other_;
};

TEST_F(TlsClientContextTest, BuildsAContextFromACaFile) {
  auto ctx = buildClientContext(tls(pki_.ca_crt));
  ASSERT_TRUE(ctx.ok()) << ctx.error().message;
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx->get()), SSL_VERIFY_PEER);
}

TEST_F(TlsClientContextTest, UsesTheSystemTrustStoreWithoutACaFile) {
  EXPECT_TRUE(buildClientContext(tls("")).ok());
}

TEST_F(TlsClientContextTest, RefusesAMissingCaFileNamingTheField) {
  auto ctx = buildClientContext(tls(dir_.file("nope.crt")));
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().message.rfind("tls.caFile: ", 0), 0u) << ctx.error().message;
}

TEST_F(TlsClientContextTest, RefusesACaFileWithoutACertificate) {
  writeFile(dir_.file("junk.crt"), "not a certificate\n");
  auto ctx = buildClientContext(tls(dir_.file("junk.crt")));
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().message.rfind("tls.caFile: ", 0), 0u) << ctx.error().message;
}

TEST_F(TlsClientContextTest, LoadsAClientCertificateAndRefusesAKeyThatDoesNotMatch) {
  auto t = tls(pki_.ca_crt);
  t.cert_file = pki_.client_crt;
  t.key_file = pki_.client_key;
  auto good = buildClientContext(t);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_NE(SSL_CTX_get0_certificate(good->get()), nullptr);
  t.key_file = other_.client_key;
  auto bad = buildClientContext(t);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "tls.keyFile: does not match tls.certFile");
}

TEST_F(TlsClientContextTest, SkipsVerificationOnlyWhenAskedTo) {
  auto t = tls(pki_.ca_crt);
  t.insecure_skip_verify = true;
  auto ctx = buildClientContext(t);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(SSL_CTX_get_verify_mode(ctx->get()), SSL_VERIFY_NONE);
}

TEST_F(TlsClientContextTest, SendsSniForANameButNotForAnIpAddress) {
  auto t = tls(pki_.ca_crt);
  auto ctx = buildClientContext(t);
  ASSERT_TRUE(ctx.ok());
  auto by_host = newClientSsl(*ctx, t, "db.shop.svc");
  ASSERT_TRUE(by_host.ok());
  EXPECT_STREQ(SSL_get_servername(by_host->get(), TLSEXT_NAMETYPE_host_name), "db.shop.svc");
  t.server_name = "orders.db.example.com";
  auto named = newClientSsl(*ctx, t, "db.shop.svc");
  ASSERT_TRUE(named.ok());
  EXPECT_STREQ(SSL_get_servername(named->get(), TLSEXT_NAMETYPE_host_name),
               "orders.db.example.com");
  t.server_name = "";
  auto by_ip = newClientSsl(*ctx, t, "127.0.0.1");
  ASSERT_TRUE(by_ip.ok());
  EXPECT_EQ(SSL_get_servername(by_ip->get(), TLSEXT_NAMETYPE_host_name), nullptr);
}

TEST_F(TlsClientContextTest, ReReadsAChangedFileAtMostOncePerSecond) {
  writeFile(dir_.file("ca.crt"), readFile(pki_.ca_crt));
  auto ctx = TlsClientContext::create(tls(dir_.file("ca.crt")), 10000);
  ASSERT_TRUE(ctx.ok());
  auto first = (*ctx)->context();
  writeFile(dir_.file("ca.crt"), readFile(other_.ca_crt));
  EXPECT_EQ((*ctx)->maybeReload(10999, nullptr), TlsClientContext::Reload::kUnchanged);
  EXPECT_EQ((*ctx)->context(), first);
  EXPECT_EQ((*ctx)->maybeReload(11000, nullptr), TlsClientContext::Reload::kReloaded);
  EXPECT_NE((*ctx)->context(), first);
  EXPECT_EQ((*ctx)->reloads(), 1u);
  EXPECT_EQ((*ctx)->maybeReload(12000, nullptr), TlsClientContext::Reload::kUnchanged)
      << "unchanged files are not re-read";
}

TEST_F(TlsClientContextTest, AFailedReReadKeepsThePreviousContextUntilTheFilesChangeAgain) {
  writeFile(dir_.file("ca.crt"), readFile(pki_.ca_crt));
  auto ctx = TlsClientContext::create(tls(dir_.file("ca.crt")), 0);
  ASSERT_TRUE(ctx.ok());
  auto first = (*ctx)->context();
  writeFile(dir_.file("ca.crt"), "half written");
  std::string why;
  EXPECT_EQ((*ctx)->maybeReload(1000, &why), TlsClientContext::Reload::kFailed);
  EXPECT_EQ(why.rfind("tls.caFile: ", 0), 0u) << why;
  EXPECT_EQ((*ctx)->context(), first);
  EXPECT_EQ((*ctx)->reloadFailures(), 1u);
  EXPECT_EQ((*ctx)->maybeReload(2000, nullptr), TlsClientContext::Reload::kUnchanged);
  writeFile(dir_.file("ca.crt"), readFile(other_.ca_crt));
  EXPECT_EQ((*ctx)->maybeReload(3000, nullptr), TlsClientContext::Reload::kReloaded);
}

TEST_F(TlsClientContextTest, FollowsAKubeletStyleSymlinkSwap) {
  const auto secret = dir_.file("secret");
  fs::create_directories(secret + "/..v1");
  fs::create_directories(secret + "/..v2");
  writeFile(secret + "/..v1/ca.crt", readFile(pki_.ca_crt));
  writeFile(secret + "/..v2/ca.crt", readFile(other_.ca_crt));
  fs::create_symlink("..v1", secret + "/..data");
  fs::create_symlink("..data/ca.crt", secret + "/ca.crt");
  auto ctx = TlsClientContext::create(tls(secret + "/ca.crt"), 0);
  ASSERT_TRUE(ctx.ok());
  fs::create_symlink("..v2", secret + "/..data_tmp");
  fs::rename(secret + "/..data_tmp", secret + "/..data");
  EXPECT_EQ((*ctx)->maybeReload(1000, nullptr), TlsClientContext::Reload::kReloaded);
}

TEST_F(TlsClientContextTest, StampsChangeWithContentEvenWithinOneClockTick) {
  writeFile(dir_.file("f"), "aaaa");
  auto a = stampFile(dir_.file("f"));
  writeFile(dir_.file("f"), "bbbb");
  EXPECT_NE(a, stampFile(dir_.file("f")));
  EXPECT_FALSE(stampFile(dir_.file("missing")).exists);
}

}  // namespace
}  // namespace attache::ambassador::broker
