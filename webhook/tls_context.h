// The server's TLS context, swappable at run time: a new certificate applies to new connections
// while open ones finish with the old one. TLS 1.2 minimum, forward-secret AEAD suites only.
#pragma once

#include <memory>
#include <mutex>

#include <boost/asio/ssl/context.hpp>

#include "common/result.h"
#include "webhook/cert_lifecycle.h"

namespace attache::webhook {

using SslContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// A server context for the certificate chain and key (kInvalidArgument when they do not load).
Result<SslContextPtr> makeServerContext(const TlsMaterial& material);

class TlsContextStore {
 public:
  // Builds a context from `material` and makes it current; on error the current one stays.
  Status update(const TlsMaterial& material);
  // nullptr until the first successful update().
  SslContextPtr current() const;

 private:
  mutable std::mutex mu_;
  SslContextPtr current_;
};

}  // namespace attache::webhook
