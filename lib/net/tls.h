// TLS with OpenSSL for RTMPS and HTTPS: the server's certificate context (reloadable: sessions
// keep the context they started with), a client context for rtmp-probe, and what a session
// negotiated. The sockets stay in libevent (bufferevent_openssl) or the probe's glue.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "util/result.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace net {

// One SSL_CTX, freed when the last holder lets go.
using TlsContext = std::shared_ptr<SSL_CTX>;

enum class TlsErrc { Setup };  // a certificate, key or CA file that cannot be used
using TlsContextResult = util::Result<TlsContext, TlsErrc>;

// The lowest version served or accepted.
enum class TlsVersion { V1_2, V1_3 };
// "1.2" / "1.3", as tls_min_version writes them.
inline const char* tls_version_name(TlsVersion v) { return v == TlsVersion::V1_3 ? "1.3" : "1.2"; }

// The server's context: certificate (a chain file works: leaf first), its key, TLS 1.2+ (or
// 1.3 only), no renegotiation, no compression. The error says which file and why.
TlsContextResult load_server_context(const std::string& cert_file,
                                     const std::string& key_file, TlsVersion min_version);

// rtmp-probe's context: the peer is verified against `ca_file` (or the system's roots when
// empty) unless `insecure`.
TlsContextResult make_client_context(const std::string& ca_file,
                                     bool insecure);

struct TlsSessionInfo {
    std::string version;  // "TLSv1.3"
    std::string cipher;   // "TLS_AES_256_GCM_SHA384"
};
std::optional<TlsSessionInfo> session_info(const SSL* ssl);

// The certificate's subject and expiry, for the log line at start and reload.
std::string describe_certificate(const TlsContext& ctx);

// Why a TLS operation failed: OpenSSL's error queue (drained), or the peer certificate's
// verification result when that is what failed.
std::string tls_error_text(const SSL* ssl = nullptr);

}  // namespace net
