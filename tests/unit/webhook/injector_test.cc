// The injector's contract with the ambassador and the app, beyond the golden files: the
// container's arguments and probes, conflicts, overrides and hostile pod shapes.
#include <gtest/gtest.h>

#include "webhook/injector.h"

namespace attache::webhook {
namespace {

using nlohmann::json;

json basicPod(json annotations = json::object()) {
  return {{"metadata", {{"name", "p"}, {"annotations", annotations}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}}}};
}

ResolvedReference sharded(const std::string& name, int port) {
  ResolvedReference r;
  r.ref = {ReferenceKind::kShardedService, name};
  r.found = true;
  r.port = port;
  return r;
}

const json& ambassadorOf(const json& pod) {
  for (const char* list : {"initContainers", "containers"}) {
    if (!pod["spec"].contains(list)) continue;
    for (const json& c : pod["spec"][list]) {
      if (c["name"] == "attache-ambassador") return c;
    }
  }
  static const json kNone;
  return kNone;
}

TEST(InjectTest, NativeSidecarIsTheFirstInitContainerWithAStartupProbe) {
  InjectorConfig cfg = InjectorConfig::defaults();
  auto out = inject(basicPod(), cfg, {sharded("cache", 6379)});
  ASSERT_TRUE(out.ok()) << out.error().toString();
  const json& c = out->pod["spec"]["initContainers"][0];
  EXPECT_EQ(c["name"], "attache-ambassador");
  EXPECT_EQ(c["restartPolicy"], "Always");
  EXPECT_EQ(c["startupProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(c["startupProbe"]["httpGet"]["port"], 15021);
  EXPECT_EQ(c["command"], json::array({"attache-ambassador"}));
  EXPECT_EQ(c["args"],
            json::array({"--config-dir", "/etc/attache/config", "--admin", "127.0.0.1:15000",
                         "--status", "0.0.0.0:15021", "--log-level", "info"}));
  EXPECT_EQ(out->pod["spec"]["containers"].size(), 1u);
}

TEST(InjectTest, ContainerModeAppendsAnOrdinaryContainer) {
  InjectorConfig cfg = InjectorConfig::defaults();
  cfg.sidecar_mode = SidecarMode::kContainer;
  auto out = inject(basicPod(), cfg, {sharded("cache", 6379)});
  ASSERT_TRUE(out.ok());
  EXPECT_FALSE(out->pod["spec"].contains("initContainers"));
  ASSERT_EQ(out->pod["spec"]["containers"].size(), 2u);
  EXPECT_EQ(out->pod["spec"]["containers"][1]["name"], "attache-ambassador");
  EXPECT_FALSE(out->pod["spec"]["containers"][1].contains("restartPolicy"));
}

TEST(InjectTest, TheAmbassadorIsLockedDown) {
  auto out = inject(basicPod(), InjectorConfig::defaults(), {sharded("cache", 6379)});
  ASSERT_TRUE(out.ok());
  const json& sc = ambassadorOf(out->pod)["securityContext"];
  EXPECT_EQ(sc["runAsNonRoot"], true);
  EXPECT_EQ(sc["readOnlyRootFilesystem"], true);
  EXPECT_EQ(sc["allowPrivilegeEscalation"], false);
  EXPECT_EQ(sc["capabilities"]["drop"], json::array({"ALL"}));
  EXPECT_GT(sc["runAsUser"].get<int>(), 0);
}

TEST(InjectTest, AdminStaysOnLoopbackAndProbesUseTheConfigurableStatusPort) {
  InjectorConfig cfg = InjectorConfig::defaults();
  cfg.admin_port = 19000;
  cfg.status_port = 19021;
  auto out = inject(basicPod(), cfg, {sharded("cache", 6379)});
  ASSERT_TRUE(out.ok());
  const json& c = ambassadorOf(out->pod);
  EXPECT_EQ(c["args"][3], "127.0.0.1:19000");
  EXPECT_EQ(c["args"][5], "0.0.0.0:19021");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"], 19021);
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  ASSERT_EQ(c["ports"].size(), 1u) << "only the status port is declared";
  EXPECT_EQ(c["ports"][0]["containerPort"], 19021);
  EXPECT_EQ(c["ports"][0]["name"], "attache-status");
}

TEST(InjectTest, EveryAppContainerGetsTheAddressButTheUsersValueWins) {
  json pod = basicPod();
  pod["spec"]["containers"].push_back(
      {{"name", "side"}, {"env", json::array({{{"name", "ATTACHE_CACHE_ADDR"}, {"value", "x"}}})}});
  pod["spec"]["initContainers"] = json::array({{{"name", "init"}}});
  auto out = inject(pod, InjectorConfig::defaults(), {sharded("cache", 6400)});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->pod["spec"]["containers"][0]["env"],
            json::array({{{"name", "ATTACHE_CACHE_ADDR"}, {"value", "127.0.0.1:6400"}}}));
  EXPECT_EQ(out->pod["spec"]["containers"][1]["env"].size(), 1u);
  EXPECT_EQ(out->pod["spec"]["containers"][1]["env"][0]["value"], "x");
  EXPECT_EQ(out->pod["spec"]["initContainers"][1]["env"][0]["name"], "ATTACHE_CACHE_ADDR");
  EXPECT_EQ(ambassadorOf(out->pod)["env"].size(), 2u);  // POD_NAME, POD_NAMESPACE only
}

TEST(InjectTest, PortConflictsAreRefusedWithTheirCause) {
  auto same =
      inject(basicPod(), InjectorConfig::defaults(), {sharded("a", 7000), sharded("b", 7000)});
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.error().message.find("port 7000"), std::string::npos);
  auto admin = inject(basicPod(), InjectorConfig::defaults(), {sharded("a", 15000)});
  ASSERT_FALSE(admin.ok());
  auto status = inject(basicPod(), InjectorConfig::defaults(), {sharded("a", 15021)});
  ASSERT_FALSE(status.ok());
  json pod = basicPod();
  pod["spec"]["containers"][0]["ports"] = json::array({{{"containerPort", 15000}}});
  auto declared = inject(pod, InjectorConfig::defaults(), {sharded("a", 6379)});
  ASSERT_FALSE(declared.ok());
  EXPECT_NE(declared.error().message.find("container \"app\" declares port 15000"),
            std::string::npos)
      << declared.error().message;
}

TEST(InjectTest, ColidingEnvNamesAndVolumesAreRefused) {
  auto env = inject(basicPod(), InjectorConfig::defaults(), {sharded("a-b", 1), sharded("a.b", 2)});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.error().message.find("ATTACHE_A_B_ADDR"), std::string::npos);
  json pod = basicPod();
  pod["spec"]["volumes"] =
      json::array({{{"name", "attache-config"}, {"emptyDir", json::object()}}});
  EXPECT_FALSE(inject(pod, InjectorConfig::defaults(), {sharded("a", 1)}).ok());
}

TEST(InjectTest, HostilePodShapesAreErrorsNotCrashes) {
  std::vector<json> pods = {
      json::array(),
      {{"spec", 3}},
      {{"spec", {{"containers", "app"}}}},
      {{"spec", {{"containers", json::array({1})}}}},
      {{"spec", {{"containers", json::array({{{"name", "a"}, {"env", "x"}}})}}}},
      {{"metadata", "x"}, {"spec", {{"containers", json::array()}}}},
      {{"metadata", {{"annotations", 5}}}, {"spec", {{"containers", json::array()}}}},
  };
  for (const json& p : pods) {
    auto out = inject(p, InjectorConfig::defaults(), {sharded("a", 1)});
    EXPECT_FALSE(out.ok()) << p.dump();
  }
}

TEST(AddressEnvNameTest, UpperCasesAndMapsOtherCharactersToUnderscore) {
  EXPECT_EQ(addressEnvName("cache"), "ATTACHE_CACHE_ADDR");
  EXPECT_EQ(addressEnvName("orders-db"), "ATTACHE_ORDERS_DB_ADDR");
  EXPECT_EQ(addressEnvName("a.b-c1"), "ATTACHE_A_B_C1_ADDR");
}

TEST(VolumeNameTest, LongNamesAreShortenedToAValidLabel) {
  EXPECT_EQ(volumeName("attache-binding-", "orders.db"), "attache-binding-orders-db");
  std::string long_name(100, 'x');
  std::string v = volumeName("attache-binding-", long_name);
  EXPECT_LE(v.size(), 63u);
  EXPECT_NE(v, volumeName("attache-binding-", long_name + "y"));
}

TEST(ProxySettingsTest, DefaultsAndOverrides) {
  auto defaults = proxySettings(json::object(), InjectorConfig::defaults());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->resources.cpu_request, "50m");
  EXPECT_EQ(defaults->resources.memory_limit, "128Mi");
  EXPECT_EQ(defaults->log_level, "info");
  auto s = proxySettings({{"attache.dev/proxy-cpu-limit", "2"},
                          {"attache.dev/proxy-memory-limit", ""},
                          {"attache.dev/proxy-log-level", "warn"}},
                         InjectorConfig::defaults());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->resources.cpu_limit, "2");
  EXPECT_EQ(s->resources.memory_limit, "");  // "" removes the limit
  EXPECT_EQ(s->log_level, "warn");
}

TEST(ProxySettingsTest, ADefaultFollowsTheOverrideAcrossRequestAndLimit) {
  auto lower =
      proxySettings({{"attache.dev/proxy-memory-limit", "16Mi"}}, InjectorConfig::defaults());
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->resources.memory_request, "16Mi");
  auto both = proxySettings(
      {{"attache.dev/proxy-memory-request", "1Gi"}, {"attache.dev/proxy-memory-limit", "512Mi"}},
      InjectorConfig::defaults());
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.error().message.find("exceeds"), std::string::npos);
}

TEST(ProxySettingsTest, InvalidValuesNameTheAnnotation) {
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, json>>{{"attache.dev/proxy-cpu-request", "fast"},
                                                 {"attache.dev/proxy-memory-limit", "-1Mi"},
                                                 {"attache.dev/proxy-cpu-limit", 2},
                                                 {"attache.dev/proxy-log-level", "verbose"}}) {
    auto s = proxySettings({{key, value}}, InjectorConfig::defaults());
    ASSERT_FALSE(s.ok()) << key;
    EXPECT_EQ(s.error().message.rfind(key, 0), 0u) << s.error().message;
  }
}

TEST(QuantityTest, ParsesTheKubernetesGrammar) {
  EXPECT_DOUBLE_EQ(*parseQuantity("100m"), 0.1);
  EXPECT_DOUBLE_EQ(*parseQuantity("64Mi"), 64.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parseQuantity("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*parseQuantity("1e3"), 1000);
  EXPECT_DOUBLE_EQ(*parseQuantity("2E"), 2e18);
  EXPECT_DOUBLE_EQ(*parseQuantity("1Gi"), 1024.0 * 1024 * 1024);
  for (const char* bad : {"", "Mi", "1MB", "1.2.3", "-1", "1e", "abc"}) {
    EXPECT_FALSE(parseQuantity(bad).ok()) << bad;
  }
}

TEST(ValidateConfigTest, NamesTheBadFlag) {
  InjectorConfig cfg = InjectorConfig::defaults();
  EXPECT_TRUE(validateConfig(cfg).ok());
  cfg.admin_port = 0;
  EXPECT_EQ(validateConfig(cfg).error().message.rfind("--proxy-admin-port", 0), 0u);
  cfg = InjectorConfig::defaults();
  cfg.status_port = cfg.admin_port;
  EXPECT_EQ(validateConfig(cfg).error().message.rfind("--proxy-status-port", 0), 0u);
  cfg = InjectorConfig::defaults();
  cfg.resources.memory_limit = "lots";
  EXPECT_EQ(validateConfig(cfg).error().message.rfind("--proxy-memory-limit", 0), 0u);
}

}  // namespace
}  // namespace attache::webhook
