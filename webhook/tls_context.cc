#include "webhook/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace attache::webhook {

namespace ssl = boost::asio::ssl;

Result<SslContextPtr> makeServerContext(const TlsMaterial& material) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return internalError("cannot require TLS 1.2");
  }
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   ssl::context::single_dh_use);
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(material.cert_pem), ec);
  if (ec) return invalidArgument("TLS certificate does not load: " + ec.message());
  ctx->use_private_key(boost::asio::buffer(material.key_pem), ssl::context::pem, ec);
  if (ec) return invalidArgument("TLS private key does not load: " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return invalidArgument("TLS private key does not match the certificate");
  }
  return ctx;
}

Status TlsContextStore::update(const TlsMaterial& material) {
  auto ctx = makeServerContext(material);
  if (!ctx) return ctx.error();
  std::lock_guard lock(mu_);
  current_ = std::move(*ctx);
  return {};
}

SslContextPtr TlsContextStore::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace attache::webhook
