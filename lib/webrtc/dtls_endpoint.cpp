// DTLS server over OpenSSL 3: a memory BIO carries each received datagram in, a small custom BIO
// collects what OpenSSL writes into datagrams of at most kDtlsMtu bytes (records of one flight
// packed together), so no socket is involved.
#include "webrtc/dtls_endpoint.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <mutex>

namespace webrtc {
namespace {

constexpr const char* kSrtpProfile = "SRTP_AES128_CM_SHA1_80";
constexpr std::size_t kKeyLen = 16, kSaltLen = 14;
// Application data is not expected (no data channels); reads are drained in bounded steps.
constexpr int kMaxReadsPerDatagram = 64;

BIO_METHOD* writer_method(int (*write)(BIO*, const char*, int),
                          long (*ctrl)(BIO*, int, long, void*)) {
    static BIO_METHOD* method = nullptr;
    static std::once_flag once;
    std::call_once(once, [&] {
        method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rtmpkit dtls writer");
        if (!method) return;
        BIO_meth_set_write(method, write);
        BIO_meth_set_ctrl(method, ctrl);
        BIO_meth_set_create(method, [](BIO* b) {
            BIO_set_init(b, 1);
            return 1;
        });
    });
    return method;
}

// The first queued OpenSSL error as text, and the queue cleared so the next call starts clean.
std::string ssl_error_text() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (!e) return "unknown error";
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return buf;
}

std::string normalized(std::string fp) {
    std::string s;
    for (char c : fp) {
        if (!std::isspace(static_cast<unsigned char>(c))) {
            s += char(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return s;
}

// Repeat the server's flight after 400 ms, doubling up to 6.4 s; OpenSSL gives up after 12.
unsigned int retransmit_after_us(SSL*, unsigned int previous_us) {
    return previous_us == 0 ? 400000u : std::min(previous_us * 2, 6400000u);
}

}  // namespace

int DtlsEndpoint::bio_write(BIO* bio, const char* data, int len) {
    auto* self = static_cast<DtlsEndpoint*>(BIO_get_data(bio));
    if (!self || len <= 0) return len;
    const auto* p = reinterpret_cast<const std::uint8_t*>(data);
    auto& box = self->outbox_;
    if (!self->flight_ended_ && !box.empty() &&
        box.back().size() + std::size_t(len) <= std::size_t(kDtlsMtu)) {
        box.back().insert(box.back().end(), p, p + len);
    } else {
        box.emplace_back(p, p + len);
    }
    self->flight_ended_ = false;
    return len;
}

long DtlsEndpoint::bio_ctrl(BIO* bio, int cmd, long, void*) {
    switch (cmd) {
        case BIO_CTRL_FLUSH:  // OpenSSL flushes at the end of each flight
            if (auto* self = static_cast<DtlsEndpoint*>(BIO_get_data(bio))) {
                self->flight_ended_ = true;
            }
            return 1;
        case BIO_CTRL_DGRAM_QUERY_MTU:  // unused: SSL_OP_NO_QUERY_MTU and a fixed link MTU
        case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        case BIO_CTRL_WPENDING:
        case BIO_CTRL_PENDING:
        default:
            return 0;
    }
}

// Browsers present self-signed certificates: the chain proves nothing, the fingerprint from the
// signalled offer is the trust anchor (RFC 8827 §6.5). A mismatch aborts with an alert.
int DtlsEndpoint::verify(int, X509_STORE_CTX* store) {
    if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = ssl ? static_cast<DtlsEndpoint*>(SSL_get_app_data(ssl)) : nullptr;
    if (!self) return 0;
    if (self->peer_matches(X509_STORE_CTX_get_current_cert(store))) return 1;
    self->fingerprint_mismatch_ = true;
    return 0;
}

bool DtlsEndpoint::peer_matches(X509* peer) const {
    const std::string got = fingerprint_sha256(peer);
    return !got.empty() && got == expected_fingerprint_;
}

DtlsEndpoint::DtlsEndpoint(std::shared_ptr<const Certificate> cert,
                           std::string expected_peer_fingerprint)
    : cert_(std::move(cert)),
      expected_fingerprint_(normalized(std::move(expected_peer_fingerprint))) {
    setup();
}

void DtlsEndpoint::setup() {
    if (!cert_) return fail("no certificate");
    if (expected_fingerprint_.empty()) return fail("the offer has no sha-256 fingerprint");
    ERR_clear_error();
    ctx_ = SSL_CTX_new(DTLS_method());
    if (!ctx_) return fail("SSL_CTX_new: " + ssl_error_text());
    SSL_CTX_set_min_proto_version(ctx_, DTLS1_2_VERSION);
    // No session tickets: every WebRTC session makes fresh keys, and a ticket would add ~500
    // bytes to the last flight.
    SSL_CTX_set_options(ctx_, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify);
    // Note: SSL_CTX_set_tlsext_use_srtp returns 0 on success.
    if (SSL_CTX_use_certificate(ctx_, cert_->x509()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, cert_->private_key()) != 1 ||
        SSL_CTX_check_private_key(ctx_) != 1 ||
        SSL_CTX_set_tlsext_use_srtp(ctx_, kSrtpProfile) != 0) {
        return fail("DTLS context setup: " + ssl_error_text());
    }
    ssl_ = SSL_new(ctx_);
    BIO_METHOD* method = writer_method(bio_write, bio_ctrl);
    BIO* wbio = method ? BIO_new(method) : nullptr;
    rbio_ = BIO_new(BIO_s_mem());
    if (!ssl_ || !wbio || !rbio_) {
        BIO_free(wbio);
        BIO_free(rbio_);
        rbio_ = nullptr;
        return fail("DTLS setup: out of memory");
    }
    BIO_set_mem_eof_return(rbio_, -1);  // empty means "no datagram yet", not end of stream
    BIO_set_data(wbio, this);
    SSL_set_bio(ssl_, rbio_, wbio);
    SSL_set_app_data(ssl_, this);
    SSL_set_accept_state(ssl_);
    DTLS_set_timer_cb(ssl_, retransmit_after_us);
    if (DTLS_set_link_mtu(ssl_, kDtlsMtu) != 1) return fail("DTLS_set_link_mtu failed");
}

DtlsEndpoint::~DtlsEndpoint() {
    SSL_free(ssl_);  // frees both BIOs
    SSL_CTX_free(ctx_);
}

void DtlsEndpoint::fail(std::string why) {
    if (failed_) return;
    failed_ = true;
    error_ = std::move(why);
    deadline_.reset();
}

void DtlsEndpoint::receive(util::ByteView datagram, long long now_ms,
                           std::vector<util::Bytes>& out) {
    if (failed_ || closed_ || peer_closed_ || !ssl_) return;
    if (datagram.empty() || datagram.size() > kMaxDtlsDatagram) return;
    ERR_clear_error();
    (void)BIO_reset(rbio_);  // datagrams are independent: never join a leftover to this one
    if (BIO_write(rbio_, datagram.data(), int(datagram.size())) != int(datagram.size())) {
        return fail("cannot buffer a datagram");
    }
    drive();
    finish(now_ms, out);
}

void DtlsEndpoint::on_deadline(long long now_ms, std::vector<util::Bytes>& out) {
    if (failed_ || closed_ || !ssl_ || !deadline_ || now_ms < *deadline_) return;
    ERR_clear_error();
    // OpenSSL checks its own clock here: if it thinks the timer has not expired yet it does
    // nothing, and finish() sets a new deadline for the remainder.
    if (DTLSv1_handle_timeout(ssl_) < 0) {
        fail(fingerprint_mismatch_ ? "peer certificate does not match the offer's fingerprint"
                                   : "DTLS handshake timed out: " + ssl_error_text());
    }
    finish(now_ms, out);
}

void DtlsEndpoint::close(std::vector<util::Bytes>& out) {
    if (closed_ || !ssl_) return;
    closed_ = true;
    deadline_.reset();
    if (connected_ && !failed_) {
        ERR_clear_error();
        (void)SSL_shutdown(ssl_);  // queues close_notify; we do not wait for the peer's
        ERR_clear_error();
    }
    std::move(outbox_.begin(), outbox_.end(), std::back_inserter(out));
    outbox_.clear();
}

void DtlsEndpoint::drive() {
    if (!connected_) {
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) {
            handshake_done();
            if (failed_) return;
        } else {
            const int e = SSL_get_error(ssl_, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
            if (e == SSL_ERROR_ZERO_RETURN) {
                peer_closed_ = true;
                return fail("peer closed during the handshake");
            }
            if (fingerprint_mismatch_) {
                return fail("peer certificate does not match the offer's fingerprint");
            }
            return fail("DTLS handshake failed: " + ssl_error_text());
        }
    }
    // After the handshake: retransmitted client flights (answered inside SSL_read), alerts,
    // close_notify; application data is dropped.
    unsigned char buf[2048];
    for (int i = 0; i < kMaxReadsPerDatagram; ++i) {
        const int r = SSL_read(ssl_, buf, sizeof buf);
        if (r > 0) continue;
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_ZERO_RETURN) {
            peer_closed_ = true;
            deadline_.reset();
        } else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            fail("DTLS error: " + ssl_error_text());
        }
        return;
    }
}

void DtlsEndpoint::handshake_done() {
    // The verify callback already checked the leaf; checking again costs nothing and does not
    // depend on OpenSSL having called it at depth 0.
    if (!peer_matches(SSL_get0_peer_certificate(ssl_))) {
        return fail("peer certificate does not match the offer's fingerprint");
    }
    const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_);
    if (!profile || profile->id != SRTP_AES128_CM_SHA1_80) {
        return fail("peer did not negotiate SRTP_AES128_CM_SHA1_80");
    }
    // RFC 5764 §4.2: client key, server key, client salt, server salt.
    std::uint8_t m[2 * (kKeyLen + kSaltLen)];
    static const char kLabel[] = "EXTRACTOR-dtls_srtp";
    if (SSL_export_keying_material(ssl_, m, sizeof m, kLabel, sizeof kLabel - 1, nullptr, 0, 0) !=
        1) {
        return fail("cannot export SRTP keys: " + ssl_error_text());
    }
    SrtpKeys k;
    const std::uint8_t* p = m;
    k.client_key.assign(p, p + kKeyLen);
    p += kKeyLen;
    k.server_key.assign(p, p + kKeyLen);
    p += kKeyLen;
    k.client_salt.assign(p, p + kSaltLen);
    p += kSaltLen;
    k.server_salt.assign(p, p + kSaltLen);
    keys_ = std::move(k);
    connected_ = true;
}

void DtlsEndpoint::finish(long long now_ms, std::vector<util::Bytes>& out) {
    (void)BIO_reset(rbio_);
    std::move(outbox_.begin(), outbox_.end(), std::back_inserter(out));
    outbox_.clear();
    flight_ended_ = true;
    deadline_.reset();
    timeval tv{};
    if (!failed_ && !closed_ && DTLSv1_get_timeout(ssl_, &tv) == 1) {
        // Rounded up so that on_deadline() does not come before OpenSSL's own timer.
        deadline_ = now_ms + tv.tv_sec * 1000LL + (tv.tv_usec + 999) / 1000;
    }
    ERR_clear_error();
}

}  // namespace webrtc
