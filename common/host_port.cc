#include "common/host_port.h"

#include <charconv>

namespace attache {

Result<HostPort> parseHostPort(std::string_view address, bool allow_port_zero) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == address.size()) {
    return invalidArgument("must be host:port");
  }
  std::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalidArgument("must be host:port (an IPv6 host goes in brackets)");
  }
  const std::string_view digits = address.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port > 65535 ||
      (port == 0 && !allow_port_zero)) {
    return invalidArgument("has an invalid port");
  }
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace attache
