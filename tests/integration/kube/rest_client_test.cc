// The REST client against the real kube-apiserver: CRUD, lists, patches, status subresources,
// error mapping and authentication.
#include <gtest/gtest.h>

#include "tests/integration/kube/test_cluster.h"
#include "tests/support/kube.h"
#include "tests/support/subprocess.h"

namespace attache::kube::testing {
namespace {

using nlohmann::json;

std::string rv(const json& obj) { return obj["metadata"]["resourceVersion"]; }

class RestClientTest : public ClusterTest {};

TEST_F(RestClientTest, CreateGetReplaceRemoveAConfigMap) {
  auto created = client().create(kConfigMaps, ns(), configMap("crud"));
  ASSERT_TRUE(created.ok()) << created.error().toString();
  EXPECT_EQ((*created)["metadata"]["namespace"], ns());
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());

  auto got = client().get(kConfigMaps, ns(), "crud");
  ASSERT_TRUE(got.ok()) << got.error().toString();
  EXPECT_EQ((*got)["data"]["k"], "v");

  json changed = *got;
  changed["data"]["k"] = "changed";
  auto replaced = client().replace(kConfigMaps, ns(), changed);
  ASSERT_TRUE(replaced.ok()) << replaced.error().toString();
  EXPECT_EQ((*replaced)["data"]["k"], "changed");
  EXPECT_NE(rv(*replaced), rv(*got));

  ASSERT_TRUE(client().remove(kConfigMaps, ns(), "crud").ok());
  auto gone = client().get(kConfigMaps, ns(), "crud");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().message, "configmaps \"crud\" not found");
}

TEST_F(RestClientTest, GetPathReadsNonResourcePaths) {
  auto version = client().getPath("/version");
  ASSERT_TRUE(version.ok()) << version.error().toString();
  EXPECT_EQ((*version)["major"], "1");
  EXPECT_EQ(client().getPath("/no-such-path").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(client().getPath("version").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RestClientTest, ErrorsCarryTheServersCodeAndMessage) {
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("dup")).ok());
  auto again = client().create(kConfigMaps, ns(), configMap("dup"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "configmaps \"dup\" already exists");

  auto current = client().get(kConfigMaps, ns(), "dup");
  ASSERT_TRUE(current.ok());
  json first = *current, second = *current;
  first["data"]["k"] = "1";
  ASSERT_TRUE(client().replace(kConfigMaps, ns(), first).ok());
  second["data"]["k"] = "2";
  auto stale = client().replace(kConfigMaps, ns(), second);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_NE(stale.error().message.find("the object has been modified"), std::string::npos)
      << stale.error().message;

  json invalid = configMap("Not_A_Valid_Name");
  auto rejected = client().create(kConfigMaps, ns(), invalid);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(rejected.error().message.find("Not_A_Valid_Name"), std::string::npos);

  auto missing_ns = client().get(kConfigMaps, "", "x");
  ASSERT_FALSE(missing_ns.ok());
  EXPECT_EQ(missing_ns.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RestClientTest, ListPagesFollowTheContinueToken) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(client()
                    .create(kConfigMaps, ns(),
                            configMap("page-" + std::to_string(i), {{"suite", "paging"}}))
                    .ok());
  }
  ListOptions options{.label_selector = "suite=paging", .limit = 3};
  std::vector<size_t> page_sizes;
  std::vector<std::string> names;
  while (true) {
    auto page = client().list(kConfigMaps, ns(), options);
    ASSERT_TRUE(page.ok()) << page.error().toString();
    EXPECT_FALSE(page->resource_version.empty());
    page_sizes.push_back(page->items.size());
    for (const auto& item : page->items) {
      EXPECT_EQ(item["kind"], "ConfigMap");
      EXPECT_EQ(item["apiVersion"], "v1");
      names.push_back(item["metadata"]["name"]);
    }
    if (page->continue_token.empty()) break;
    options.continue_token = page->continue_token;
    ASSERT_LT(page_sizes.size(), 10u);
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{3, 3, 1}));
  EXPECT_EQ(names.size(), 7u);

  auto all = client().listAll(kConfigMaps, ns(), {.label_selector = "suite=paging", .limit = 3});
  ASSERT_TRUE(all.ok()) << all.error().toString();
  EXPECT_EQ(all->items.size(), 7u);
}

TEST_F(RestClientTest, LabelAndFieldSelectorsFilterOnTheServer) {
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("sel-a", {{"app", "redis"}})).ok());
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("sel-b", {{"app", "memcached"}})).ok());
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("sel-c", {{"app", "web"}})).ok());
  auto names = [&](ListOptions options) {
    std::vector<std::string> out;
    auto r = client().list(kConfigMaps, ns(), options);
    EXPECT_TRUE(r.ok()) << r.error().toString();
    if (r.ok()) {
      for (const auto& item : r->items) out.push_back(item["metadata"]["name"]);
    }
    return out;
  };
  EXPECT_EQ(names({.label_selector = "app=redis"}), (std::vector<std::string>{"sel-a"}));
  EXPECT_EQ(names({.label_selector = "app in (redis,memcached)"}),
            (std::vector<std::string>{"sel-a", "sel-b"}));
  EXPECT_EQ(names({.label_selector = "app,app notin (redis,memcached)"}),
            (std::vector<std::string>{"sel-c"}));
  EXPECT_EQ(names({.field_selector = "metadata.name=sel-b"}), (std::vector<std::string>{"sel-b"}));
  auto bad = client().list(kConfigMaps, ns(), {.label_selector = "app in ("});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(RestClientTest, MergeJsonStrategicAndServerSideApplyPatches) {
  ASSERT_TRUE(client().create(kConfigMaps, ns(), configMap("patched")).ok());
  auto merged =
      client().patch(kConfigMaps, ns(), "patched", {{"data", {{"k", nullptr}, {"merged", "1"}}}});
  ASSERT_TRUE(merged.ok()) << merged.error().toString();
  EXPECT_EQ((*merged)["data"], (json{{"merged", "1"}}));

  auto jsonpatch = client().patch(kConfigMaps, ns(), "patched",
                                  json::parse(R"([{"op":"test","path":"/data/merged","value":"1"},
                      {"op":"add","path":"/data/json","value":"2"}])"),
                                  {.type = PatchType::kJson});
  ASSERT_TRUE(jsonpatch.ok()) << jsonpatch.error().toString();
  EXPECT_EQ((*jsonpatch)["data"]["json"], "2");

  auto strategic =
      client().patch(kConfigMaps, ns(), "patched", {{"metadata", {{"labels", {{"s", "1"}}}}}},
                     {.type = PatchType::kStrategicMerge});
  ASSERT_TRUE(strategic.ok()) << strategic.error().toString();
  EXPECT_EQ((*strategic)["metadata"]["labels"]["s"], "1");

  json desired = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", {{"name", "applied"}}},
                  {"data", {{"owner", "attache"}}}};
  auto applied = client().patch(kConfigMaps, ns(), "applied", desired,
                                {.type = PatchType::kApply, .field_manager = "attache-test"});
  ASSERT_TRUE(applied.ok()) << "apply creates: " << applied.error().toString();
  EXPECT_EQ((*applied)["data"]["owner"], "attache");

  desired["data"]["owner"] = "someone-else";
  auto conflicting = client().patch(kConfigMaps, ns(), "applied", desired,
                                    {.type = PatchType::kApply, .field_manager = "other"});
  ASSERT_FALSE(conflicting.ok());
  EXPECT_EQ(conflicting.error().code, ErrorCode::kConflict);
  auto forced =
      client().patch(kConfigMaps, ns(), "applied", desired,
                     {.type = PatchType::kApply, .field_manager = "other", .force = true});
  ASSERT_TRUE(forced.ok()) << forced.error().toString();
  EXPECT_EQ((*forced)["data"]["owner"], "someone-else");

  auto bad = client().patch(kConfigMaps, ns(), "patched",
                            json::parse(R"([{"op":"test","path":"/data/json","value":"9"}])"),
                            {.type = PatchType::kJson});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument) << bad.error().toString();
}

TEST_F(RestClientTest, ShardedServiceStatusGoesThroughTheStatusSubresource) {
  json cr = json::parse(R"({
    "apiVersion": "attache.dev/v1alpha1", "kind": "ShardedService",
    "metadata": {"name": "cache"},
    "spec": {"shards": {"endpoints": [{"name": "a", "host": "127.0.0.1", "port": 6379}]}}})");
  auto created = client().create(kShardedServices, ns(), cr);
  ASSERT_TRUE(created.ok()) << created.error().toString();
  EXPECT_EQ((*created)["metadata"]["generation"], 1);

  json status = {{"status",
                  {{"observedGeneration", 1},
                   {"readyShards", 1},
                   {"totalShards", 1},
                   {"conditions",
                    {{{"type", "Ready"},
                      {"status", "True"},
                      {"reason", "AllShardsReady"},
                      {"message", "1/1 shards ready"},
                      {"lastTransitionTime", "2024-01-01T00:00:00Z"}}}}}}};
  auto patched = client().patch(kShardedServices, ns(), "cache", status, {.status = true});
  ASSERT_TRUE(patched.ok()) << patched.error().toString();
  EXPECT_EQ((*patched)["status"]["readyShards"], 1);
  EXPECT_EQ((*patched)["metadata"]["generation"], 1) << "status writes keep the generation";

  auto ignored =
      client().patch(kShardedServices, ns(), "cache", {{"status", {{"readyShards", 0}}}});
  ASSERT_TRUE(ignored.ok()) << ignored.error().toString();
  EXPECT_EQ((*ignored)["status"]["readyShards"], 1) << "the main resource ignores status";

  json replaced = *ignored;
  replaced["status"]["readyShards"] = 0;
  auto put = client().replace(kShardedServices, ns(), replaced, /*status=*/true);
  ASSERT_TRUE(put.ok()) << put.error().toString();
  EXPECT_EQ((*put)["status"]["readyShards"], 0);

  auto spec = client().patch(kShardedServices, ns(), "cache", {{"spec", {{"timeoutMs", 500}}}});
  ASSERT_TRUE(spec.ok()) << spec.error().toString();
  EXPECT_EQ((*spec)["metadata"]["generation"], 2);
}

TEST_F(RestClientTest, PodStatusIsWrittenThroughTheStatusSubresource) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "redis-0"}, {"labels", {{"app", "redis"}}}}},
              {"spec", {{"containers", {{{"name", "redis"}, {"image", "redis:7"}}}}}}};
  auto created = client().create(kPods, ns(), pod);
  ASSERT_TRUE(created.ok()) << created.error().toString();

  json status = {{"status",
                  {{"phase", "Running"},
                   {"podIP", "10.1.2.3"},
                   {"podIPs", {{{"ip", "10.1.2.3"}}}},
                   {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  auto patched = client().patch(kPods, ns(), "redis-0", status, {.status = true});
  ASSERT_TRUE(patched.ok()) << patched.error().toString();

  auto got = client().get(kPods, ns(), "redis-0");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["status"]["podIP"], "10.1.2.3");
  EXPECT_EQ((*got)["status"]["phase"], "Running");
  EXPECT_EQ((*got)["status"]["conditions"][0]["type"], "Ready");
}

TEST(RestClientAuthTest, ABearerTokenFileAuthenticatesAServiceAccount) {
  using attache::testing::kubectl;
  std::string ns = attache::testing::createTestNamespace("kube-token");
  ASSERT_EQ(kubectl({"create", "serviceaccount", "bot", "-n", ns}).exit_code, 0);
  ASSERT_EQ(
      kubectl({"create", "role", "cm-reader", "--verb=get,list", "--resource=configmaps", "-n", ns})
          .exit_code,
      0);
  ASSERT_EQ(kubectl({"create", "rolebinding", "bot-reads", "--role=cm-reader",
                     "--serviceaccount=" + ns + ":bot", "-n", ns})
                .exit_code,
            0);
  auto token = kubectl({"create", "token", "bot", "-n", ns});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  attache::testing::TempDir dir;
  attache::testing::writeFile(dir.file("token"), token.out);

  ClusterConfig config = clusterConfig();
  config.client_cert_pem.clear();
  config.client_key_pem.clear();
  config.token_file = dir.file("token");
  auto client = makeRestClient(config);
  ASSERT_TRUE(client.ok()) << client.error().toString();
  auto list = (*client)->list(kConfigMaps, ns);
  EXPECT_TRUE(list.ok()) << list.error().toString();
  auto denied = (*client)->create(kConfigMaps, ns, configMap("nope"));
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kForbidden);
  EXPECT_NE(denied.error().message.find("system:serviceaccount:" + ns + ":bot"), std::string::npos)
      << denied.error().message;

  config.token_file.clear();
  config.token = "not-a-valid-token";
  auto bogus = makeRestClient(config);
  ASSERT_TRUE(bogus.ok());
  auto unauthorized = (*bogus)->list(kConfigMaps, ns);
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_EQ(unauthorized.error().code, ErrorCode::kForbidden);
  attache::testing::deleteNamespace(ns);
}

TEST(RestClientTransportTest, TransportFailuresAreUnavailable) {
  ClusterConfig refused = clusterConfig();
  refused.server = "https://127.0.0.1:" + std::to_string(attache::testing::freePort());
  auto client = makeRestClient(refused);
  ASSERT_TRUE(client.ok()) << client.error().toString();
  auto r = (*client)->get(kConfigMaps, "default", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().toString();

  ClusterConfig untrusted = clusterConfig();
  untrusted.ca_pem.clear();  // the system CAs do not know the local cluster's CA
  auto strict = makeRestClient(untrusted);
  ASSERT_TRUE(strict.ok());
  auto tls = (*strict)->get(kConfigMaps, "default", "x");
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.error().code, ErrorCode::kUnavailable) << tls.error().toString();

  untrusted.insecure_skip_verify = true;
  auto insecure = makeRestClient(untrusted);
  ASSERT_TRUE(insecure.ok());
  auto reached = (*insecure)->get(kConfigMaps, "default", "x");
  ASSERT_FALSE(reached.ok());
  EXPECT_EQ(reached.error().code, ErrorCode::kNotFound) << reached.error().toString();
}

TEST(RestClientConfigTest, BadConfigsAreRefusedNamingTheField) {
  ClusterConfig config = clusterConfig();
  config.server = "ftp://x";
  EXPECT_NE(makeRestClient(config).error().message.find("scheme"), std::string::npos);
  config = clusterConfig();
  config.ca_pem = "garbage";
  EXPECT_NE(makeRestClient(config).error().message.find("certificate-authority"),
            std::string::npos);
  config = clusterConfig();
  config.client_key_pem = config.ca_pem;
  EXPECT_NE(makeRestClient(config).error().message.find("client-key"), std::string::npos);
}

}  // namespace
}  // namespace attache::kube::testing
