#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace attache {

Status setupLogging(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    return invalidArgument("unknown log level '" + std::string(level) +
                           "' (trace, debug, info, warn, error, critical, off)");
  }
  spdlog::set_level(parsed);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %n: %v", spdlog::pattern_time_type::utc);
  return {};
}

std::shared_ptr<spdlog::logger> componentLogger(const std::string& name) {
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_level(spdlog::get_level());
  return logger;
}

}  // namespace attache
