// attache-ambassador: the sidecar proxy. Runs an unmodified twemproxy YAML (-c) or the listener
// files the operator renders (--config-dir).
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
      .add({"log-level", 0, "LEVEL", "trace, debug, info, warn, error", "info"});
  auto outcome = attache::runCommandLine(cli, argc, argv);
  if (!outcome.args) return outcome.exit_code;
  if (auto st = attache::setupLogging(outcome.args->get("log-level")); !st) {
    std::fprintf(stderr, "attache-ambassador: --log-level: %s\n", st.error().message.c_str());
    return 2;
  }
  attache::componentLogger("ambassador")->error("the proxy is not built yet");
  return 1;
}
