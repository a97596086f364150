// Shared fixture: N real shards (redis-server or memcached) behind the ambassador, configured
// with a twemproxy YAML written to a temp dir.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/servers.h"
#include "tests/support/subprocess.h"

namespace attache::testing {

struct PoolOptions {
  bool redis = true;
  int shards = 3;
  std::string extra;  // more YAML directives, each line "  key: value\n"
  std::vector<std::string> redis_args;
};

class ProxyFixture : public ::testing::Test {
 protected:
  void startPool(const PoolOptions& options);
  void TearDown() override;
  std::string yamlFor(const PoolOptions& options, int listen_port) const;

  TempDir dir_;
  std::vector<std::unique_ptr<RedisServer>> redis_;
  std::vector<std::unique_ptr<MemcachedServer>> memcached_;
  ChildProcess proxy_;
  int port_ = 0;
  int admin_port_ = 0;
};

}  // namespace attache::testing
