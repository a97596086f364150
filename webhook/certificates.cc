#include "webhook/certificates.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <ctime>
#include <memory>

namespace attache::webhook {
namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

std::string opensslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return what + ": " + buf;
}

BioPtr memBio(const std::string& data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bioString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

Result<X509Ptr> readCert(const std::string& pem) {
  BioPtr bio = memBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return invalidArgument(opensslError("no PEM certificate"));
  return cert;
}

Result<PkeyPtr> readKey(const std::string& pem) {
  BioPtr bio = memBio(pem);
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return invalidArgument(opensslError("no PEM private key"));
  return key;
}

Result<PkeyPtr> newKey() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return internalError(opensslError("EC key generation failed"));
  return key;
}

Result<KeyPair> toPem(X509* cert, EVP_PKEY* key) {
  BioPtr cert_bio(BIO_new(BIO_s_mem())), key_bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_X509(cert_bio.get(), cert) != 1 ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return internalError(opensslError("PEM encoding failed"));
  }
  return KeyPair{bioString(cert_bio.get()), bioString(key_bio.get())};
}

Status addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return internalError(opensslError("certificate extension " + value));
  }
  return {};
}

// A certificate with subject CN, validity, serial and public key; not yet signed.
Result<X509Ptr> newCert(const std::string& cn, EVP_PKEY* key, SystemTime now,
                        std::chrono::seconds validity) {
  X509Ptr cert(X509_new());
  BnPtr serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return internalError(opensslError("certificate allocation failed"));
  }
  time_t start = std::chrono::system_clock::to_time_t(now - std::chrono::minutes(5));
  time_t end = std::chrono::system_clock::to_time_t(now + validity);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), start) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), end) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return internalError(opensslError("certificate fields"));
  }
  return cert;
}

SystemTime fromAsn1(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return SystemTime{};
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void readSubjectAltNames(X509* cert, CertificateInfo* info) {
  NamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      info->dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                   static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = gn->d.iPAddress;
      int len = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {0};
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof(text)) !=
              nullptr) {
        info->ip_addresses.emplace_back(text);
      }
    }
  }
}

CertificateInfo describeCert(X509* cert) {
  CertificateInfo info;
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
  info.subject_cn = cn;
  info.not_before = fromAsn1(X509_get0_notBefore(cert));
  info.not_after = fromAsn1(X509_get0_notAfter(cert));
  info.is_ca = X509_check_ca(cert) != 0;
  readSubjectAltNames(cert, &info);
  return info;
}

std::string joinSans(const std::vector<std::string>& dns, const std::vector<std::string>& ips) {
  std::string out;
  for (const auto& d : dns) out += (out.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : ips) out += (out.empty() ? "IP:" : ",IP:") + ip;
  return out;
}

}  // namespace

Result<KeyPair> generateCa(const std::string& common_name, SystemTime now,
                           std::chrono::seconds validity) {
  auto key = newKey();
  if (!key) return key.error();
  auto cert = newCert(common_name, key->get(), now, validity);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(c)) != 1) {
    return internalError(opensslError("issuer name"));
  }
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                                   std::pair{NID_subject_key_identifier, "hash"}}) {
    if (auto st = addExtension(c, c, nid, value); !st) return st.error();
  }
  if (X509_sign(c, key->get(), EVP_sha256()) == 0) {
    return internalError(opensslError("signing the CA"));
  }
  return toPem(c, key->get());
}

Result<KeyPair> issueServingCert(const KeyPair& ca, const std::string& common_name,
                                 const std::vector<std::string>& dns_names,
                                 const std::vector<std::string>& ip_addresses, SystemTime now,
                                 std::chrono::seconds validity) {
  if (dns_names.empty() && ip_addresses.empty()) {
    return invalidArgument("a serving certificate needs a DNS name or an IP address");
  }
  auto ca_cert = readCert(ca.cert_pem);
  if (!ca_cert) return ca_cert.error();
  auto ca_key = readKey(ca.key_pem);
  if (!ca_key) return ca_key.error();
  auto key = newKey();
  if (!key) return key.error();
  auto cert = newCert(common_name, key->get(), now, validity);
  if (!cert) return cert.error();
  X509* c = cert->get();
  if (X509_set_issuer_name(c, X509_get_subject_name(ca_cert->get())) != 1) {
    return internalError(opensslError("issuer name"));
  }
  const std::string sans = joinSans(dns_names, ip_addresses);
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")},
        std::pair{NID_key_usage, std::string("critical,digitalSignature,keyEncipherment")},
        std::pair{NID_ext_key_usage, std::string("serverAuth")},
        std::pair{NID_subject_alt_name, sans},
        std::pair{NID_authority_key_identifier, std::string("keyid:always")}}) {
    if (auto st = addExtension(c, ca_cert->get(), nid, value); !st) return st.error();
  }
  if (X509_sign(c, ca_key->get(), EVP_sha256()) == 0) {
    return internalError(opensslError("signing the serving certificate"));
  }
  return toPem(c, key->get());
}

std::vector<std::string> splitPemBundle(const std::string& pem) {
  static const std::string kBegin = "-----BEGIN CERTIFICATE-----";
  static const std::string kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string::npos) {
    size_t end = pem.find(kEnd, pos);
    if (end == std::string::npos) break;
    end += kEnd.size();
    out.push_back(pem.substr(pos, end - pos) + "\n");
    pos = end;
  }
  return out;
}

Result<CertificateInfo> inspectCertificate(const std::string& pem) {
  auto cert = readCert(pem);
  if (!cert) return cert.error();
  return describeCert(cert->get());
}

Result<std::vector<CertificateInfo>> inspectBundle(const std::string& pem) {
  std::vector<CertificateInfo> out;
  for (const auto& block : splitPemBundle(pem)) {
    auto info = inspectCertificate(block);
    if (!info) return info.error();
    out.push_back(std::move(*info));
  }
  if (out.empty()) return invalidArgument("no PEM certificate");
  return out;
}

Status checkKeyMatches(const std::string& cert_pem, const std::string& key_pem) {
  auto cert = readCert(cert_pem);
  if (!cert) return cert.error();
  auto key = readKey(key_pem);
  if (!key) return key.error();
  if (X509_check_private_key(cert->get(), key->get()) != 1) {
    ERR_clear_error();
    return invalidArgument("the private key does not match the certificate");
  }
  return {};
}

Status checkIssuedBy(const std::string& cert_pem, const std::string& ca_pem, SystemTime now) {
  auto cert = readCert(cert_pem);
  if (!cert) return cert.error();
  auto ca = readCert(ca_pem);
  if (!ca) return ca.error();
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca->get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) != 1) {
    return internalError(opensslError("verification setup"));
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return invalidArgument(std::string("certificate does not verify: ") +
                           X509_verify_cert_error_string(err));
  }
  return {};
}

}  // namespace attache::webhook
