// The ambassador process: configuration source, proxy, admin endpoint, reloads and signals.
#pragma once

#include <memory>
#include <string>

namespace attache::ambassador::app {

struct Options {
  std::string conf_file;   // -c: twemproxy YAML
  std::string config_dir;  // --config-dir: listener files
  std::string admin;       // --admin host:port (full admin endpoint, /config included)
  std::string status;      // --status host:port (/healthz /readyz /metrics only)
  bool test_only = false;  // -t
};

// Runs until SIGTERM/SIGINT; returns the process exit code.
int runAmbassador(const Options& options);

}  // namespace attache::ambassador::app
