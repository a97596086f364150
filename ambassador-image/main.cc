// attache-ambassador: the sidecar proxy. Runs an unmodified twemproxy YAML (-c) or the listener
// files the operator renders (--config-dir).
#include <cstdio>

#include "ambassador-image/proxy/app/ambassador.h"
#include "common/cli.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  attache::CommandLine cli(
      "attache-ambassador",
      "Ambassador sidecar: a Redis/memcached sharding proxy (twemproxy-compatible) and a\n"
      "TCP/TLS service broker, serving the app on 127.0.0.1.");
  cli.add({"conf-file", 'c', "FILE", "twemproxy (nutcracker) YAML configuration", ""})
      .add({"test-conf", 't', "", "check the configuration and exit", ""})
      .add({"config-dir", 0, "DIR", "directory of listener files (reloaded on change)", ""})
      .add({"admin", 0, "ADDR", "admin endpoint: /healthz /readyz /metrics /config", ""})
      .add({"status", 0, "ADDR",
            "status endpoint without /config: /healthz /readyz /metrics (probes, scrapes)", ""})
      .add({"log-level", 0, "LEVEL", "trace, debug, info, warn, error", "info"})
      // Accepted for command-line compatibility with nutcracker; the admin endpoint replaces
      // its stats port.
      .add({"verbose", 'v', "N", "nutcracker log level (mapped onto --log-level)", ""})
      .add({"stats-port", 's', "PORT", "nutcracker stats port (ignored; see --admin)", ""})
      .add({"stats-addr", 'a', "ADDR", "nutcracker stats address (ignored)", ""})
      .add({"stats-interval", 'i', "MS", "nutcracker stats interval (ignored)", ""})
      .add({"output", 'o', "FILE", "nutcracker log file (ignored: logs go to stderr)", ""})
      .add({"pid-file", 'p', "FILE", "write the process id to FILE", ""})
      .add({"mbuf-size", 'm', "N", "nutcracker mbuf size (ignored)", ""});
  auto outcome = attache::runCommandLine(cli, argc, argv);
  if (!outcome.args) return outcome.exit_code;
  const auto& args = *outcome.args;
  if (auto st = attache::setupLogging(args.get("log-level")); !st) {
    std::fprintf(stderr, "attache-ambassador: --log-level: %s\n", st.error().message.c_str());
    return 2;
  }
  if (args.has("pid-file")) {
    if (FILE* f = std::fopen(args.get("pid-file").c_str(), "w")) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    }
  }
  attache::ambassador::app::Options options;
  options.conf_file = args.get("conf-file");
  options.config_dir = args.get("config-dir");
  options.admin = args.get("admin");
  options.status = args.get("status");
  options.test_only = args.has("test-conf");
  return attache::ambassador::app::runAmbassador(options);
}
