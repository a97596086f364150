// X.509 with OpenSSL: a self-signed CA and serving certificates it issues (ECDSA P-256,
// SHA-256), and what the webhook needs to know about a PEM certificate. Time is a parameter.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace attache::webhook {

using SystemTime = std::chrono::system_clock::time_point;

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

// A CA certificate valid from `now` - 5 min (clock skew) for `validity`.
Result<KeyPair> generateCa(const std::string& common_name, SystemTime now,
                           std::chrono::seconds validity);

// A serving certificate (serverAuth) for the DNS names and IP addresses, signed by the CA.
Result<KeyPair> issueServingCert(const KeyPair& ca, const std::string& common_name,
                                 const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses, SystemTime now,
                                 std::chrono::seconds validity);

struct CertificateInfo {
  std::string subject_cn;
  SystemTime not_before, not_after;
  bool is_ca = false;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
};

// The first certificate of `pem`.
Result<CertificateInfo> inspectCertificate(const std::string& pem);
// Every certificate of a PEM bundle, in order.
Result<std::vector<CertificateInfo>> inspectBundle(const std::string& pem);
// The PEM blocks of a bundle, in order.
std::vector<std::string> splitPemBundle(const std::string& pem);

// ok when `key_pem` is the private key of the first certificate of `cert_pem`.
Status checkKeyMatches(const std::string& cert_pem, const std::string& key_pem);
// ok when the first certificate of `cert_pem` verifies against the first certificate of
// `ca_pem` at `now`.
Status checkIssuedBy(const std::string& cert_pem, const std::string& ca_pem, SystemTime now);

}  // namespace attache::webhook
