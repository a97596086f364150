// A blocking HTTPS/1.1 client connection (Boost.Beast), the webhook's peer in tests and the
// benchmark. One request at a time, keep-alive, a deadline per operation.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace attache::webhook {

struct HttpsClientOptions {
  std::string ca_pem;  // trusted CAs; empty = the system's
  std::string client_cert_pem, client_key_pem;
  bool insecure_skip_verify = false;
  std::string server_name;  // SNI and the name verified; default: the host
  std::chrono::milliseconds timeout{5000};
  int max_tls_version = 0;  // e.g. TLS1_1_VERSION to test refusal; 0 = no cap
};

struct HttpsResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

class HttpsConnection {
 public:
  // Connects and completes the TLS handshake. kUnavailable on network/TLS failures.
  static Result<std::unique_ptr<HttpsConnection>> connect(const std::string& host, int port,
                                                          const HttpsClientOptions& options);
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  Result<HttpsResponse> request(
      const std::string& method, const std::string& target, const std::string& body = "",
      const std::string& content_type = "application/json",
      const std::vector<std::pair<std::string, std::string>>& headers = {});
  // The server's certificate (PEM).
  std::string peerCertificatePem() const;

 private:
  struct Impl;
  explicit HttpsConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection to an "https://host:port" URL.
Result<HttpsResponse> httpsGet(
    const std::string& url, const std::string& target, const HttpsClientOptions& options,
    const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace attache::webhook
