#include "tests/integration/ambassador/fixture.h"

namespace attache::testing {

std::string ProxyFixture::yamlFor(const PoolOptions& options, int listen_port) const {
  std::string yaml = "pool:\n  listen: 127.0.0.1:" + std::to_string(listen_port) + "\n";
  yaml += options.redis ? "  redis: true\n" : "";
  yaml += options.extra;
  yaml += "  servers:\n";
  for (int i = 0; i < options.shards; ++i) {
    int p = options.redis ? redis_[static_cast<size_t>(i)]->port
                          : memcached_[static_cast<size_t>(i)]->port;
    yaml += "   - 127.0.0.1:" + std::to_string(p) + ":1 shard-" + std::to_string(i) + "\n";
  }
  return yaml;
}

void ProxyFixture::TearDown() {
  proxy_.stop();
  EXPECT_EQ(sanitizerReport(dir_.file("ambassador.log")), "");
}

void ProxyFixture::startPool(const PoolOptions& options) {
  if (!haveBinary(options.redis ? "redis-server" : "memcached")) GTEST_SKIP() << "no server binary";
  for (int i = 0; i < options.shards; ++i) {
    if (options.redis) {
      redis_.push_back(std::make_unique<RedisServer>(options.redis_args));
    } else {
      memcached_.push_back(std::make_unique<MemcachedServer>());
    }
  }
  port_ = freePort();
  admin_port_ = freePort();
  writeFile(dir_.file("nutcracker.yml"), yamlFor(options, port_));
  proxy_ = startAmbassador({"-c", dir_.file("nutcracker.yml"), "--admin",
                            "127.0.0.1:" + std::to_string(admin_port_), "--log-level", "warn"},
                           port_, dir_.file("ambassador.log"));
}

}  // namespace attache::testing
