// charts/attache against the real helm and kube-apiserver. The local control plane has no
// kubelet, so the Deployments never get pods; what is checked is what the chart asks of the
// API server, and that the operator and webhook, started here with the tokens of the chart's
// ServiceAccounts, do their jobs with exactly the chart's RBAC.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kube.h"
#include "tests/support/subprocess.h"

namespace {

using ::attache::testing::ChildProcess;
using ::attache::testing::CommandResult;
using ::attache::testing::kubectl;
using ::attache::testing::readFile;
using ::attache::testing::runCommand;
using ::attache::testing::sourcePath;
using ::attache::testing::TempDir;
using ::attache::testing::writeFile;
using nlohmann::json;
namespace fs = std::filesystem;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string helmPath() {
  static const std::string path =
      trim(runCommand({sourcePath("scripts/k8s-tools.sh"), "path", "helm"}).out);
  return path;
}

std::string chartDir() { return sourcePath("charts/attache"); }

CommandResult helm(std::vector<std::string> args) {
  args.insert(args.begin(), helmPath());
  return runCommand(args, "", std::chrono::seconds(120));
}

std::string uniqueName(const std::string& prefix) {
  std::random_device rd;
  return prefix + std::to_string(rd() % 100000);
}

bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return done();
}

// Splits a multi-document YAML stream into documents (helm separates them with "---" lines).
std::vector<std::string> yamlDocuments(const std::string& text) {
  std::vector<std::string> docs;
  std::istringstream in(text);
  std::string line, current;
  while (std::getline(in, line)) {
    if (line.rfind("---", 0) == 0) {
      if (current.find("kind:") != std::string::npos) docs.push_back(current);
      current.clear();
      continue;
    }
    current += line + "\n";
  }
  if (current.find("kind:") != std::string::npos) docs.push_back(current);
  return docs;
}

class ChartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(helmPath().empty());
    ASSERT_TRUE(fs::exists(helmPath())) << "helm is built by scripts/k8s-tools.sh";
    ns_ = ::attache::testing::createTestNamespace("chart");
  }
  void TearDown() override {
    for (const auto& release : releases_) helm({"uninstall", release, "-n", ns_, "--wait=false"});
    ::attache::testing::deleteNamespace(ns_);
  }

  CommandResult install(const std::string& release, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"install", release, chartDir(), "-n", ns_,
                                  // Keep the API server from calling a webhook without pods
                                  // for namespaces other tests create meanwhile.
                                  "--set", "webhook.requireNamespaceLabel=true"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = helm(args);
    if (r.exit_code == 0) releases_.push_back(release);
    return r;
  }

  // "yes"/"no" from `kubectl auth can-i` as one of the chart's ServiceAccounts.
  bool canI(const std::string& sa, const std::vector<std::string>& what,
            const std::string& in_ns = "") {
    std::vector<std::string> args{"auth", "can-i"};
    args.insert(args.end(), what.begin(), what.end());
    args.insert(args.end(), {"--as", "system:serviceaccount:" + ns_ + ":" + sa});
    if (!in_ns.empty()) args.insert(args.end(), {"-n", in_ns});
    auto r = kubectl(args);
    return trim(r.out) == "yes";
  }

  // A kubeconfig that authenticates as a ServiceAccount (a TokenRequest token).
  std::string serviceAccountKubeconfig(const std::string& sa) {
    auto token = kubectl({"create", "token", sa, "-n", ns_, "--duration", "1h"});
    EXPECT_EQ(token.exit_code, 0) << token.err;
    auto view = kubectl({"config", "view", "--raw", "--minify", "--flatten", "-o", "json"});
    EXPECT_EQ(view.exit_code, 0) << view.err;
    json cfg = json::parse(view.out);
    json cluster = cfg["clusters"][0]["cluster"];
    json out = {
        {"apiVersion", "v1"},
        {"kind", "Config"},
        {"clusters", {{{"name", "c"}, {"cluster", cluster}}}},
        {"users", {{{"name", sa}, {"user", {{"token", trim(token.out)}}}}}},
        {"contexts",
         {{{"name", "c"}, {"context", {{"cluster", "c"}, {"user", sa}, {"namespace", ns_}}}}}},
        {"current-context", "c"}};
    std::string path = dir_.file(sa + ".kubeconfig");
    writeFile(path, out.dump(2));  // JSON is YAML
    return path;
  }

  TempDir dir_;
  std::string ns_;
  std::vector<std::string> releases_;
};

TEST(ChartFiles, CrdsAreIdenticalToTheCrdsDirectory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(sourcePath("crds"))) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      names.push_back(entry.path().filename());
    }
  }
  ASSERT_EQ(names.size(), 2u);
  size_t in_chart = 0;
  for (const auto& entry : fs::directory_iterator(chartDir() + "/crds")) {
    if (entry.is_regular_file()) ++in_chart;
  }
  EXPECT_EQ(in_chart, names.size()) << "charts/attache/crds holds exactly the CRDs of crds/";
  for (const auto& name : names) {
    EXPECT_EQ(readFile(sourcePath("crds/" + name)), readFile(chartDir() + "/crds/" + name))
        << name << " differs: copy crds/" << name << " to charts/attache/crds/";
  }
}

TEST(ChartLint, CleanWithEveryMode) {
  ASSERT_TRUE(fs::exists(helmPath()));
  for (const std::vector<std::string>& sets : std::vector<std::vector<std::string>>{
           {},
           {"--set", "webhook.certificates.mode=certManager"},
           {"--set", "webhook.requireNamespaceLabel=true", "--set", "operator.watchNamespace=shop"},
           {"--set", "webhook.replicas=1", "--set", "operator.replicas=1"}}) {
    std::vector<std::string> args{"lint", "--strict", chartDir()};
    args.insert(args.end(), sets.begin(), sets.end());
    auto r = helm(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("0 chart(s) failed"), std::string::npos) << r.out;
  }
}

TEST(ChartRender, RejectsInvalidValuesWithAClearMessage) {
  ASSERT_TRUE(fs::exists(helmPath()));
  struct Case {
    std::string set, message;
  };
  for (const Case& c : {Case{"webhook.failurePolicy=Sometimes", "webhook.failurePolicy"},
                        Case{"webhook.timeoutSeconds=60", "webhook.timeoutSeconds"},
                        Case{"webhook.certificates.mode=vault", "webhook.certificates.mode"},
                        Case{"logLevel=loud", "logLevel"}}) {
    auto r = helm({"template", "x", chartDir(), "--set", c.set});
    EXPECT_NE(r.exit_code, 0) << c.set;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.set << ": " << r.err;
  }
}

TEST_F(ChartTest, RenderedManifestsAreAcceptedByTheApiServer) {
  for (const std::vector<std::string>& sets : std::vector<std::vector<std::string>>{
           {},
           {"--set", "webhook.certificates.mode=certManager"},
           {"--set", "operator.watchNamespace=" + ns_, "--set", "webhook.excludedNamespaces={a,b}",
            "--set", "operator.provisionedServices[0].apiGroup=example.com", "--set",
            "operator.provisionedServices[0].resources={databases}"}}) {
    std::vector<std::string> args{"template", uniqueName("dry"), chartDir(), "-n", ns_};
    args.insert(args.end(), sets.begin(), sets.end());
    auto rendered = helm(args);
    ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
    // cert-manager is not installed in the local control plane: its objects are checked by
    // shape here, everything else by the API server.
    std::string core;
    int cert_manager_objects = 0;
    for (const auto& doc : yamlDocuments(rendered.out)) {
      if (doc.find("apiVersion: cert-manager.io/v1") != std::string::npos) {
        ++cert_manager_objects;
        continue;
      }
      core += "---\n" + doc;
    }
    bool cert_manager = !sets.empty() && sets[1] == "webhook.certificates.mode=certManager";
    EXPECT_EQ(cert_manager_objects, cert_manager ? 4 : 0);
    auto applied = kubectl({"apply", "--dry-run=server", "-n", ns_, "-f", "-"}, core);
    EXPECT_EQ(applied.exit_code, 0) << applied.err << "\n" << core;
    for (const char* kind :
         {"deployment.apps/", "service/", "mutatingwebhookconfiguration.admissionregistration",
          "clusterrole.rbac", "poddisruptionbudget.policy/"}) {
      EXPECT_NE(applied.out.find(kind), std::string::npos) << kind << " in\n" << applied.out;
    }
  }
}

TEST_F(ChartTest, InstallCreatesEverythingWithTheChosenPolicies) {
  std::string release = uniqueName("t");
  auto r = install(release);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("attache.dev/inject"), std::string::npos) << "NOTES.txt:\n" << r.out;

  std::string full = release + "-attache";
  for (const auto& [dep, replicas] :
       std::vector<std::pair<std::string, int>>{{full + "-operator", 2}, {full + "-webhook", 2}}) {
    auto got = kubectl({"get", "deployment", dep, "-n", ns_, "-o", "json"});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    json d = json::parse(got.out);
    EXPECT_EQ(d["spec"]["replicas"], replicas);
    json pod = d["spec"]["template"]["spec"];
    EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].get<bool>());
    json c = pod["containers"][0];
    EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].get<bool>());
    EXPECT_EQ(c["securityContext"]["capabilities"]["drop"][0], "ALL");
    EXPECT_TRUE(c.contains("readinessProbe") && c.contains("livenessProbe"));
    EXPECT_TRUE(pod["affinity"].contains("podAntiAffinity"));
  }
  auto pdb = kubectl({"get", "pdb", full + "-webhook", "-n", ns_, "-o", "json"});
  ASSERT_EQ(pdb.exit_code, 0) << pdb.err;
  EXPECT_EQ(json::parse(pdb.out)["spec"]["minAvailable"], 1);

  auto mwc = kubectl({"get", "mutatingwebhookconfiguration", full + "-webhook", "-o", "json"});
  ASSERT_EQ(mwc.exit_code, 0) << mwc.err;
  json w = json::parse(mwc.out)["webhooks"][0];
  EXPECT_EQ(w["sideEffects"], "None");
  EXPECT_EQ(w["failurePolicy"], "Fail");
  EXPECT_EQ(w["reinvocationPolicy"], "IfNeeded");
  EXPECT_EQ(w["timeoutSeconds"], 5);
  EXPECT_EQ(w["clientConfig"]["service"]["name"], full + "-webhook");
  EXPECT_EQ(w["clientConfig"]["service"]["namespace"], ns_);
  std::string selector = w["namespaceSelector"].dump();
  for (const char* ns : {"kube-system", "kube-public", "kube-node-lease"}) {
    EXPECT_NE(selector.find(ns), std::string::npos) << selector;
  }
  EXPECT_NE(selector.find("\"" + ns_ + "\""), std::string::npos) << "own namespace: " << selector;
  EXPECT_NE(selector.find("attache.dev/injection"), std::string::npos) << selector;
  EXPECT_NE(w["objectSelector"].dump().find("attache.dev/inject"), std::string::npos);

  // The CRDs came with the chart (already present from the test fixture: helm keeps them).
  EXPECT_EQ(kubectl({"get", "crd", "shardedservices.attache.dev"}).exit_code, 0);
}

TEST_F(ChartTest, RbacIsLeastPrivilege) {
  std::string release = uniqueName("t");
  ASSERT_EQ(install(release).exit_code, 0);
  std::string op = release + "-attache-operator";
  std::string wh = release + "-attache-webhook";
  std::string other = "default";

  // The operator: reads what it renders from, writes status, ConfigMaps, Events, its Lease.
  EXPECT_TRUE(canI(op, {"watch", "shardedservices.attache.dev"}, other));
  EXPECT_TRUE(canI(op, {"patch", "shardedservices.attache.dev", "--subresource=status"}, other));
  EXPECT_TRUE(canI(op, {"patch", "servicebindings.attache.dev", "--subresource=status"}, other));
  EXPECT_TRUE(canI(op, {"list", "pods"}, other));
  EXPECT_TRUE(canI(op, {"watch", "statefulsets.apps"}, other));
  EXPECT_TRUE(canI(op, {"create", "configmaps"}, other));
  EXPECT_TRUE(canI(op, {"delete", "configmaps"}, other));
  EXPECT_TRUE(canI(op, {"create", "events"}, other));
  EXPECT_TRUE(canI(op, {"update", "leases.coordination.k8s.io/" + op}, ns_));
  EXPECT_FALSE(canI(op, {"update", "leases.coordination.k8s.io/" + op}, other));
  EXPECT_FALSE(canI(op, {"update", "leases.coordination.k8s.io/someone-else"}, ns_));
  EXPECT_FALSE(canI(op, {"update", "shardedservices.attache.dev"}, other)) << "spec is the user's";
  EXPECT_FALSE(canI(op, {"create", "secrets"}, other));
  EXPECT_FALSE(canI(op, {"delete", "pods"}, other));
  EXPECT_FALSE(canI(op, {"create", "mutatingwebhookconfigurations"}));
  EXPECT_FALSE(canI(op, {"*", "*"}, other));

  // The webhook: reads the references, keeps its own configuration's caBundle and its Secret.
  EXPECT_TRUE(canI(wh, {"watch", "servicebindings.attache.dev"}, other));
  EXPECT_TRUE(canI(wh, {"update", "mutatingwebhookconfigurations/" + wh}));
  EXPECT_FALSE(canI(wh, {"update", "mutatingwebhookconfigurations/another"}));
  EXPECT_FALSE(canI(wh, {"delete", "mutatingwebhookconfigurations/" + wh}));
  EXPECT_TRUE(canI(wh, {"get", "secrets/" + wh + "-tls"}, ns_));
  EXPECT_TRUE(canI(wh, {"update", "secrets/" + wh + "-tls"}, ns_));
  EXPECT_FALSE(canI(wh, {"get", "secrets/another"}, ns_));
  EXPECT_FALSE(canI(wh, {"list", "secrets"}, ns_));
  EXPECT_FALSE(canI(wh, {"get", "secrets/" + wh + "-tls"}, other));
  EXPECT_FALSE(canI(wh, {"list", "pods"}, other));
  EXPECT_FALSE(canI(wh, {"create", "configmaps"}, other));
}

// The real operator and webhook, authenticated as the chart's ServiceAccounts.
TEST_F(ChartTest, OperatorAndWebhookWorkWithTheChartsRbac) {
  std::string release = uniqueName("t");
  ASSERT_EQ(install(release).exit_code, 0);
  std::string op = release + "-attache-operator";
  std::string wh = release + "-attache-webhook";
  std::string app_ns = ::attache::testing::createTestNamespace("chartapp");

  // The operator, with the chart's arguments for leader election.
  int admin = ::attache::testing::freePort();
  auto op_proc = ChildProcess::start(
      {std::string(ATTACHE_BIN_DIR) + "/attache-operator", "--kubeconfig",
       serviceAccountKubeconfig(op), "--admin", "127.0.0.1:" + std::to_string(admin),
       "--lease-namespace", ns_, "--lease-name", op, "--log-level", "debug"},
      dir_.file("operator.log"));
  auto created = kubectl({"apply", "-n", app_ns, "-f", "-"}, R"(
apiVersion: attache.dev/v1alpha1
kind: ShardedService
metadata: {name: cache}
spec:
  protocol: redis
  shards:
    endpoints:
      - {name: a, host: 127.0.0.1, port: 7001}
      - {name: b, host: 127.0.0.1, port: 7002}
)");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(eventually([&] {
    auto cm = kubectl({"get", "configmap", "cache-attache", "-n", app_ns, "-o", "json"});
    return cm.exit_code == 0 && cm.out.find("127.0.0.1:7002") != std::string::npos;
  })) << readFile(dir_.file("operator.log"));
  EXPECT_TRUE(eventually([&] {
    auto s = kubectl(
        {"get", "shardedservice", "cache", "-n", app_ns, "-o", "jsonpath={.status.configMap}"});
    return trim(s.out) == "cache-attache";
  })) << readFile(dir_.file("operator.log"));
  auto lease = kubectl({"get", "lease", op, "-n", ns_, "-o", "jsonpath={.spec.holderIdentity}"});
  EXPECT_FALSE(trim(lease.out).empty()) << lease.err;
  op_proc.stop();

  // The webhook in cluster mode: its own CA and certificate in its Secret, the caBundle of the
  // chart's MutatingWebhookConfiguration patched.
  int port = ::attache::testing::freePort();
  auto wh_proc = ChildProcess::start(
      {std::string(ATTACHE_BIN_DIR) + "/attache-webhook", "--kubeconfig",
       serviceAccountKubeconfig(wh), "--namespace", ns_, "--listen",
       "127.0.0.1:" + std::to_string(port), "--service-name", wh, "--webhook-config-name", wh,
       "--tls-secret", wh + "-tls", "--resync-period", "1", "--log-level", "debug"},
      dir_.file("webhook.log"));
  auto caBundle = [&] {
    return trim(kubectl({"get", "mutatingwebhookconfiguration", wh, "-o",
                         "jsonpath={.webhooks[0].clientConfig.caBundle}"})
                    .out);
  };
  EXPECT_TRUE(eventually([&] { return !caBundle().empty(); }))
      << readFile(dir_.file("webhook.log"));
  EXPECT_EQ(kubectl({"get", "secret", wh + "-tls", "-n", ns_}).exit_code, 0);
  std::string bundle = caBundle();
  wh_proc.stop();

  // An upgrade keeps the published caBundle (the chart looks it up) instead of blanking it.
  auto up = helm(
      {"upgrade", release, chartDir(), "-n", ns_, "--reuse-values", "--set", "logLevel=debug"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(caBundle(), bundle);
  ::attache::testing::deleteNamespace(app_ns);
}

TEST_F(ChartTest, UninstallRemovesEverythingButTheCrds) {
  std::string release = uniqueName("t");
  ASSERT_EQ(install(release).exit_code, 0);
  releases_.clear();
  auto r = helm({"uninstall", release, "-n", ns_, "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string full = release + "-attache";
  EXPECT_NE(kubectl({"get", "mutatingwebhookconfiguration", full + "-webhook"}).exit_code, 0);
  EXPECT_NE(kubectl({"get", "clusterrole", full + "-operator"}).exit_code, 0);
  EXPECT_NE(kubectl({"get", "deployment", full + "-webhook", "-n", ns_}).exit_code, 0);
  EXPECT_EQ(kubectl({"get", "crd", "servicebindings.attache.dev"}).exit_code, 0)
      << "CRDs stay: deleting them would delete every user's resources";
}

}  // namespace
