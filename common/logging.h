// Logging setup: one named spdlog logger per component, level from the command line.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "common/result.h"

namespace attache {

// Sets the default level for every logger ("trace".."critical", "off"); returns an error naming
// the bad level. Logs go to stderr, one line per event: message then key=value context.
Status setupLogging(std::string_view level);

// Returns the component's logger, creating it on first use ("ambassador", "operator", ...).
std::shared_ptr<spdlog::logger> componentLogger(const std::string& name);

}  // namespace attache
