// HMAC-SHA256 signing and constant-time verification of hook bodies (see signature.h).
#include "hook/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>

namespace hook {

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    // HMAC() with an empty key needs a non-null pointer on some OpenSSL versions.
    static const unsigned char empty = 0;
    const void* key = secret.empty() ? static_cast<const void*>(&empty) : secret.data();
    HMAC(EVP_sha256(), key, static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &len);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0F];
    }
    return out;
}

std::string signature_value(std::string_view secret, std::string_view body) {
    return std::string(kSignaturePrefix) + hmac_sha256_hex(secret, body);
}

bool verify_signature(std::string_view secret, std::string_view body,
                      std::string_view header_value) {
    std::string expected = signature_value(secret, body);
    if (header_value.size() != expected.size()) return false;  // the length is no secret
    std::string given(header_value);
    for (std::size_t i = kSignaturePrefix.size(); i < given.size(); ++i) {
        given[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(given[i])));
    }
    return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace hook
