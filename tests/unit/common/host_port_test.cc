#include "common/host_port.h"

#include <gtest/gtest.h>

namespace attache {
namespace {

TEST(HostPortTest, SplitsNamesIPv4AndBracketedIPv6) {
  auto a = parseHostPort("redis.cache.svc:6379", false);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->host, "redis.cache.svc");
  EXPECT_EQ(a->port, 6379);
  auto b = parseHostPort("[::1]:8443", false);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8443);
  auto any = parseHostPort(":65535", false);
  ASSERT_TRUE(any.ok()) << any.error().message;
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 65535);
}

TEST(HostPortTest, PortZeroOnlyWhenAsked) {
  EXPECT_FALSE(parseHostPort("127.0.0.1:0", false).ok());
  auto r = parseHostPort("127.0.0.1:0", true);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->port, 0);
}

TEST(HostPortTest, RefusesWhatIsNotHostColonDecimalPort) {
  for (const char* bad :
       {"", "6379", "redis:", "redis:abc", "redis:63 79", "redis:6379x", "redis:+6379", "redis:-1",
        "redis:65536", "redis:99999999999999999999", "::1:6379", "[::1]6379"}) {
    auto r = parseHostPort(bad, true);
    EXPECT_FALSE(r.ok()) << "'" << bad << "' was accepted";
    if (!r.ok()) {
      EXPECT_TRUE(r.error().message == "must be host:port" ||
                  r.error().message == "has an invalid port" ||
                  r.error().message.rfind("must be host:port (", 0) == 0)
          << bad << " -> " << r.error().message;
    }
  }
}

}  // namespace
}  // namespace attache
