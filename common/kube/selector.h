// Label and field selectors as the API server understands them, for the in-memory fake.
// Pure: parse once, match many.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace attache::kube {

// "a=b,c!=d,e in (x,y),f notin (z),g,!h" (= and == are the same).
class LabelSelector {
 public:
  static Result<LabelSelector> parse(const std::string& text);
  // The object's metadata.labels satisfy every requirement (an empty selector matches all).
  bool matches(const nlohmann::json& object) const;

 private:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;
  };
  static Result<Requirement> parseRequirement(const std::string& text);
  std::vector<Requirement> requirements_;
};

// "metadata.name=x,status.phase!=Running": dotted paths into the object compared as strings.
class FieldSelector {
 public:
  static Result<FieldSelector> parse(const std::string& text);
  bool matches(const nlohmann::json& object) const;

 private:
  struct Requirement {
    std::vector<std::string> path;
    bool equals = true;
    std::string value;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace attache::kube
