// "host:port" as the command-line flags and listener files write addresses: an IPv6 host in
// brackets ("[::1]:6379"), the port in decimal with nothing after it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace attache {

struct HostPort {
  std::string host;  // without the brackets of an IPv6 literal; may be empty (":8443")
  uint16_t port = 0;
};

// Splits `address`. The error message is the reason alone ("must be host:port", "has an
// invalid port"), for the caller to prefix with the flag or field it came from. Port 0 is
// accepted only with `allow_port_zero` (listen on a free port).
Result<HostPort> parseHostPort(std::string_view address, bool allow_port_zero);

}  // namespace attache
