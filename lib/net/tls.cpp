#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace net {

namespace {

int version_constant(TlsVersion v) { return v == TlsVersion::V1_3 ? TLS1_3_VERSION : TLS1_2_VERSION; }

std::string drain_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.empty()) out += "; ";
        out += buf;
    }
    return out.empty() ? "unknown TLS error" : out;
}

util::Error<TlsErrc> fail(std::string why) { return {TlsErrc::Setup, std::move(why)}; }

}  // namespace

TlsContextResult load_server_context(const std::string& cert_file,
                                                          const std::string& key_file,
                                                          TlsVersion min_version) {
    ERR_clear_error();
    TlsContext ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    if (!ctx) return fail(drain_errors());
    SSL_CTX_set_min_proto_version(ctx.get(), version_constant(min_version));
    // Renegotiation lets a client make the server redo expensive handshakes on one connection;
    // no RTMP or HTTP client needs it.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                       SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1)
        return fail("tls_cert " + cert_file + ": " + drain_errors());
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        return fail("tls_key " + key_file + ": " + drain_errors());
    if (SSL_CTX_check_private_key(ctx.get()) != 1)
        return fail("tls_key " + key_file + " does not match tls_cert " + cert_file);
    return ctx;
}

TlsContextResult make_client_context(const std::string& ca_file, bool insecure) {
    ERR_clear_error();
    TlsContext ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    if (!ctx) return fail(drain_errors());
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    if (insecure) {
        SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
        return ctx;
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (!ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1)
            return fail("--ca-file " + ca_file + ": " + drain_errors());
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
        return fail("the system's CA certificates: " + drain_errors());
    }
    return ctx;
}

std::optional<TlsSessionInfo> session_info(const SSL* ssl) {
    if (!ssl || !SSL_is_init_finished(ssl)) return std::nullopt;
    TlsSessionInfo info;
    info.version = SSL_get_version(ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) info.cipher = SSL_CIPHER_get_name(c);
    return info;
}

std::string describe_certificate(const TlsContext& ctx) {
    X509* cert = ctx ? SSL_CTX_get0_certificate(ctx.get()) : nullptr;
    if (!cert) return "no certificate";
    char subject[256] = {};
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject - 1);
    std::string out = subject;
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio && ASN1_TIME_print(bio, X509_get0_notAfter(cert)) == 1) {
        char buf[64] = {};
        const int n = BIO_read(bio, buf, sizeof buf - 1);
        if (n > 0) out += ", valid until " + std::string(buf, std::size_t(n));
    }
    BIO_free(bio);
    return out;
}

std::string tls_error_text(const SSL* ssl) {
    if (ssl) {
        const long verify = SSL_get_verify_result(ssl);
        if (verify != X509_V_OK) {
            ERR_clear_error();
            return std::string("certificate verify failed: ") +
                   X509_verify_cert_error_string(verify);
        }
    }
    return drain_errors();
}

}  // namespace net
