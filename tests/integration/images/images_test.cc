// The container images: scripts/build-images.sh builds them from this build's binaries with the
// local Docker engine (FROM scratch, no registry), and the containers run. The ambassador serves
// a real redis-server as the nonroot user, on a read-only root filesystem, with no capabilities;
// the operator and webhook start. Skips only when no Docker daemon is reachable.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/servers.h"
#include "tests/support/subprocess.h"

namespace attache::testing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const std::string kScript = std::string(ATTACHE_SOURCE_DIR) + "/scripts/build-images.sh";
constexpr const char* kAsanInContainer = "ASAN_OPTIONS=detect_leaks=0";  // LSan needs ptrace
constexpr const char* kUbsanInContainer = "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string describe(const CommandResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

CommandResult docker(std::vector<std::string> args, const std::string& input = "",
                     std::chrono::milliseconds timeout = minutes(2)) {
  args.insert(args.begin(), "docker");
  return runCommand(args, input, timeout);
}

std::string dockerUnreachableReason() {
  auto r = runCommand({"sh", "-c", "command -v docker"});
  if (r.exit_code != 0) return "docker is not installed";
  r = docker({"info", "--format", "{{.ServerVersion}}"}, "", seconds(30));
  if (r.exit_code != 0) return "no Docker daemon reachable: " + trim(r.err);
  return "";
}

// A tag of this test process only, so that concurrent runs never share an image.
std::string uniqueTag() {
  auto now = std::chrono::steady_clock::now().time_since_epoch();
  return "it-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

// Removes the containers and images a test created, whatever the test's outcome.
class DockerJanitor {
 public:
  DockerJanitor() = default;
  DockerJanitor(const DockerJanitor&) = delete;
  DockerJanitor& operator=(const DockerJanitor&) = delete;
  ~DockerJanitor() {
    for (const auto& c : containers_) docker({"rm", "-f", c});
    for (const auto& i : images_) docker({"rmi", "-f", i});
  }
  void container(const std::string& name) { containers_.push_back(name); }
  void image(const std::string& ref) { images_.push_back(ref); }

 private:
  std::vector<std::string> containers_;
  std::vector<std::string> images_;
};

std::string imageRef(const std::string& component, const std::string& tag) {
  return "attache/" + component + ":" + tag;
}

std::string inspect(const std::string& object, const std::string& format) {
  auto r = docker({"inspect", "-f", format, object});
  return r.exit_code == 0 ? trim(r.out) : "<docker inspect failed: " + trim(r.err) + ">";
}

// Every path in the image's filesystem (a created, never started, container exported).
std::vector<std::string> imageFiles(const std::string& image, const std::string& scratch_dir) {
  const std::string name = "attache-it-files-" + std::to_string(::getpid());
  const std::string tar = scratch_dir + "/image.tar";
  std::vector<std::string> files;
  if (docker({"create", "--name", name, image}).exit_code != 0) return files;
  auto exported = docker({"export", "-o", tar, name});
  docker({"rm", "-f", name});
  if (exported.exit_code != 0) return files;
  auto listed = runCommand({"tar", "-tf", tar});
  std::filesystem::remove(tar);
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) files.push_back(line);
  return files;
}

// Files Docker itself adds to every container (mount points and the .dockerenv marker).
bool addedByDocker(const std::string& path) {
  for (const char* p :
       {".dockerenv", "etc/hostname", "etc/hosts", "etc/resolv.conf", "etc/mtab", "dev/console"}) {
    if (path == p) return true;
  }
  return false;
}

bool isDirectory(const std::string& path) { return !path.empty() && path.back() == '/'; }

bool isSharedLibrary(const std::string& path) {
  return (path.rfind("lib/", 0) == 0 || path.rfind("lib64/", 0) == 0 ||
          path.rfind("usr/lib/", 0) == 0) &&
         path.find(".so") != std::string::npos;
}

// The image holds the binary, its shared libraries, passwd/group/nsswitch.conf and the CA
// bundle, and nothing else: in particular no shell. Runs as 65532:65532.
void expectDistrolessImage(const std::string& component, const std::string& image,
                           const std::string& scratch_dir) {
  SCOPED_TRACE(image);
  EXPECT_EQ(inspect(image, "{{.Config.User}}"), "65532:65532");
  EXPECT_EQ(inspect(image, "{{json .Config.Entrypoint}}"),
            "[\"/usr/local/bin/" + component + "\"]");
  EXPECT_EQ(inspect(image, "{{index .Config.Labels \"org.opencontainers.image.title\"}}"),
            component);
  const std::string size = inspect(image, "{{.Size}}");
  std::cout << "[ image    ] " << image << ": " << size << " bytes\n";
  ::testing::Test::RecordProperty(component + "_image_bytes", size);

  auto sh =
      docker({"run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", image, "-c", "true"});
  EXPECT_NE(sh.exit_code, 0) << "the image has a shell: " << describe(sh);

  const std::set<std::string> allowed = {"usr/local/bin/" + component, "etc/passwd", "etc/group",
                                         "etc/nsswitch.conf", "etc/ssl/certs/ca-certificates.crt"};
  auto files = imageFiles(image, scratch_dir);
  ASSERT_FALSE(files.empty()) << "could not list the files of " << image;
  bool has_binary = false;
  bool has_tmp = false;
  for (const auto& f : files) {
    has_binary = has_binary || f == "usr/local/bin/" + component;
    has_tmp = has_tmp || f == "tmp/";
    if (isDirectory(f) || addedByDocker(f)) continue;
    EXPECT_TRUE(allowed.count(f) > 0 || isSharedLibrary(f)) << "unexpected file in image: " << f;
  }
  EXPECT_TRUE(has_binary);
  EXPECT_TRUE(has_tmp);
}

CommandResult buildImages(const std::vector<std::string>& components, const std::string& tag) {
  std::vector<std::string> argv = {kScript, "--bin-dir", ATTACHE_BIN_DIR, "--tag", tag, "--quiet"};
  argv.insert(argv.end(), components.begin(), components.end());
  return runCommand(argv, "", minutes(5));
}

class ImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = dockerUnreachableReason(); !why.empty()) GTEST_SKIP() << why;
    ::chmod(dir_.path().c_str(), 0755);  // bind-mounted pieces are read by uid 65532
  }

  // Builds `components` with a tag of this test; the janitor removes them afterwards.
  void build(const std::vector<std::string>& components) {
    for (const auto& c : components) janitor_.image(imageRef(c, tag_));
    auto built = buildImages(components, tag_);
    ASSERT_EQ(built.exit_code, 0) << describe(built);
  }

  const std::string tag_ = uniqueTag();
  TempDir dir_;
  DockerJanitor janitor_;  // declared last: runs first, while dir_ still exists
};

TEST_F(ImageTest, AmbassadorImageProxiesRedisAsNonrootOnAReadOnlyRootWithoutCapabilities) {
  ASSERT_TRUE(haveBinary("redis-server")) << "redis-server is a test dependency (make deps)";
  ASSERT_NO_FATAL_FAILURE(build({"attache-ambassador"}));
  const std::string image = imageRef("attache-ambassador", tag_);
  ASSERT_NO_FATAL_FAILURE(expectDistrolessImage("attache-ambassador", image, dir_.path()));

  RedisServer redis;
  const int port = freePort();
  const int admin_port = freePort();
  const std::string config = dir_.file("config");
  std::filesystem::create_directories(config);
  ::chmod(config.c_str(), 0755);
  writeFile(config + "/cache.json",
            R"({"name": "cache", "kind": "sharded", "protocol": "redis", "listen": "127.0.0.1:)" +
                std::to_string(port) +
                R"(", "distribution": "ketama", "hash": "fnv1a_64", "servers": [)" +
                R"({"name": "sharded-redis-0", "address": "127.0.0.1:)" +
                std::to_string(redis.port) + R"(", "weight": 1}]})");
  ::chmod((config + "/cache.json").c_str(), 0644);

  // The command the webhook injects (`attache-ambassador`, found through the image's PATH) and
  // the security context it sets, with host networking so that every address is 127.0.0.1.
  const std::string name = "attache-it-ambassador-" + tag_;
  janitor_.container(name);
  auto run = docker({"run",
                     "-d",
                     "--name",
                     name,
                     "--network",
                     "host",
                     "--read-only",
                     "--cap-drop",
                     "ALL",
                     "--security-opt",
                     "no-new-privileges",
                     "-e",
                     kAsanInContainer,
                     "-e",
                     kUbsanInContainer,
                     "-v",
                     config + ":/etc/attache/config:ro",
                     "--entrypoint",
                     "attache-ambassador",
                     image,
                     "--config-dir",
                     "/etc/attache/config",
                     "--admin",
                     "127.0.0.1:" + std::to_string(admin_port),
                     "--log-level",
                     "info"});
  ASSERT_EQ(run.exit_code, 0) << describe(run);
  const bool listening = waitForPort(port, seconds(60)) && waitForPort(admin_port, seconds(10));
  ASSERT_TRUE(listening) << "the container did not listen:\n" << describe(docker({"logs", name}));

  {
    TestClient client(port);
    ASSERT_TRUE(client.connected());
    EXPECT_EQ(client.command({"SET", "image:key", "through-the-container"}), "+OK\r\n");
    EXPECT_EQ(client.command({"GET", "image:key"}), "$21\r\nthrough-the-container\r\n");
    TestClient direct(redis.port);  // the value really is on the shard
    EXPECT_EQ(direct.command({"GET", "image:key"}), "$21\r\nthrough-the-container\r\n");
  }
  EXPECT_EQ(httpGet(admin_port, "/healthz").first, 200);
  EXPECT_EQ(httpGet(admin_port, "/readyz").first, 200);

  // The process really runs as 65532 with no effective capabilities.
  const std::string pid = inspect(name, "{{.State.Pid}}");
  const std::string status = readFile("/proc/" + pid + "/status");
  EXPECT_NE(status.find("\nUid:\t65532\t65532\t65532\t65532\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nGid:\t65532\t65532\t65532\t65532\n"), std::string::npos) << status;
  EXPECT_NE(status.find("\nCapEff:\t0000000000000000\n"), std::string::npos) << status;

  // SIGTERM (docker stop) ends it cleanly as PID 1, without a sanitizer report.
  auto stop = docker({"stop", "-t", "20", name});
  EXPECT_EQ(stop.exit_code, 0) << describe(stop);
  EXPECT_EQ(inspect(name, "{{.State.ExitCode}}"), "0");
  auto logs = docker({"logs", name});
  writeFile(dir_.file("ambassador.log"), logs.out + logs.err);
  EXPECT_EQ(sanitizerReport(dir_.file("ambassador.log")), "");
}

TEST_F(ImageTest, OperatorAndWebhookImagesStartAsNonrootWithoutAShell) {
  ASSERT_NO_FATAL_FAILURE(build({"attache-operator", "attache-webhook"}));
  for (const std::string component : {"attache-operator", "attache-webhook"}) {
    SCOPED_TRACE(component);
    const std::string image = imageRef(component, tag_);
    ASSERT_NO_FATAL_FAILURE(expectDistrolessImage(component, image, dir_.path()));
    auto help = docker({"run", "--rm", "--network", "none", "--read-only", "--cap-drop", "ALL",
                        "-e", kAsanInContainer, "-e", kUbsanInContainer, image, "--help"});
    EXPECT_EQ(help.exit_code, 0) << describe(help);
    EXPECT_EQ(help.out.rfind("Usage: " + component + " [options]", 0), 0u) << describe(help);
    EXPECT_NE(help.out.find("--kubeconfig"), std::string::npos) << describe(help);
  }

  // The webhook's offline injection runs in its image (YAML, JSON, the injector) and points the
  // sidecar at the image it was told to use.
  const std::string ambassador = imageRef("attache-ambassador", tag_);
  const std::string pod =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: shop\n  annotations:\n"
      "    attache.dev/inject: \"true\"\n    attache.dev/sharded-services: cache\n"
      "spec:\n  containers:\n  - name: app\n    image: app:1\n";
  auto injected =
      docker({"run", "--rm", "-i", "--network", "none", "--read-only", "--cap-drop", "ALL", "-e",
              kAsanInContainer, "-e", kUbsanInContainer, imageRef("attache-webhook", tag_),
              "inject", "-f", "-", "--proxy-image", ambassador},
             pod);
  EXPECT_EQ(injected.exit_code, 0) << describe(injected);
  EXPECT_NE(injected.out.find("image: " + ambassador), std::string::npos) << describe(injected);
  EXPECT_NE(injected.out.find("ATTACHE_CACHE_ADDR"), std::string::npos) << describe(injected);
}

TEST(BuildImagesScript, MissingBinaryTellsTheUserToRunMakeBuild) {
  TempDir empty;
  auto r = runCommand({kScript, "--bin-dir", empty.path(), "--tag", "never", "attache-ambassador"});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.err.find("run 'make build' first"), std::string::npos) << describe(r);
  EXPECT_NE(r.err.find(empty.path() + "/attache-ambassador"), std::string::npos) << describe(r);
}

}  // namespace
}  // namespace attache::testing
