// Test certificates made with the openssl CLI (EC P-256, valid two days): a CA, a server
// certificate for localhost / 127.0.0.1 and a client certificate, both signed by the CA.
#pragma once

#include <string>

namespace attache::testing {

struct TestPki {
  std::string ca_crt, ca_key;
  std::string server_crt, server_key;
  std::string client_crt, client_key;
};

// Writes a fresh PKI into `dir` (created); throws std::runtime_error naming the failed step.
TestPki makePki(const std::string& dir, const std::string& ca_name);

}  // namespace attache::testing
