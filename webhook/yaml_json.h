// YAML <-> JSON for manifests (offline injection, golden files). Plain scalars are typed the
// YAML 1.2 core way (null, true/false, integers, floats); quoted scalars stay strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace attache::webhook {

// Every document of a YAML stream (empty documents are dropped). kInvalidArgument with the
// parser's line and column.
Result<std::vector<nlohmann::json>> parseYamlDocuments(std::string_view text);

// Block-style YAML; strings that would read back as another type are quoted.
std::string toYaml(const nlohmann::json& value);

}  // namespace attache::webhook
