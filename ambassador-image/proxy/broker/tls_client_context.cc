#include "ambassador-image/proxy/broker/tls_client_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <iterator>

namespace attache::ambassador::broker {
namespace {

bool isIpLiteral(const std::string& name) {
  unsigned char buf[sizeof(struct in6_addr)];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// Never prompts for a key passphrase on a terminal: encrypted keys are refused.
int noPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return 0; }

Error fileError(const char* field, const std::string& path, std::string_view what) {
  return invalidArgument(std::string(field) + ": " + opensslError(std::string(what) + " " + path));
}

Status loadTrust(SSL_CTX* ctx, const config::TlsConfig& tls) {
  if (tls.ca_file.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return internalError(opensslError("cannot load the system trust store"));
    }
    return {};
  }
  if (!stampFile(tls.ca_file).exists) {
    return invalidArgument("tls.caFile: cannot read " + tls.ca_file);
  }
  if (SSL_CTX_load_verify_locations(ctx, tls.ca_file.c_str(), nullptr) != 1) {
    return fileError("tls.caFile", tls.ca_file, "no CA certificate in");
  }
  return {};
}

Status loadClientCertificate(SSL_CTX* ctx, const config::TlsConfig& tls) {
  if (tls.cert_file.empty()) return {};
  if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1) {
    return fileError("tls.certFile", tls.cert_file, "cannot load a certificate from");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return invalidArgument("tls.keyFile: does not match tls.certFile");
    }
    return fileError("tls.keyFile", tls.key_file, "cannot load an unencrypted private key from");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return invalidArgument("tls.keyFile: does not match tls.certFile");
  }
  return {};
}

std::vector<FileStamp> stampTlsFiles(const config::TlsConfig& tls) {
  std::vector<FileStamp> out;
  for (const auto* path : {&tls.ca_file, &tls.cert_file, &tls.key_file}) {
    if (!path->empty()) out.push_back(stampFile(*path));
  }
  return out;
}

}  // namespace

std::string opensslError(std::string_view what) {
  std::string out(what);
  const char* sep = ": ";
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    out += sep;
    out += buf;
    sep = "; ";
  }
  return out;
}

Result<SslCtxPtr> buildClientContext(const config::TlsConfig& tls) {
  ERR_clear_error();
  SSL_CTX* raw = SSL_CTX_new(TLS_client_method());
  if (raw == nullptr) return internalError(opensslError("SSL_CTX_new"));
  SslCtxPtr ctx(raw, SSL_CTX_free);
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_options(raw, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(raw, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_read_ahead(raw, 1);  // one read() per wakeup instead of header + body
  SSL_CTX_set_default_passwd_cb(raw, noPassphrase);
  SSL_CTX_set_verify(raw, tls.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  if (auto st = loadTrust(raw, tls); !st.ok()) return st.error();
  if (auto st = loadClientCertificate(raw, tls); !st.ok()) return st.error();
  return ctx;
}

Result<SslPtr> newClientSsl(const SslCtxPtr& ctx, const config::TlsConfig& tls,
                            const std::string& host) {
  SslPtr ssl(SSL_new(ctx.get()));
  if (ssl == nullptr) return internalError(opensslError("SSL_new"));
  const std::string& name = tls.server_name.empty() ? host : tls.server_name;
  const bool ip = isIpLiteral(name);
  if (!ip && SSL_set_tlsext_host_name(ssl.get(), name.c_str()) != 1) {
    return invalidArgument(opensslError("tls.serverName: invalid SNI '" + name + "'"));
  }
  if (!tls.insecure_skip_verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str())
                : X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
    if (ok != 1)
      return invalidArgument(opensslError("tls.serverName: cannot verify '" + name + "'"));
  }
  return ssl;
}

FileStamp stampFile(const std::string& path) {
  FileStamp s;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return s;
  s.exists = true;
  s.device = st.st_dev;
  s.inode = st.st_ino;
  s.size = st.st_size;
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  // mtime is coarse (a kernel tick): two same-size writes within one tick look alike, so the
  // content is hashed too. The files are small and read at most once a second.
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  s.content_hash = std::hash<std::string>{}(content);
  return s;
}

Result<std::unique_ptr<TlsClientContext>> TlsClientContext::create(const config::TlsConfig& tls,
                                                                   int64_t now_ms) {
  auto before = stampTlsFiles(tls);
  auto ctx = buildClientContext(tls);
  if (!ctx.ok()) return ctx.error();
  return std::unique_ptr<TlsClientContext>(
      new TlsClientContext(tls, std::move(*ctx), std::move(before), now_ms));
}

TlsClientContext::TlsClientContext(config::TlsConfig tls, SslCtxPtr ctx,
                                   std::vector<FileStamp> stamps, int64_t now_ms)
    : tls_(std::move(tls)),
      ctx_(std::move(ctx)),
      seen_(std::move(stamps)),
      last_check_ms_(now_ms) {}

TlsClientContext::Reload TlsClientContext::maybeReload(int64_t now_ms, std::string* why) {
  if (now_ms - last_check_ms_ < kCheckIntervalMs) return Reload::kUnchanged;
  last_check_ms_ = now_ms;
  auto now_stamps = stampTlsFiles(tls_);
  if (now_stamps == seen_) return Reload::kUnchanged;
  seen_ = std::move(now_stamps);
  auto built = buildClientContext(tls_);
  if (!built.ok()) {
    ++reload_failures_;
    if (why != nullptr) *why = built.error().message;
    return Reload::kFailed;
  }
  ctx_ = std::move(*built);
  ++reloads_;
  return Reload::kReloaded;
}

}  // namespace attache::ambassador::broker
