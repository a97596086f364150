#include "ambassador-image/proxy/routing/hash_tag.h"

namespace attache::ambassador::routing {

std::string_view applyHashTag(std::string_view key, std::string_view tag) {
  if (tag.size() < 2) return key;
  size_t open = key.find(tag[0]);
  if (open == std::string_view::npos) return key;
  size_t close = key.find(tag[1], open + 1);
  if (close == std::string_view::npos || close - open <= 1) return key;
  return key.substr(open + 1, close - open - 1);
}

}  // namespace attache::ambassador::routing
