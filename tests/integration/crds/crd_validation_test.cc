// The CRDs against the real kube-apiserver: samples are accepted, defaults are applied, and each
// invalid object is rejected with a message a user can act on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/kube.h"
#include "tests/support/subprocess.h"

namespace attache::testing {
namespace {

class CrdValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { namespace_ = createTestNamespace("crds"); }
  static void TearDownTestSuite() { deleteNamespace(namespace_); }
  static std::string namespace_;
};
std::string CrdValidationTest::namespace_;

TEST_F(CrdValidationTest, SamplesAreAcceptedAndListedInTheAttacheCategory) {
  for (const char* sample :
       {"crds/samples/shardedservice.yaml", "crds/samples/servicebinding.yaml"}) {
    auto r = kubectl({"apply", "-n", namespace_, "-f", sourcePath(sample)});
    ASSERT_EQ(r.exit_code, 0) << sample << ": " << r.err;
  }
  auto r = kubectl({"get", "attache", "-n", namespace_, "-o", "name"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("shardedservice.attache.dev/cache"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("servicebinding.attache.dev/orders-db"), std::string::npos) << r.out;

  auto shortname = kubectl({"get", "shsvc,svcb", "-n", namespace_});
  ASSERT_EQ(shortname.exit_code, 0) << shortname.err;
  EXPECT_NE(shortname.out.find("PROTOCOL"), std::string::npos) << shortname.out;
  EXPECT_NE(shortname.out.find("SELECTED"), std::string::npos) << shortname.out;
}

TEST_F(CrdValidationTest, DefaultsAreTheClassicTwemproxyValues) {
  auto r = kubectl({"create", "--dry-run=server", "-o", "json", "-n", namespace_, "-f", "-"},
                   R"(apiVersion: attache.dev/v1alpha1
kind: ShardedService
metadata: {name: minimal}
spec:
  shards: {endpoints: [{name: a, host: 127.0.0.1, port: 6379}]}
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto spec = nlohmann::json::parse(r.out)["spec"];
  EXPECT_EQ(spec["protocol"], "redis");
  EXPECT_EQ(spec["distribution"], "ketama");
  EXPECT_EQ(spec["hash"], "fnv1a_64");
  EXPECT_EQ(spec["timeoutMs"], 400);
  EXPECT_EQ(spec["serverConnections"], 1);
  EXPECT_EQ(spec["failure"]["autoEject"], true);
  EXPECT_EQ(spec["failure"]["failureLimit"], 1);
  EXPECT_EQ(spec["failure"]["retryTimeoutMs"], 2000);
  EXPECT_EQ(spec["shards"]["endpoints"][0]["weight"], 1);

  auto b = kubectl({"create", "--dry-run=server", "-o", "json", "-n", namespace_, "-f", "-"},
                   R"(apiVersion: attache.dev/v1alpha1
kind: ServiceBinding
metadata: {name: minimal}
spec:
  listenPort: 5432
  candidates: [{external: {host: db.example.com, port: 5432}}]
)");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto bspec = nlohmann::json::parse(b.out)["spec"];
  EXPECT_EQ(bspec["tls"]["mode"], "disable");
  EXPECT_EQ(bspec["connectTimeoutMs"], 1000);
  EXPECT_EQ(bspec["project"], false);
}

struct InvalidCase {
  std::string name;
  std::string manifest;
  std::string expected_message;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

std::string sharded(const std::string& spec) {
  return "apiVersion: attache.dev/v1alpha1\nkind: ShardedService\nmetadata: {name: bad}\nspec:\n" +
         spec;
}
std::string binding(const std::string& spec) {
  return "apiVersion: attache.dev/v1alpha1\nkind: ServiceBinding\nmetadata: {name: bad}\nspec:\n" +
         spec;
}
const char* kOneShard = "  shards: {statefulSet: {name: r, port: 6379}}\n";
const char* kOneCandidate = "  listenPort: 5432\n  candidates: [{external: {host: h, port: 1}}]\n";

class InvalidObjectTest : public CrdValidationTest,
                          public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(InvalidObjectTest, IsRejectedWithAReadableMessage) {
  const auto& c = GetParam();
  auto r = kubectl({"create", "--dry-run=server", "-n", namespace_, "-f", "-"}, c.manifest);
  EXPECT_NE(r.exit_code, 0) << "accepted:\n" << c.manifest;
  EXPECT_NE(r.err.find(c.expected_message), std::string::npos)
      << "message: " << r.err << "\nexpected to contain: " << c.expected_message;
}

INSTANTIATE_TEST_SUITE_P(
    Crds, InvalidObjectTest,
    ::testing::Values(
        InvalidCase{"ShardsWithBothSources",
                    sharded("  shards:\n    statefulSet: {name: r, port: 6379}\n"
                            "    endpoints: [{name: a, host: h, port: 1}]\n"),
                    "exactly one of shards.statefulSet or shards.endpoints must be set"},
        InvalidCase{"ShardsWithNoSource", sharded("  shards: {}\n"),
                    "exactly one of shards.statefulSet or shards.endpoints must be set"},
        InvalidCase{"MissingShards", sharded("  protocol: redis\n"), "spec.shards: Required value"},
        InvalidCase{"UnknownProtocol", sharded(std::string(kOneShard) + "  protocol: mongodb\n"),
                    "spec.protocol: Unsupported value: \"mongodb\""},
        InvalidCase{"UnknownHash", sharded(std::string(kOneShard) + "  hash: sha1\n"),
                    "spec.hash: Unsupported value: \"sha1\""},
        InvalidCase{"UnknownDistribution",
                    sharded(std::string(kOneShard) + "  distribution: roundrobin\n"),
                    "spec.distribution: Unsupported value: \"roundrobin\""},
        InvalidCase{"ListenPortOutOfRange",
                    sharded(std::string(kOneShard) + "  listenPort: 70000\n"),
                    "spec.listenPort: Invalid value: 70000: spec.listenPort in body should be less "
                    "than or equal to 65535"},
        InvalidCase{"OneCharacterHashTag", sharded(std::string(kOneShard) + "  hashTag: \"{\"\n"),
                    "hashTag must be exactly two characters"},
        InvalidCase{"TlsFieldsWithoutTls",
                    sharded(std::string(kOneShard) + "  tls: {serverName: redis.example.com}\n"),
                    "tls.serverName and tls.caSecretRef need tls.enabled: true"},
        InvalidCase{"AuthWithMemcached",
                    sharded(std::string(kOneShard) +
                            "  protocol: memcached\n  auth: {secretRef: {name: s}}\n"),
                    "auth is only supported with protocol: redis"},
        InvalidCase{"DuplicateEndpointNames",
                    sharded("  shards:\n    endpoints:\n    - {name: a, host: h1, port: 1}\n"
                            "    - {name: a, host: h2, port: 1}\n"),
                    "Duplicate value"},
        InvalidCase{"ZeroWeight",
                    sharded("  shards: {endpoints: [{name: a, host: h, port: 1, weight: 0}]}\n"),
                    "should be greater than or equal to 1"},
        InvalidCase{"NegativeTimeout", sharded(std::string(kOneShard) + "  timeoutMs: -5\n"),
                    "spec.timeoutMs in body should be greater than or equal to 1"},
        InvalidCase{"NoCandidates", binding("  listenPort: 5432\n  candidates: []\n"),
                    "at least one candidate is required"},
        InvalidCase{
            "CandidateWithTwoSources",
            binding("  listenPort: 5432\n  candidates:\n"
                    "  - {service: {name: pg, port: 5432}, external: {host: h, port: 1}}\n"),
            "each candidate sets exactly one of service, secretRef, provisionedService or "
            "external"},
        InvalidCase{"EmptyCandidate", binding("  listenPort: 5432\n  candidates: [{}]\n"),
                    "each candidate sets exactly one of service"},
        InvalidCase{"TlsNameWithoutOriginate",
                    binding(std::string(kOneCandidate) + "  tls: {serverName: db.example.com}\n"),
                    "need tls.mode: originate"},
        InvalidCase{"UnknownTlsMode",
                    binding(std::string(kOneCandidate) + "  tls: {mode: strict}\n"),
                    "spec.tls.mode: Unsupported value: \"strict\""},
        InvalidCase{"MissingListenPort",
                    binding("  candidates: [{external: {host: h, port: 1}}]\n"),
                    "spec.listenPort: Required value"},
        InvalidCase{"ExternalWithoutPort",
                    binding("  listenPort: 1\n  candidates: [{external: {host: h}}]\n"),
                    "spec.candidates[0].external.port: Required value"}),
    [](const ::testing::TestParamInfo<InvalidCase>& param_info) { return param_info.param.name; });

}  // namespace
}  // namespace attache::testing
