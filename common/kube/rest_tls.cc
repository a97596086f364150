// In-memory PEM (CA bundle, client certificate chain and key) for cpprestsdk's TLS contexts.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <vector>

#include "common/kube/rest_internal.h"
#include "common/logging.h"

namespace attache::kube::rest {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in a PEM bundle; an error when there is none.
Result<std::vector<X509Ptr>> parseCertificates(const std::string& pem, const std::string& what) {
  std::vector<X509Ptr> certs;
  BioPtr bio = memoryBio(pem);
  while (bio) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  ERR_clear_error();  // the read that ended the loop left an error behind
  if (certs.empty()) return invalidArgument(what + ": no PEM certificate found");
  return certs;
}

}  // namespace

struct TlsMaterial {
  std::vector<X509Ptr> cas;
  std::vector<X509Ptr> client_chain;  // leaf first
  PkeyPtr client_key;
};

Result<std::shared_ptr<const TlsMaterial>> parseTlsMaterial(const ClusterConfig& config) {
  auto material = std::make_shared<TlsMaterial>();
  if (!config.ca_pem.empty()) {
    auto cas = parseCertificates(config.ca_pem, "certificate-authority");
    if (!cas.ok()) return cas.error();
    material->cas = std::move(*cas);
  }
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return invalidArgument("client-certificate and client-key must be given together");
  }
  if (!config.client_cert_pem.empty()) {
    auto chain = parseCertificates(config.client_cert_pem, "client-certificate");
    if (!chain.ok()) return chain.error();
    material->client_chain = std::move(*chain);
    BioPtr bio = memoryBio(config.client_key_pem);
    material->client_key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                                   : nullptr);
    ERR_clear_error();
    if (!material->client_key) return invalidArgument("client-key: no PEM private key found");
    if (X509_check_private_key(material->client_chain.front().get(), material->client_key.get()) !=
        1) {
      ERR_clear_error();
      return invalidArgument("client-key does not match client-certificate");
    }
  }
  return std::shared_ptr<const TlsMaterial>(std::move(material));
}

void installTlsMaterial(const TlsMaterial& material, boost::asio::ssl::context& context) {
  SSL_CTX* ctx = context.native_handle();
  bool ok = true;
  if (!material.cas.empty()) {
    // Trust exactly the configured CAs, not the system's.
    X509_STORE* store = X509_STORE_new();
    for (const auto& ca : material.cas) ok = ok && X509_STORE_add_cert(store, ca.get()) == 1;
    SSL_CTX_set_cert_store(ctx, store);  // takes ownership
  }
  if (!material.client_chain.empty()) {
    ok = ok && SSL_CTX_use_certificate(ctx, material.client_chain.front().get()) == 1;
    for (size_t i = 1; i < material.client_chain.size(); ++i) {
      ok = ok && SSL_CTX_add1_chain_cert(ctx, material.client_chain[i].get()) == 1;
    }
    ok = ok && SSL_CTX_use_PrivateKey(ctx, material.client_key.get()) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    componentLogger("kube")->error("could not install TLS material into a connection's context");
  }
}

}  // namespace attache::kube::rest
