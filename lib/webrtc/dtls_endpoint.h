// The DTLS server side of DTLS-SRTP (RFC 5763/5764) as a sans-IO state machine over OpenSSL:
// datagrams in, datagrams out, the peer's certificate checked against the offer's fingerprint,
// SRTP keys exported once the handshake is done.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/bytes.h"
#include "webrtc/certificate.h"

namespace webrtc {

// Records larger than this are no DTLS we speak (a handshake record is at most ~1200 here).
inline constexpr std::size_t kMaxDtlsDatagram = 16 * 1024;
// Outgoing datagrams stay below the path MTU a browser assumes for its own DTLS.
inline constexpr int kDtlsMtu = 1200;

// SRTP_AES128_CM_SHA1_80: 16-byte master keys, 14-byte master salts.
struct SrtpKeys {
    util::Bytes client_key, client_salt;  // the browser's (DTLS client) sending keys
    util::Bytes server_key, server_salt;  // ours
};

class DtlsEndpoint {
  public:
    // expected_peer_fingerprint: the offer's `a=fingerprint:sha-256` value ("AB:CD:...", any
    // case). Construction never throws: a setup failure shows as failed().
    DtlsEndpoint(std::shared_ptr<const Certificate> cert, std::string expected_peer_fingerprint);
    ~DtlsEndpoint();
    DtlsEndpoint(const DtlsEndpoint&) = delete;
    DtlsEndpoint& operator=(const DtlsEndpoint&) = delete;

    // One datagram from the peer (RFC 7983 class DTLS); `out` gets the datagrams to send back.
    // Oversized or empty datagrams and any input after failure or close are ignored.
    void receive(util::ByteView datagram, long long now_ms, std::vector<util::Bytes>& out);
    // When on_deadline() wants to be called (handshake retransmission), in the caller's clock.
    std::optional<long long> deadline() const { return deadline_; }
    void on_deadline(long long now_ms, std::vector<util::Bytes>& out);
    // Sends our close_notify (the session is ending).
    void close(std::vector<util::Bytes>& out);

    bool connected() const { return connected_; }
    bool failed() const { return failed_; }
    bool peer_closed() const { return peer_closed_; }  // close_notify received
    const std::string& error() const { return error_; }
    // Set once connected().
    std::optional<SrtpKeys> srtp_keys() const { return keys_; }

  private:
    static int bio_write(BIO* bio, const char* data, int len);
    static long bio_ctrl(BIO* bio, int cmd, long num, void* ptr);
    static int verify(int preverify_ok, X509_STORE_CTX* store);
    void setup();
    void fail(std::string why);
    void drive();  // advances the handshake or reads records after it
    void handshake_done();
    void finish(long long now_ms, std::vector<util::Bytes>& out);
    bool peer_matches(X509* peer) const;

    std::shared_ptr<const Certificate> cert_;
    std::string expected_fingerprint_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    BIO* rbio_ = nullptr;              // owned by ssl_
    std::vector<util::Bytes> outbox_;  // filled by bio_write
    bool flight_ended_ = true;         // next write starts a new datagram
    std::optional<long long> deadline_;
    bool connected_ = false, failed_ = false, peer_closed_ = false, closed_ = false;
    bool fingerprint_mismatch_ = false;
    std::string error_;
    std::optional<SrtpKeys> keys_;
};

}  // namespace webrtc
