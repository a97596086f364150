// Ring identities of unnamed servers (nc_conf.c conf_add_server); the Unix socket form was
// confirmed against nutcracker's ketama placement.
#include "ambassador-image/proxy/routing/server_name.h"

#include <gtest/gtest.h>

namespace attache::ambassador::routing {
namespace {

TEST(TwemproxyServerName, IsHostColonPortWithoutTheWeight) {
  EXPECT_EQ(twemproxyServerName("127.0.0.1", 6379), "127.0.0.1:6379");
  EXPECT_EQ(twemproxyServerName("redis-0.redis.shop.svc", 6380), "redis-0.redis.shop.svc:6380");
}

TEST(TwemproxyServerName, DropsTheMemcachedDefaultPortForLibmemcachedCompatibility) {
  EXPECT_EQ(twemproxyServerName("10.0.0.7", 11211), "10.0.0.7");
}

TEST(TwemproxyServerName, KeepsTheColonAfterAUnixSocketPath) {
  EXPECT_EQ(twemproxyServerName("/var/run/redis.sock", 0), "/var/run/redis.sock:");
}

}  // namespace
}  // namespace attache::ambassador::routing
