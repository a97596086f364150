// Reads an unmodified twemproxy (nutcracker) YAML configuration: one pool per top-level key.
#pragma once

#include <string_view>
#include <vector>

#include "ambassador-image/proxy/config/pool_config.h"

namespace attache::ambassador::config {

// Parses and validates every pool; errors name the pool and the directive, like nutcracker -t.
Result<std::vector<PoolConfig>> parseTwemproxyYaml(std::string_view text);

// Parses a twemproxy server line "host:port:weight [name]" (also "/unix/path:weight [name]").
Result<ServerConfig> parseServerLine(std::string_view line);

}  // namespace attache::ambassador::config
