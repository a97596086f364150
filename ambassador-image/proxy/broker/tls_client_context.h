// The TLS client side of a broker listener: an SSL_CTX built from the listener's TlsConfig (CA,
// optional client certificate), rebuilt when those files change on disk (Secrets rotate). A
// failed rebuild keeps the previous context. Live connections keep the context they started
// with (OpenSSL reference-counts it), so a rotation never cuts them.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ambassador-image/proxy/config/pool_config.h"
#include "common/result.h"

namespace attache::ambassador::broker {

struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslDeleter>;
using SslCtxPtr = std::shared_ptr<SSL_CTX>;

// Drains OpenSSL's error queue into "what: reason; reason".
std::string opensslError(std::string_view what);

// Builds a client context: TLS 1.2 or later, the peer verified against `tls.ca_file` (the
// system store when empty) unless insecure_skip_verify, the client certificate when set.
// Errors name the field ("tls.caFile: ...").
Result<SslCtxPtr> buildClientContext(const config::TlsConfig& tls);

// A connection's SSL object: SNI and the name to verify are `tls.server_name`, else `host`
// (an IP literal is checked against the certificate's IP SANs and sends no SNI).
Result<SslPtr> newClientSsl(const SslCtxPtr& ctx, const config::TlsConfig& tls,
                            const std::string& host);

// What stat() says about a file's content; a rotated Secret changes it.
struct FileStamp {
  bool exists = false;
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  size_t content_hash = 0;
  bool operator==(const FileStamp&) const = default;
};
FileStamp stampFile(const std::string& path);

class TlsClientContext {
 public:
  static constexpr int64_t kCheckIntervalMs = 1000;
  enum class Reload { kUnchanged, kReloaded, kFailed };

  // Builds the first context; the error names the bad field.
  static Result<std::unique_ptr<TlsClientContext>> create(const config::TlsConfig& tls,
                                                          int64_t now_ms);

  // Re-reads the files when their stamps changed; checks at most once per kCheckIntervalMs.
  // kFailed keeps the previous context; `why` (may be null) gets the reason.
  Reload maybeReload(int64_t now_ms, std::string* why);
  const SslCtxPtr& context() const { return ctx_; }
  const config::TlsConfig& config() const { return tls_; }
  uint64_t reloads() const { return reloads_; }
  uint64_t reloadFailures() const { return reload_failures_; }

 private:
  TlsClientContext(config::TlsConfig tls, SslCtxPtr ctx, std::vector<FileStamp> stamps,
                   int64_t now_ms);

  config::TlsConfig tls_;
  SslCtxPtr ctx_;
  std::vector<FileStamp> seen_;  // the stamps last tried (good or bad): retried on change only
  int64_t last_check_ms_;
  uint64_t reloads_ = 0;
  uint64_t reload_failures_ = 0;
};

}  // namespace attache::ambassador::broker
