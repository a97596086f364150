// attache-webhook's two commands: serve (the admission webhook) and inject (offline).
#pragma once

#include "common/cli.h"
#include "common/kube/kube_client.h"
#include "common/kube/kubeconfig.h"
#include "common/result.h"
#include "webhook/injector_config.h"

namespace attache::webhook {

// The injector settings from the --proxy-* and related flags (validated), with the sidecar mode
// still to be decided when --native-sidecar is "auto".
Result<InjectorConfig> injectorConfigFromArgs(const ParsedArgs& args);

// --kubeconfig, else the in-cluster service account.
Result<kube::ClusterConfig> clusterConfigFromArgs(const ParsedArgs& args);

// Decides --native-sidecar (auto: from the API server's version when `cluster` is given, else
// native). Logs the decision.
Result<SidecarMode> sidecarModeFromArgs(const ParsedArgs& args, kube::KubeClient* client);

int runServe(const ParsedArgs& args);
int runInject(const ParsedArgs& args);

}  // namespace attache::webhook
