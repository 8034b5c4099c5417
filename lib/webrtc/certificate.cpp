// Makes the self-signed P-256 certificate with OpenSSL 3 and formats SHA-256 fingerprints.
#include "webrtc/certificate.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

namespace webrtc {

void Certificate::FreeX509::operator()(X509* x) const { X509_free(x); }
void Certificate::FreeKey::operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }

std::string fingerprint_sha256(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!cert || X509_digest(cert, EVP_sha256(), md, &n) != 1) return {};
    static const char* kHex = "0123456789ABCDEF";
    std::string s;
    s.reserve(n * 3);
    for (unsigned int i = 0; i < n; ++i) {
        if (i) s += ':';
        s += kHex[md[i] >> 4];
        s += kHex[md[i] & 0xF];
    }
    return s;
}

util::Result<std::shared_ptr<const Certificate>, CertErrc> Certificate::make() {
    using Err = util::Error<CertErrc>;
    std::shared_ptr<Certificate> c(new Certificate);
    c->key_.reset(EVP_EC_gen("P-256"));
    if (!c->key_) return Err{CertErrc::KeyGeneration, "cannot generate a P-256 key"};

    c->cert_.reset(X509_new());
    X509* x = c->cert_.get();
    if (!x) return Err{CertErrc::Certificate, "out of memory"};
    // A random positive 64-bit serial: browsers reject reused serials from one issuer name.
    unsigned char serial[8];
    if (RAND_bytes(serial, sizeof serial) != 1) return Err{CertErrc::Certificate, "no randomness"};
    serial[0] &= 0x7F;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serial_ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr;
    BN_free(bn);
    // Valid from yesterday (clock skew) for 30 days: the server makes a new one at each start.
    X509_NAME* name = X509_get_subject_name(x);
    const bool ok = serial_ok && X509_set_version(x, X509_VERSION_3) == 1 &&
                    X509_gmtime_adj(X509_getm_notBefore(x), -24L * 3600) != nullptr &&
                    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600) != nullptr &&
                    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                               reinterpret_cast<const unsigned char*>("rtmpkit"),
                                               -1, -1, 0) == 1 &&
                    X509_set_issuer_name(x, name) == 1 && X509_set_pubkey(x, c->key_.get()) == 1 &&
                    X509_sign(x, c->key_.get(), EVP_sha256()) > 0;
    if (!ok) return Err{CertErrc::Certificate, "cannot build the self-signed certificate"};
    c->fingerprint_ = webrtc::fingerprint_sha256(x);
    if (c->fingerprint_.empty()) return Err{CertErrc::Certificate, "cannot digest the certificate"};
    return std::shared_ptr<const Certificate>(std::move(c));
}

}  // namespace webrtc
