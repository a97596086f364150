#include "common/kube/selector.h"

#include <algorithm>

namespace attache::kube {
namespace {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// Splits on commas outside parentheses.
std::vector<std::string> splitTopLevel(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!trim(current).empty() || !parts.empty()) parts.push_back(trim(current));
  return parts;
}

std::vector<std::string> splitValues(const std::string& inner) {
  std::vector<std::string> values;
  std::string current;
  for (char c : inner + ",") {
    if (c == ',') {
      values.push_back(trim(current));
      current.clear();
    } else {
      current += c;
    }
  }
  return values;
}

std::string jsonToString(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

}  // namespace

Result<LabelSelector::Requirement> LabelSelector::parseRequirement(const std::string& text) {
  Requirement r;
  if (text.empty()) return invalidArgument("empty requirement in label selector");
  if (text[0] == '!') {
    r.op = Op::kNotExists;
    r.key = trim(text.substr(1));
    return r;
  }
  for (const auto& [token, op] :
       {std::pair{std::string(" notin "), Op::kNotIn}, std::pair{std::string(" in "), Op::kIn}}) {
    auto pos = text.find(token);
    if (pos == std::string::npos) continue;
    std::string rest = trim(text.substr(pos + token.size()));
    if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
      return invalidArgument("label selector '" + text + "': expected a (list) of values");
    }
    r.key = trim(text.substr(0, pos));
    r.op = op;
    r.values = splitValues(rest.substr(1, rest.size() - 2));
    return r;
  }
  auto ne = text.find("!=");
  auto eq = text.find('=');
  if (ne != std::string::npos) {
    r = {trim(text.substr(0, ne)), Op::kNotEquals, {trim(text.substr(ne + 2))}};
  } else if (eq != std::string::npos) {
    size_t skip = text.compare(eq, 2, "==") == 0 ? 2 : 1;
    r = {trim(text.substr(0, eq)), Op::kEquals, {trim(text.substr(eq + skip))}};
  } else {
    r = {trim(text), Op::kExists, {}};
  }
  if (r.key.empty() || r.key.find_first_of(" ()") != std::string::npos) {
    return invalidArgument("label selector '" + text + "': invalid key");
  }
  return r;
}

Result<LabelSelector> LabelSelector::parse(const std::string& text) {
  LabelSelector selector;
  if (trim(text).empty()) return selector;
  for (const auto& part : splitTopLevel(text)) {
    auto requirement = parseRequirement(part);
    if (!requirement.ok()) return requirement.error();
    selector.requirements_.push_back(std::move(*requirement));
  }
  return selector;
}

bool LabelSelector::matches(const nlohmann::json& object) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* labels = &kEmpty;
  if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object()) {
    if (auto l = meta->find("labels"); l != meta->end() && l->is_object()) labels = &*l;
  }
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const Requirement& r) {
    auto it = labels->find(r.key);
    bool has = it != labels->end();
    std::string value = has ? jsonToString(*it) : "";
    bool listed = std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    switch (r.op) {
      case Op::kEquals:
        return has && value == r.values[0];
      case Op::kNotEquals:
        return !has || value != r.values[0];
      case Op::kIn:
        return has && listed;
      case Op::kNotIn:
        return !has || !listed;
      case Op::kExists:
        return has;
      case Op::kNotExists:
        return !has;
    }
    return false;
  });
}

Result<FieldSelector> FieldSelector::parse(const std::string& text) {
  FieldSelector selector;
  if (trim(text).empty()) return selector;
  for (const auto& part : splitTopLevel(text)) {
    Requirement r;
    auto ne = part.find("!=");
    auto eq = part.find('=');
    if (eq == std::string::npos) {
      return invalidArgument("field selector '" + part + "': expected field=value");
    }
    size_t op_at = ne != std::string::npos ? ne : eq;
    r.equals = ne == std::string::npos;
    size_t skip = r.equals ? (part.compare(eq, 2, "==") == 0 ? 2 : 1) : 2;
    r.value = trim(part.substr(op_at + skip));
    std::string path = trim(part.substr(0, op_at));
    if (path.empty()) return invalidArgument("field selector '" + part + "': empty field");
    size_t start = 0;
    while (true) {
      auto dot = path.find('.', start);
      r.path.push_back(path.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    selector.requirements_.push_back(std::move(r));
  }
  return selector;
}

bool FieldSelector::matches(const nlohmann::json& object) const {
  return std::all_of(requirements_.begin(), requirements_.end(), [&](const Requirement& r) {
    const nlohmann::json* node = &object;
    for (const auto& key : r.path) {
      if (!node->is_object()) {
        node = nullptr;
        break;
      }
      auto it = node->find(key);
      if (it == node->end()) {
        node = nullptr;
        break;
      }
      node = &*it;
    }
    std::string value = node ? jsonToString(*node) : "";
    return (value == r.value) == r.equals;
  });
}

}  // namespace attache::kube
