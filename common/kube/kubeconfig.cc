#include "common/kube/kubeconfig.h"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/cli.h"

namespace attache::kube {
namespace {

constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string directoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string resolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return base_dir + "/" + path;
}

// Finds the entry `name` in a kubeconfig list (clusters/users/contexts) and returns its `key`
// map (cluster/user/context).
Result<YAML::Node> findNamed(const YAML::Node& root, const std::string& list,
                             const std::string& key, const std::string& name) {
  YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const auto& entry : entries) {
      if (entry["name"] && entry["name"].as<std::string>() == name) {
        YAML::Node body = entry[key];
        if (!body || !body.IsMap()) {
          std::string what = list;
          what.append("[").append(name).append("].").append(key);
          return invalidArgument(what.append(" is missing or not a map"));
        }
        return body;
      }
    }
  }
  return invalidArgument(list + ": no entry named '" + name + "'");
}

std::string scalar(const YAML::Node& map, const std::string& key) {
  YAML::Node node = map[key];
  return node && node.IsScalar() ? node.as<std::string>() : std::string();
}

// `<field>-data` (base64) or `<field>` (a path relative to base_dir), "" when neither is set.
Result<std::string> pemField(const YAML::Node& map, const std::string& section,
                             const std::string& field, const std::string& base_dir) {
  std::string data = scalar(map, field + "-data");
  if (!data.empty()) {
    auto decoded = base64Decode(data);
    if (!decoded) return invalidArgument(section + "." + field + "-data is not valid base64");
    return *decoded;
  }
  std::string path = scalar(map, field);
  if (path.empty()) return std::string();
  return readTextFile(resolvePath(base_dir, path), section + "." + field);
}

Status fillCluster(const YAML::Node& cluster, const std::string& name, const std::string& dir,
                   ClusterConfig& out) {
  std::string section = "clusters[" + name + "].cluster";
  out.server = scalar(cluster, "server");
  if (out.server.empty()) return invalidArgument(section + ".server is missing");
  auto ca = pemField(cluster, section, "certificate-authority", dir);
  if (!ca.ok()) return ca.error();
  out.ca_pem = std::move(*ca);
  out.insecure_skip_verify = scalar(cluster, "insecure-skip-tls-verify") == "true";
  return {};
}

Status fillUser(const YAML::Node& user, const std::string& name, const std::string& dir,
                ClusterConfig& out) {
  std::string section = "users[" + name + "].user";
  for (const char* unsupported : {"exec", "auth-provider", "username", "password"}) {
    if (user[unsupported]) {
      return invalidArgument(section + "." + unsupported + " is not supported (use client " +
                             "certificates, token or tokenFile)");
    }
  }
  auto cert = pemField(user, section, "client-certificate", dir);
  if (!cert.ok()) return cert.error();
  auto key = pemField(user, section, "client-key", dir);
  if (!key.ok()) return key.error();
  if (cert->empty() != key->empty()) {
    return invalidArgument(section + ": client-certificate and client-key must be given together");
  }
  out.client_cert_pem = std::move(*cert);
  out.client_key_pem = std::move(*key);
  out.token = scalar(user, "token");
  std::string token_file = scalar(user, "tokenFile");
  if (!token_file.empty()) out.token_file = resolvePath(dir, token_file);
  return {};
}

Result<ClusterConfig> parseKubeconfig(const YAML::Node& root, const std::string& dir,
                                      const std::string& wanted_context) {
  std::string context_name =
      wanted_context.empty() ? scalar(root, "current-context") : wanted_context;
  if (context_name.empty()) return invalidArgument("current-context is not set");
  auto context = findNamed(root, "contexts", "context", context_name);
  if (!context.ok()) return context.error();
  std::string cluster_name = scalar(*context, "cluster");
  std::string user_name = scalar(*context, "user");
  if (cluster_name.empty()) {
    return invalidArgument("contexts[" + context_name + "].context.cluster is missing");
  }
  ClusterConfig out;
  out.default_namespace = scalar(*context, "namespace");
  auto cluster = findNamed(root, "clusters", "cluster", cluster_name);
  if (!cluster.ok()) return cluster.error();
  if (auto s = fillCluster(*cluster, cluster_name, dir, out); !s.ok()) return s.error();
  if (!user_name.empty()) {
    auto user = findNamed(root, "users", "user", user_name);
    if (!user.ok()) return user.error();
    if (auto s = fillUser(*user, user_name, dir, out); !s.ok()) return s.error();
  }
  return out;
}

}  // namespace

std::optional<std::string> base64Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t padding = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int value = base64Value(c);
    if (value < 0 || padding > 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if (padding > 2 || bits >= 6) return std::nullopt;
  return out;
}

Result<std::string> readTextFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidArgument(what + ": cannot read '" + path + "'");
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

Result<ClusterConfig> loadKubeconfig(const std::string& path, const std::string& context) {
  auto text = readTextFile(path, "kubeconfig");
  if (!text.ok()) return text.error();
  YAML::Node root;
  try {
    root = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return invalidArgument("kubeconfig " + path + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) return invalidArgument("kubeconfig " + path + ": not a YAML map");
  try {
    auto config = parseKubeconfig(root, directoryOf(path), context);
    if (!config.ok()) return invalidArgument("kubeconfig " + path + ": " + config.error().message);
    return config;
  } catch (const YAML::Exception& e) {
    return invalidArgument("kubeconfig " + path + ": unexpected structure: " + e.what());
  }
}

Result<ClusterConfig> loadInClusterConfigFrom(const std::string& host, const std::string& port,
                                              const std::string& service_account_dir) {
  if (host.empty() || port.empty()) {
    return invalidArgument(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set (or pass --kubeconfig)");
  }
  ClusterConfig out;
  bool ipv6 = host.find(':') != std::string::npos;
  out.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + port;
  auto ca = readTextFile(service_account_dir + "/ca.crt", "service account CA");
  if (!ca.ok()) return ca.error();
  out.ca_pem = std::move(*ca);
  out.token_file = service_account_dir + "/token";
  auto token = readTextFile(out.token_file, "service account token");
  if (!token.ok()) return token.error();
  auto ns = readTextFile(service_account_dir + "/namespace", "service account namespace");
  if (ns.ok()) {
    out.default_namespace = *ns;
    while (!out.default_namespace.empty() &&
           std::isspace(static_cast<unsigned char>(out.default_namespace.back()))) {
      out.default_namespace.pop_back();
    }
  }
  return out;
}

Result<ClusterConfig> loadInClusterConfig() {
  return loadInClusterConfigFrom(envVar("KUBERNETES_SERVICE_HOST").value_or(""),
                                 envVar("KUBERNETES_SERVICE_PORT").value_or(""),
                                 kServiceAccountDir);
}

}  // namespace attache::kube
