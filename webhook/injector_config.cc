#include "webhook/injector_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "attache_version.h"

namespace attache::webhook {
namespace {

// Suffix multipliers of the Kubernetes quantity grammar.
double suffixMultiplier(std::string_view suffix, bool* ok) {
  static constexpr std::array<std::pair<std::string_view, double>, 13> kSuffixes{{
      {"", 1.0},
      {"n", 1e-9},
      {"u", 1e-6},
      {"m", 1e-3},
      {"k", 1e3},
      {"M", 1e6},
      {"G", 1e9},
      {"T", 1e12},
      {"P", 1e15},
      {"E", 1e18},
      {"Ki", 1024.0},
      {"Mi", 1024.0 * 1024},
      {"Gi", 1024.0 * 1024 * 1024},
  }};
  for (const auto& [name, mult] : kSuffixes) {
    if (suffix == name) return mult;
  }
  if (suffix == "Ti") return std::pow(1024.0, 4);
  if (suffix == "Pi") return std::pow(1024.0, 5);
  if (suffix == "Ei") return std::pow(1024.0, 6);
  *ok = false;
  return 0;
}

}  // namespace

InjectorConfig InjectorConfig::defaults() {
  InjectorConfig cfg;
  cfg.proxy_image = std::string("attache/attache-ambassador:") + ATTACHE_VERSION;
  cfg.injector_version = ATTACHE_VERSION;
  return cfg;
}

bool isValidLogLevel(const std::string& level) {
  static constexpr std::array<std::string_view, 7> kLevels{"trace", "debug",    "info", "warn",
                                                           "error", "critical", "off"};
  return std::find(kLevels.begin(), kLevels.end(), level) != kLevels.end();
}

Result<double> parseQuantity(const std::string& text) {
  auto bad = [&] { return invalidArgument("'" + text + "' is not a resource quantity"); };
  size_t i = 0;
  if (i < text.size() && text[i] == '+') ++i;
  size_t digits_start = i;
  bool seen_digit = false, seen_dot = false;
  for (; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      seen_digit = true;
    } else if (text[i] == '.' && !seen_dot) {
      seen_dot = true;
    } else {
      break;
    }
  }
  if (!seen_digit || text.size() > 64) return bad();
  double number = std::strtod(text.substr(digits_start, i - digits_start).c_str(), nullptr);
  std::string_view rest(text.c_str() + i, text.size() - i);
  if (!rest.empty() && (rest[0] == 'e' || rest[0] == 'E') && rest.size() > 1) {
    // Decimal exponent: e3, E-2 (not the suffix "E" alone, which means exa).
    std::string exp(rest.substr(1));
    size_t j = (exp[0] == '+' || exp[0] == '-') ? 1 : 0;
    if (j == exp.size() || exp.size() > 4) return bad();
    for (size_t k = j; k < exp.size(); ++k) {
      if (!std::isdigit(static_cast<unsigned char>(exp[k]))) return bad();
    }
    return number * std::pow(10.0, std::stoi(exp));  // validated: a sign and 1-3 digits
  }
  bool ok = true;
  double mult = suffixMultiplier(rest, &ok);
  if (!ok) return bad();
  return number * mult;
}

Status validateConfig(const InjectorConfig& cfg) {
  if (cfg.proxy_image.empty()) return invalidArgument("--proxy-image: must not be empty");
  if (cfg.image_pull_policy != "Always" && cfg.image_pull_policy != "IfNotPresent" &&
      cfg.image_pull_policy != "Never") {
    return invalidArgument("--proxy-image-pull-policy: must be Always, IfNotPresent or Never");
  }
  if (cfg.admin_port < 1 || cfg.admin_port > 65535) {
    return invalidArgument("--proxy-admin-port: must be 1..65535");
  }
  if (cfg.status_port < 1 || cfg.status_port > 65535) {
    return invalidArgument("--proxy-status-port: must be 1..65535");
  }
  if (cfg.status_port == cfg.admin_port) {
    return invalidArgument("--proxy-status-port: must differ from --proxy-admin-port");
  }
  if (!isValidLogLevel(cfg.log_level)) {
    return invalidArgument("--proxy-log-level: '" + cfg.log_level + "' is not a log level");
  }
  const std::array<std::pair<const char*, const std::string*>, 4> quantities{{
      {"--proxy-cpu-request", &cfg.resources.cpu_request},
      {"--proxy-cpu-limit", &cfg.resources.cpu_limit},
      {"--proxy-memory-request", &cfg.resources.memory_request},
      {"--proxy-memory-limit", &cfg.resources.memory_limit},
  }};
  for (const auto& [flag, value] : quantities) {
    if (value->empty()) continue;
    if (auto q = parseQuantity(*value); !q) {
      return invalidArgument(std::string(flag) + ": " + q.error().message);
    }
  }
  if (cfg.run_as_user <= 0) return invalidArgument("--proxy-uid: must be a non-root uid (> 0)");
  if (cfg.service_binding_root.empty() || cfg.service_binding_root[0] != '/') {
    return invalidArgument("--service-binding-root: must be an absolute path");
  }
  return {};
}

}  // namespace attache::webhook
