// The ring identity twemproxy gives a server whose config line has no name (nc_conf.c
// conf_add_server): "host:port"; just "host" when the port is 11211 (libmemcached
// compatibility). The weight is never part of it. A Unix socket line "/path:weight" has no port
// and twemproxy keeps the ':' that precedes the weight: the identity is "/path:" (pass the path as
// `host`; `port` is ignored). With an explicit name ("host:port:weight name") the identity is that
// name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace attache::ambassador::routing {

std::string twemproxyServerName(std::string_view host, uint16_t port);

}  // namespace attache::ambassador::routing
