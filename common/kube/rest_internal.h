// Internals of the REST client, shared by its .cc files. Includes cpprestsdk: include this only
// from the attache_kube_rest target.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include <cpprest/http_client.h>

#include "common/kube/kube_client.h"
#include "common/kube/kubeconfig.h"

namespace attache::kube::rest {

// The bearer token: fixed, or read from a file that the kubelet rotates.
class TokenSource {
 public:
  TokenSource(std::string token, std::string token_file);
  // The token to send ("" = none); re-reads the file when the last read is a minute old.
  std::string current();
  // Re-reads the file now (after a 401); false when there is no file to re-read.
  bool refresh();

 private:
  std::mutex mu_;
  std::string token_;
  std::string token_file_;
  std::chrono::steady_clock::time_point last_read_{};
};

// What every request needs: the HTTP client (cheap to copy, shared connection pool) and the
// token source.
struct Transport {
  web::http::client::http_client http;
  std::shared_ptr<TokenSource> tokens;
};

struct RequestSpec {
  web::http::method method;
  std::string path_query;    // "/api/v1/namespaces/x/pods?limit=3"
  std::string body;          // sent when content_type is set
  std::string content_type;  // "" = no body
};

// Sends the request (a new one after re-reading the token on a 401) and returns the response
// once its headers arrived; the body is still streaming. Transport failures are kUnavailable.
Result<web::http::http_response> send(Transport& transport, const RequestSpec& spec,
                                      const pplx::cancellation_token& cancel);

// The whole response body.
Result<std::string> readBody(web::http::http_response& response);

// Starts a watch stream on a thread of its own (see kube_client.h for the contract).
WatchHandlePtr startWatch(const Transport& transport, std::string path_query,
                          WatchEventCallback on_event, WatchDoneCallback on_done);

// PEM material parsed once, installed into every TLS connection's context.
struct TlsMaterial;
Result<std::shared_ptr<const TlsMaterial>> parseTlsMaterial(const ClusterConfig& config);
void installTlsMaterial(const TlsMaterial& material, boost::asio::ssl::context& context);

}  // namespace attache::kube::rest
