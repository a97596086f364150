#include "ambassador-image/proxy/routing/server_name.h"

namespace attache::ambassador::routing {

namespace {
constexpr uint16_t kKetamaDefaultPort = 11211;  // CONF_DEFAULT_KETAMA_PORT
}  // namespace

std::string twemproxyServerName(std::string_view host, uint16_t port) {
  std::string name(host);
  if (!host.empty() && host.front() == '/') return name + ":";
  if (port != kKetamaDefaultPort) name += ":" + std::to_string(port);
  return name;
}

}  // namespace attache::ambassador::routing
