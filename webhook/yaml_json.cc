#include "webhook/yaml_json.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <regex>

#include <yaml-cpp/yaml.h>

namespace attache::webhook {
namespace {

using nlohmann::json;

constexpr int kMaxYamlDepth = 100;

// The JSON value of a plain (unquoted) scalar under the YAML 1.2 core schema.
json typedPlainScalar(const std::string& s) {
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (std::regex_match(s, kInt)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (std::regex_match(s, kFloat)) return std::strtod(s.c_str(), nullptr);
  return s;
}

// Strings a YAML 1.1 reader (kubectl's) or a 1.2 reader would not read back as strings.
// Anything that starts like a number is quoted too (YAML 1.1 reads 0x1F, 0755, 1:20 and 1_000
// as numbers).
bool needsQuotes(const std::string& s) {
  static const std::regex kYaml11Special(
      "y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
  auto digit = [&](size_t i) {
    return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0;
  };
  if (digit(0) || ((s[0] == '-' || s[0] == '+' || s[0] == '.') && digit(1))) return true;
  return !typedPlainScalar(s).is_string() || std::regex_match(s, kYaml11Special);
}

Result<json> toJson(const YAML::Node& node, int depth) {
  if (depth > kMaxYamlDepth) return invalidArgument("YAML nests too deeply");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      // "!" marks a quoted scalar, "?" a plain one; explicit tags keep the text.
      if (node.Tag() == "?") return typedPlainScalar(node.Scalar());
      return json(node.Scalar());
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) {
        auto v = toJson(item, depth + 1);
        if (!v) return v;
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return invalidArgument("YAML map keys must be scalars");
        auto v = toJson(kv.second, depth + 1);
        if (!v) return v;
        out[kv.first.Scalar()] = std::move(*v);
      }
      return out;
    }
  }
  return json(nullptr);
}

void emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [k, v] : value.items()) {
        out << YAML::Key;
        if (needsQuotes(k)) out << YAML::DoubleQuoted;
        out << k << YAML::Value;
        emit(out, v);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& v : value) emit(out, v);
      out << YAML::EndSeq;
      break;
    case json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      if (needsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case json::value_t::null:
      out << YAML::Null;
      break;
    default:
      out << value.dump();  // numbers and booleans in JSON form are valid plain YAML
      break;
  }
}

}  // namespace

Result<std::vector<json>> parseYamlDocuments(std::string_view text) {
  std::vector<json> out;
  try {
    for (const YAML::Node& doc : YAML::LoadAll(std::string(text))) {
      if (doc.IsNull()) continue;
      auto v = toJson(doc, 0);
      if (!v) return v.error();
      out.push_back(std::move(*v));
    }
  } catch (const YAML::Exception& e) {
    return invalidArgument("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return out;
}

std::string toYaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace attache::webhook
