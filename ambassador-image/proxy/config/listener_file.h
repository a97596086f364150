// Reads the JSON listener files the operator renders (one per ShardedService / ServiceBinding;
// see DESIGN.md "Listener file") and renders a PoolConfig back to JSON for /config.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string_view>

#include "ambassador-image/proxy/config/pool_config.h"

namespace attache::ambassador::config {

// Parses and validates one listener file; errors name the field ("servers[1].address: ...").
Result<PoolConfig> parseListenerFile(std::string_view text);

// The effective configuration of a pool, as served on /config (secrets redacted).
nlohmann::json poolToJson(const PoolConfig& pool);

}  // namespace attache::ambassador::config
