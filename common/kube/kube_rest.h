// The KubeClient over HTTPS (cpprestsdk underneath; its headers stay inside the
// attache_kube_rest target).
#pragma once

#include <cstddef>

#include "common/kube/kube_client.h"
#include "common/kube/kubeconfig.h"
#include "common/result.h"

namespace attache::kube {

struct RestClientOptions {
  // Threads of cpprestsdk's process-wide pool (network I/O and continuations). Only the first
  // client created in a process sets it.
  size_t io_threads = 4;
  int request_timeout_seconds = 30;  // idle timeout of one request (a watch asks for less)
};

// Validates the config (server URL, PEM material) and returns a client; kInvalidArgument names
// the bad field. The client trusts only ca_pem when it is set (else the system CAs), presents
// the client certificate when set, and sends the bearer token (token_file is re-read every
// minute and after a 401). Each watch runs on a thread of its own, so watch callbacks may call
// the client's synchronous methods.
Result<KubeClientPtr> makeRestClient(const ClusterConfig& config,
                                     const RestClientOptions& options = {});

}  // namespace attache::kube
