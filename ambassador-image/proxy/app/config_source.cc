#include "ambassador-image/proxy/app/config_source.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "ambassador-image/proxy/config/listener_file.h"
#include "ambassador-image/proxy/config/twemproxy_yaml.h"

namespace attache::ambassador::app {
namespace {

constexpr size_t kMaxConfigBytes = 4 << 20;

Result<std::string> readSmallFile(const std::filesystem::path& p) {
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  if (ec) return notFound("cannot read: " + ec.message());
  if (size > kMaxConfigBytes) return invalidArgument("file is larger than 4 MiB");
  std::ifstream f(p, std::ios::binary);
  if (!f) return notFound("cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

ConfigSource ConfigSource::yamlFile(std::string path) {
  return ConfigSource(std::move(path), false);
}

ConfigSource ConfigSource::directory(std::string path) {
  return ConfigSource(std::move(path), true);
}

LoadReport ConfigSource::load() { return directory_ ? loadDirectory() : loadYaml(); }

LoadReport ConfigSource::loadYaml() {
  LoadReport report;
  auto text = readSmallFile(path_);
  auto pools = text.ok() ? config::parseTwemproxyYaml(*text)
                         : Result<std::vector<config::PoolConfig>>(text.error());
  if (pools.ok()) {
    last_good_yaml_ = *pools;
  } else {
    report.errors.push_back(path_ + ": " + pools.error().message);
  }
  report.pools = last_good_yaml_;
  return report;
}

// Every regular file (or symlink to one) whose name does not start with '.': kubelet's
// ConfigMap volumes hold `name.json -> ..data/name.json` links plus hidden bookkeeping entries.
LoadReport ConfigSource::loadDirectory() {
  LoadReport report;
  std::error_code ec;
  std::set<std::string> seen;
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
    const std::string file = entry.path().filename().string();
    if (file.empty() || file[0] == '.' || !std::filesystem::is_regular_file(entry.path(), ec)) {
      continue;
    }
    seen.insert(file);
    auto text = readSmallFile(entry.path());
    auto pool =
        text.ok() ? config::parseListenerFile(*text) : Result<config::PoolConfig>(text.error());
    if (pool.ok() && names.count(pool->name) > 0) {
      pool = invalidArgument("listener name '" + pool->name + "' is used by another file");
    }
    if (pool.ok()) {
      last_good_[file] = *pool;
    } else {
      report.errors.push_back(file + ": " + pool.error().message);
    }
    if (auto it = last_good_.find(file); it != last_good_.end()) {
      names.insert(it->second.name);
      report.pools.push_back(it->second);
    }
  }
  if (ec) report.errors.push_back(path_ + ": " + ec.message());
  std::erase_if(last_good_, [&](const auto& kv) { return seen.count(kv.first) == 0; });
  return report;
}

}  // namespace attache::ambassador::app
