// Golden files: every directory under golden/ is a case. input.yaml (a Pod or a workload) is
// injected with the same code as `attache-webhook inject`, references resolved from the optional
// resources.yaml, with the optional config.json ({"sidecarMode": "container"}). Expected:
// injected.json and patch.json (json::diff of input and output), or error.txt when injection is
// denied; warnings.txt when there are warnings. Any other file, a missing one or a stale one
// fails. ATTACHE_UPDATE_GOLDEN=1 rewrites the expectations. Every case is injected again to
// prove that a second pass changes nothing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "webhook/manifest.h"

namespace attache::webhook {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::set<std::string> kKnownFiles{"input.yaml",    "resources.yaml", "config.json",
                                        "injected.json", "patch.json",     "error.txt",
                                        "warnings.txt"};

bool updating() {
  const char* v = std::getenv("ATTACHE_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> discoverCases() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(ATTACHE_GOLDEN_DIR)) {
    if (entry.is_directory()) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

InjectorConfig goldenConfig(const fs::path& dir) {
  InjectorConfig cfg = InjectorConfig::defaults();
  cfg.proxy_image = "attache-ambassador:golden";
  cfg.injector_version = "golden";
  if (fs::exists(dir / "config.json")) {
    json c = json::parse(slurp(dir / "config.json"));
    if (c.value("sidecarMode", "native") == "container") cfg.sidecar_mode = SidecarMode::kContainer;
  }
  return cfg;
}

// What a case produces: file name -> content.
std::map<std::string, std::string> runCase(const fs::path& dir, std::vector<json>* objects) {
  std::map<std::string, std::string> out;
  StaticLookup lookup;
  if (fs::exists(dir / "resources.yaml")) {
    auto resources = parseManifest(slurp(dir / "resources.yaml"));
    EXPECT_TRUE(resources.ok()) << resources.error().toString();
    for (const auto& r : resources->objects) EXPECT_TRUE(lookup.add(r, "default").ok());
  }
  auto input = parseManifest(slurp(dir / "input.yaml"));
  EXPECT_TRUE(input.ok()) << input.error().toString();
  if (!input.ok() || input->objects.size() != 1) {
    ADD_FAILURE() << "input.yaml must hold one object";
    return out;
  }
  auto injected = injectManifest(input->objects, goldenConfig(dir), lookup, "default");
  if (!injected) {
    out["error.txt"] = injected.error().toString() + "\n";
    return out;
  }
  out["injected.json"] = injected->objects[0].dump(2) + "\n";
  out["patch.json"] = json::diff(input->objects[0], injected->objects[0]).dump(2) + "\n";
  std::string warnings;
  for (const auto& w : injected->warnings) warnings += w + "\n";
  if (!warnings.empty()) out["warnings.txt"] = warnings;
  *objects = injected->objects;
  return out;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesTheGoldenFilesAndIsIdempotent) {
  const fs::path dir = fs::path(ATTACHE_GOLDEN_DIR) / GetParam();
  ASSERT_TRUE(fs::exists(dir / "input.yaml")) << dir << " has no input.yaml";
  std::vector<json> injected;
  auto produced = runCase(dir, &injected);
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    EXPECT_TRUE(kKnownFiles.count(name) > 0) << "unknown file " << entry.path();
    bool expected_output =
        name != "input.yaml" && name != "resources.yaml" && name != "config.json";
    if (expected_output && produced.count(name) == 0) {
      if (updating()) {
        fs::remove(entry.path());
      } else {
        ADD_FAILURE() << "stale golden file " << entry.path() << " (not produced any more)";
      }
    }
  }
  for (const auto& [name, content] : produced) {
    if (updating()) {
      std::ofstream(dir / name) << content;
      continue;
    }
    ASSERT_TRUE(fs::exists(dir / name))
        << "missing " << (dir / name) << "; run with ATTACHE_UPDATE_GOLDEN=1";
    EXPECT_EQ(slurp(dir / name), content)
        << (dir / name) << " is stale; run with ATTACHE_UPDATE_GOLDEN=1 and review the diff";
  }
  if (injected.empty()) return;
  auto again =
      injectManifest(injected, goldenConfig(dir), *std::make_unique<StaticLookup>(), "default");
  ASSERT_TRUE(again.ok()) << again.error().toString();
  EXPECT_EQ(again->objects, injected) << "a second injection changed the object";
}

TEST_P(GoldenTest, ThePatchTurnsTheInputIntoTheInjectedObject) {
  const fs::path dir = fs::path(ATTACHE_GOLDEN_DIR) / GetParam();
  if (!fs::exists(dir / "patch.json")) {
    EXPECT_TRUE(fs::exists(dir / "error.txt")) << dir << ": neither a patch nor an error";
    return;  // a denied case: nothing to patch
  }
  auto input = parseManifest(slurp(dir / "input.yaml"));
  ASSERT_TRUE(input.ok());
  json patched = input->objects[0].patch(json::parse(slurp(dir / "patch.json")));
  EXPECT_EQ(patched, json::parse(slurp(dir / "injected.json")));
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest, ::testing::ValuesIn(discoverCases()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace attache::webhook
