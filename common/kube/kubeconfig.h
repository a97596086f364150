// Where the API server is and how to authenticate to it: from a kubeconfig file (out of
// cluster) or from the pod's service account (in cluster).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace attache::kube {

struct ClusterConfig {
  std::string server;  // "https://127.0.0.1:6443"
  std::string ca_pem;  // trusted CAs; empty = the system's
  std::string client_cert_pem, client_key_pem;
  std::string token;       // bearer token
  std::string token_file;  // bearer token re-read from this file as it rotates
  bool insecure_skip_verify = false;
  std::string default_namespace;  // the context's namespace / the pod's namespace; may be empty
};

// Reads a kubeconfig (one file; `context` "" = current-context). Supports certificate-authority,
// client-certificate, client-key (paths relative to the file's directory, or the *-data base64
// forms), token, tokenFile and insecure-skip-tls-verify. exec/auth-provider/basic auth are
// refused. Errors are kInvalidArgument naming the file and the field.
Result<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context = "");

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT and
// /var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}. The token is given as
// token_file so the client re-reads it as the kubelet rotates it.
Result<ClusterConfig> loadInClusterConfig();

// loadInClusterConfig() with the environment and directory given (a test seam).
Result<ClusterConfig> loadInClusterConfigFrom(const std::string& host, const std::string& port,
                                              const std::string& service_account_dir);

// Standard base64 (padding optional, whitespace ignored); nullopt on invalid input.
std::optional<std::string> base64Decode(std::string_view text);

// The whole file, or kInvalidArgument naming `what` and the path.
Result<std::string> readTextFile(const std::string& path, const std::string& what);

}  // namespace attache::kube
