#include "common/kube/kubeconfig.h"

#include <gtest/gtest.h>

#include "tests/support/subprocess.h"

namespace attache::kube {
namespace {

using attache::testing::TempDir;
using attache::testing::writeFile;

constexpr const char* kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kCert = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
constexpr const char* kKey = "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n";

std::string base64(const std::string& in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(n >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += std::string{kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63],
                       kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

class KubeconfigTest : public ::testing::Test {
 protected:
  std::string write(const std::string& yaml) {
    std::string path = dir_.file("kubeconfig");
    writeFile(path, yaml);
    return path;
  }
  TempDir dir_;
};

TEST_F(KubeconfigTest, ReadsInlineDataOfTheCurrentContext) {
  auto config = loadKubeconfig(write(R"(apiVersion: v1
kind: Config
current-context: local
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: )" + base64(kCa) +
                                     R"(
users:
- name: admin
  user:
    client-certificate-data: )" + base64(kCert) +
                                     R"(
    client-key-data: )" + base64(kKey) +
                                     R"(
contexts:
- name: local
  context: {cluster: local, user: admin, namespace: shop}
)"));
  ASSERT_TRUE(config.ok()) << config.error().toString();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, kCa);
  EXPECT_EQ(config->client_cert_pem, kCert);
  EXPECT_EQ(config->client_key_pem, kKey);
  EXPECT_EQ(config->default_namespace, "shop");
  EXPECT_FALSE(config->insecure_skip_verify);
}

TEST_F(KubeconfigTest, ReadsFilePathsRelativeToTheKubeconfigAndANamedContext) {
  writeFile(dir_.file("ca.crt"), kCa);
  writeFile(dir_.file("token"), "abc\n");
  auto config = loadKubeconfig(write(R"(
current-context: other
clusters:
- {name: other, cluster: {server: "https://other:443"}}
- name: dev
  cluster: {server: "https://dev:443", certificate-authority: ca.crt, insecure-skip-tls-verify: true}
users:
- {name: bot, user: {tokenFile: token}}
- {name: static, user: {token: s3cret}}
contexts:
- {name: other, context: {cluster: other, user: static}}
- {name: dev, context: {cluster: dev, user: bot}}
)"),
                               "dev");
  ASSERT_TRUE(config.ok()) << config.error().toString();
  EXPECT_EQ(config->server, "https://dev:443");
  EXPECT_EQ(config->ca_pem, kCa);
  EXPECT_TRUE(config->insecure_skip_verify);
  EXPECT_EQ(config->token_file, dir_.file("token"));
  EXPECT_EQ(config->token, "");

  auto current = loadKubeconfig(dir_.file("kubeconfig"));
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->token, "s3cret");
}

struct BadCase {
  std::string name;
  std::string yaml;
  std::string expected_in_message;
};

class KubeconfigErrorTest : public KubeconfigTest, public ::testing::WithParamInterface<BadCase> {};

TEST_P(KubeconfigErrorTest, NamesTheBadField) {
  auto config = loadKubeconfig(write(GetParam().yaml));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(config.error().message.find(GetParam().expected_in_message), std::string::npos)
      << config.error().message;
}

const std::string kContexts = "contexts: [{name: c, context: {cluster: k, user: u}}]\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, KubeconfigErrorTest,
    ::testing::Values(
        BadCase{"NotYaml", "a: [", "not valid YAML"},
        BadCase{"NoCurrentContext", "clusters: []\n", "current-context"},
        BadCase{"UnknownContext", "current-context: nope\n" + kContexts,
                "contexts: no entry named 'nope'"},
        BadCase{"UnknownCluster", "current-context: c\n" + kContexts,
                "clusters: no entry named 'k'"},
        BadCase{"NoServer",
                "current-context: c\n" + kContexts + "clusters: [{name: k, cluster: {}}]\n",
                "clusters[k].cluster.server"},
        BadCase{
            "BadBase64",
            "current-context: c\n" + kContexts +
                "clusters: [{name: k, cluster: {server: s, certificate-authority-data: '!!'}}]\n",
            "certificate-authority-data is not valid base64"},
        BadCase{
            "MissingFile",
            "current-context: c\n" + kContexts +
                "clusters: [{name: k, cluster: {server: s, certificate-authority: nope.crt}}]\n",
            "clusters[k].cluster.certificate-authority: cannot read"},
        BadCase{"ExecPlugin",
                "current-context: c\n" + kContexts +
                    "clusters: [{name: k, cluster: {server: s}}]\n"
                    "users: [{name: u, user: {exec: {command: aws}}}]\n",
                "users[u].user.exec is not supported"},
        BadCase{"CertWithoutKey",
                "current-context: c\n" + kContexts +
                    "clusters: [{name: k, cluster: {server: s}}]\n"
                    "users: [{name: u, user: {client-certificate-data: " +
                    base64(kCert) + "}}]\n",
                "must be given together"}),
    [](const auto& param_info) { return param_info.param.name; });

TEST(KubeconfigFileTest, AMissingFileIsAnError) {
  auto config = loadKubeconfig("/nonexistent/kubeconfig");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("/nonexistent/kubeconfig"), std::string::npos);
}

TEST(InClusterConfigTest, ReadsTheServiceAccountDirectory) {
  TempDir dir;
  writeFile(dir.file("ca.crt"), kCa);
  writeFile(dir.file("token"), "tok");
  writeFile(dir.file("namespace"), "attache-system\n");
  auto config = loadInClusterConfigFrom("10.0.0.1", "443", dir.path());
  ASSERT_TRUE(config.ok()) << config.error().toString();
  EXPECT_EQ(config->server, "https://10.0.0.1:443");
  EXPECT_EQ(config->ca_pem, kCa);
  EXPECT_EQ(config->token_file, dir.file("token"));
  EXPECT_EQ(config->default_namespace, "attache-system");

  auto v6 = loadInClusterConfigFrom("fd00::1", "443", dir.path());
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->server, "https://[fd00::1]:443");
}

TEST(InClusterConfigTest, OutsideAClusterTheErrorSaysSo) {
  auto config = loadInClusterConfigFrom("", "", "/nonexistent");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  TempDir empty;
  auto no_token = loadInClusterConfigFrom("10.0.0.1", "443", empty.path());
  ASSERT_FALSE(no_token.ok());
}

TEST(Base64DecodeTest, DecodesPaddedUnpaddedAndWrappedInput) {
  EXPECT_EQ(base64Decode("aGVsbG8="), "hello");
  EXPECT_EQ(base64Decode("aGVsbG8"), "hello");
  EXPECT_EQ(base64Decode("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(base64Decode(""), "");
  EXPECT_EQ(base64Decode(base64(std::string("\x00\xff\x10", 3))), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(base64Decode("a$==").has_value());
  EXPECT_FALSE(base64Decode("aGVsbG8=x").has_value());
  EXPECT_FALSE(base64Decode("a").has_value());
}

}  // namespace
}  // namespace attache::kube
