// Where the ambassador's pools come from: a twemproxy YAML file (-c) or a directory of listener
// files (--config-dir). A reload keeps the last good version of every file that is now invalid.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ambassador-image/proxy/config/pool_config.h"

namespace attache::ambassador::app {

struct LoadReport {
  std::vector<config::PoolConfig> pools;
  std::vector<std::string> errors;  // "file: message", one per rejected file
};

class ConfigSource {
 public:
  static ConfigSource yamlFile(std::string path);
  static ConfigSource directory(std::string path);

  // Reads the source again. A file that fails to parse contributes its last good version.
  LoadReport load();
  const std::string& path() const { return path_; }
  bool isDirectory() const { return directory_; }

 private:
  ConfigSource(std::string path, bool directory) : path_(std::move(path)), directory_(directory) {}
  LoadReport loadYaml();
  LoadReport loadDirectory();

  std::string path_;
  bool directory_;
  std::map<std::string, config::PoolConfig> last_good_;  // by file name
  std::vector<config::PoolConfig> last_good_yaml_;
};

}  // namespace attache::ambassador::app
