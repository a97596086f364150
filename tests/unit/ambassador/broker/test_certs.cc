#include "tests/unit/ambassador/broker/test_certs.h"

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "tests/support/subprocess.h"

namespace attache::testing {
namespace {

void run(const std::vector<std::string>& argv) {
  auto r = runCommand(argv);
  if (r.exit_code != 0) {
    throw std::runtime_error("openssl failed: " + argv[1] + " " + argv[2] + ": " + r.err);
  }
}

void leaf(const std::string& dir, const std::string& name, const std::string& cn,
          const std::string& ext, const TestPki& pki) {
  const std::string key = dir + "/" + name + ".key", csr = dir + "/" + name + ".csr";
  run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", key, "-out", csr, "-subj", "/CN=" + cn});
  writeFile(dir + "/" + name + ".ext", ext);
  run({"openssl", "x509", "-req", "-in", csr, "-CA", pki.ca_crt, "-CAkey", pki.ca_key,
       "-CAcreateserial", "-out", dir + "/" + name + ".crt", "-days", "2", "-extfile",
       dir + "/" + name + ".ext"});
}

}  // namespace

TestPki makePki(const std::string& dir, const std::string& ca_name) {
  std::filesystem::create_directories(dir);
  TestPki pki{dir + "/ca.crt",     dir + "/ca.key",     dir + "/server.crt",
              dir + "/server.key", dir + "/client.crt", dir + "/client.key"};
  run({"openssl",
       "req",
       "-x509",
       "-newkey",
       "ec",
       "-pkeyopt",
       "ec_paramgen_curve:prime256v1",
       "-nodes",
       "-keyout",
       pki.ca_key,
       "-out",
       pki.ca_crt,
       "-days",
       "2",
       "-subj",
       "/CN=" + ca_name,
       "-addext",
       "basicConstraints=critical,CA:TRUE",
       "-addext",
       "keyUsage=critical,keyCertSign,cRLSign"});
  leaf(dir, "server", "localhost",
       "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", pki);
  leaf(dir, "client", "attache-ambassador", "extendedKeyUsage=clientAuth\n", pki);
  return pki;
}

}  // namespace attache::testing
