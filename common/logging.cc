#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

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

// Serialized: two threads asking for a new component's logger at once must not both register
// it (spdlog throws on the second registration).
std::shared_ptr<spdlog::logger> componentLogger(const std::string& name) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_level(spdlog::get_level());
  return logger;
}

}  // namespace attache
