// The server's DTLS identity: one self-signed ECDSA P-256 certificate made at start, whose
// SHA-256 fingerprint the SDP answer announces (RFC 8122 §5, RFC 5763).
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>

#include "util/result.h"

namespace webrtc {

enum class CertErrc { KeyGeneration, Certificate };

class Certificate {
  public:
    static util::Result<std::shared_ptr<const Certificate>, CertErrc> make();

    // "AB:CD:..." (upper-case hex of SHA-256 over the DER), as `a=fingerprint:sha-256` takes it.
    const std::string& fingerprint_sha256() const { return fingerprint_; }
    // For SSL_CTX_use_certificate / SSL_CTX_use_PrivateKey (which take their own references).
    X509* x509() const { return cert_.get(); }
    EVP_PKEY* private_key() const { return key_.get(); }

  private:
    struct FreeX509 {
        void operator()(X509* x) const;
    };
    struct FreeKey {
        void operator()(EVP_PKEY* k) const;
    };
    Certificate() = default;
    std::unique_ptr<X509, FreeX509> cert_;
    std::unique_ptr<EVP_PKEY, FreeKey> key_;
    std::string fingerprint_;
};

// The same notation for any certificate (the peer's, to compare with the offer's); empty when
// the digest cannot be computed.
std::string fingerprint_sha256(X509* cert);

}  // namespace webrtc
