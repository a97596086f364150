#include "webhook/cluster_version.h"

#include <charconv>

#include "webhook/json_util.h"

namespace attache::webhook {
namespace {

// The leading decimal number of `s` ("29+" -> 29), or -1.
int leadingNumber(const std::string& s) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return -1;
  int n = -1;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  return ec == std::errc() && end != s.data() ? n : -1;
}

}  // namespace

Result<ServerVersion> parseServerVersion(const nlohmann::json& version) {
  ServerVersion out;
  out.git_version = stringMember(version, "gitVersion");
  out.major = leadingNumber(stringMember(version, "major"));
  out.minor = leadingNumber(stringMember(version, "minor"));
  if (out.major < 0 || out.minor < 0) {
    // "v1.34.4" -> 1, 34
    std::string v = out.git_version;
    if (!v.empty() && v[0] == 'v') v = v.substr(1);
    auto dot = v.find('.');
    out.major = leadingNumber(v);
    out.minor = dot == std::string::npos ? -1 : leadingNumber(v.substr(dot + 1));
  }
  if (out.major < 0 || out.minor < 0) {
    return invalidArgument("the API server's /version has no usable major/minor");
  }
  return out;
}

bool supportsNativeSidecars(const ServerVersion& version) {
  return version.major > 1 || (version.major == 1 && version.minor >= 29);
}

Result<ServerVersion> fetchServerVersion(kube::KubeClient& client) {
  auto doc = client.getPath("/version");
  if (!doc) return doc.error();
  return parseServerVersion(*doc);
}

}  // namespace attache::webhook
