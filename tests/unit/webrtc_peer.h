// A scripted WebRTC browser for unit tests, no sockets: libnice's STUN client for connectivity
// checks, an OpenSSL DTLS client over memory BIOs, libsrtp sessions for its media and our
// feedback, and RTP/RTCP builders (H.264 packetized like a browser, RTX, SR, BYE). Shared by the
// transport, RTP and session tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <srtp2/srtp.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "media/avc.h"
#include "media/flv.h"
#include "media/video.h"
#include "media_test_util.h"
#include "util/bytes.h"
#include "webrtc/certificate.h"
#include "webrtc/dtls_endpoint.h"
#include "webrtc/h264_depacketizer.h"
#include "webrtc/rtp_packet.h"
#include "webrtc/transport_address.h"

namespace webrtc_peer {

using util::Bytes;
using webrtc::TransportAddress;

inline TransportAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d,
                           std::uint16_t port) {
    TransportAddress t;
    t.ip[0] = a, t.ip[1] = b, t.ip[2] = c, t.ip[3] = d;
    t.port = port;
    return t;
}

// ---------------------------------------------------------------------------------------------
// STUN: the browser's connectivity checks (libnice's ICE usage), and reading our replies.

class StunClient {
  public:
    // Without `fingerprint` its requests lack FINGERPRINT (which the server must refuse).
    explicit StunClient(bool fingerprint = true) {
        static const std::uint16_t known[] = {
            STUN_ATTRIBUTE_USERNAME,       STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
            STUN_ATTRIBUTE_ERROR_CODE,     STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
            STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_PRIORITY,
            STUN_ATTRIBUTE_USE_CANDIDATE,  0};
        stun_agent_init(&agent_, known, STUN_COMPATIBILITY_RFC5389,
                        StunAgentUsageFlags(STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS |
                                            (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0)));
    }
    // A Binding request keyed with `password` (the server's ice-pwd), as the controlling agent
    // unless told otherwise (a controlled one conflicts with an ICE-lite server).
    Bytes request(const std::string& username, const std::string& password,
                  bool use_candidate = false, bool controlling = true) {
        StunMessage msg;
        std::uint8_t buf[1024];
        const size_t n = stun_usage_ice_conncheck_create(
            &agent_, &msg, buf, sizeof buf, reinterpret_cast<const uint8_t*>(username.data()),
            username.size(), reinterpret_cast<const uint8_t*>(password.data()), password.size(),
            use_candidate, controlling, 0x6E7F00FF, 0x0123456789ABCDEFull, nullptr,
            STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
        BOOST_REQUIRE(n > 0);
        return Bytes(buf, buf + n);
    }
    // Checks a reply against our open transactions and their keys (consuming the transaction);
    // `msg` is the parsed reply when it validates.
    StunValidationStatus validate(const Bytes& reply, StunMessage& msg) {
        return stun_agent_validate(&agent_, &msg, reply.data(), reply.size(), nullptr, nullptr);
    }
    // The XOR-MAPPED-ADDRESS of a success response to one of our requests (transaction,
    // MESSAGE-INTEGRITY and FINGERPRINT checked); nullopt for anything else.
    std::optional<TransportAddress> mapped_address(const Bytes& reply) {
        StunMessage msg;
        if (validate(reply, msg) != STUN_VALIDATION_SUCCESS) return std::nullopt;
        if (stun_message_get_class(&msg) != STUN_RESPONSE ||
            !stun_message_has_attribute(&msg, STUN_ATTRIBUTE_MESSAGE_INTEGRITY) ||
            !stun_message_has_attribute(&msg, STUN_ATTRIBUTE_FINGERPRINT))
            return std::nullopt;
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (stun_message_find_xor_addr(&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, &ss, &len) !=
            STUN_MESSAGE_RETURN_SUCCESS)
            return std::nullopt;
        TransportAddress t;
        if (ss.ss_family == AF_INET) {
            auto* s = reinterpret_cast<sockaddr_in*>(&ss);
            std::memcpy(t.ip.data(), &s->sin_addr, 4);
            t.port = ntohs(s->sin_port);
        } else {
            auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
            t.v6 = true;
            std::memcpy(t.ip.data(), &s->sin6_addr, 16);
            t.port = ntohs(s->sin6_port);
        }
        return t;
    }

  private:
    StunAgent agent_;
};

// ---------------------------------------------------------------------------------------------
// DTLS: an OpenSSL client over memory BIOs, with its own self-signed certificate and use_srtp.

// Splits what a memory BIO collected into DTLS records (13-byte header, 2-byte length).
inline std::vector<Bytes> split_records(const Bytes& stream) {
    std::vector<Bytes> out;
    std::size_t pos = 0;
    while (pos + 13 <= stream.size()) {
        const std::size_t len = util::read_be16(stream.data() + pos + 11);
        BOOST_REQUIRE(pos + 13 + len <= stream.size());
        out.emplace_back(stream.begin() + long(pos), stream.begin() + long(pos + 13 + len));
        pos += 13 + len;
    }
    BOOST_REQUIRE(pos == stream.size());
    return out;
}

// The certificate of the server side under test: one per test binary, as making one costs a
// key generation.
inline std::shared_ptr<const webrtc::Certificate> server_cert() {
    static auto cert = [] {
        auto made = webrtc::Certificate::make();
        BOOST_REQUIRE(made.ok());
        return *made;
    }();
    return cert;
}

class DtlsClient {
  public:
    // A browser sends its certificate and offers use_srtp; without them the server must refuse.
    // fingerprint() is that of the certificate made either way.
    explicit DtlsClient(bool with_cert = true, bool with_srtp = true) {
        auto made = webrtc::Certificate::make();
        BOOST_REQUIRE(made.ok());
        cert_ = *made;
        ctx_ = SSL_CTX_new(DTLS_client_method());
        BOOST_REQUIRE(ctx_);
        if (with_cert) {
            BOOST_REQUIRE(SSL_CTX_use_certificate(ctx_, cert_->x509()) == 1);
            BOOST_REQUIRE(SSL_CTX_use_PrivateKey(ctx_, cert_->private_key()) == 1);
        }
        if (with_srtp)
            BOOST_REQUIRE(SSL_CTX_set_tlsext_use_srtp(ctx_, "SRTP_AES128_CM_SHA1_80") == 0);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
        SSL_CTX_set_options(ctx_, SSL_OP_NO_QUERY_MTU);
        ssl_ = SSL_new(ctx_);
        BIO* in = BIO_new(BIO_s_mem());
        out_ = BIO_new(BIO_s_mem());
        in_ = in;
        BIO_set_mem_eof_return(in, -1);
        SSL_set_bio(ssl_, in, out_);
        SSL_set_connect_state(ssl_);
        DTLS_set_link_mtu(ssl_, 1200);
    }
    ~DtlsClient() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
    }
    DtlsClient(const DtlsClient&) = delete;
    DtlsClient& operator=(const DtlsClient&) = delete;

    const std::string& fingerprint() const { return cert_->fingerprint_sha256(); }
    bool done() const { return done_; }
    bool failed() const { return failed_; }
    SSL* ssl() const { return ssl_; }

    // Advances the handshake (the first call makes the ClientHello).
    void step() {
        if (done_ || failed_) return;
        ERR_clear_error();
        const int r = SSL_do_handshake(ssl_);
        if (r == 1) {
            done_ = true;
        } else {
            const int e = SSL_get_error(ssl_, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) failed_ = true;
        }
        ERR_clear_error();
    }
    // One datagram from the server (it may pack several records).
    void give(util::ByteView d) {
        BIO_write(in_, d.data(), int(d.size()));
        step();
    }
    // Everything the client wrote since the last call, one record per datagram.
    std::vector<Bytes> take() {
        char* p = nullptr;
        const long n = BIO_get_mem_data(out_, &p);
        Bytes all(p, p + n);
        (void)BIO_reset(out_);
        return split_records(all);
    }
    // After give(): true when what arrived was the server's close_notify.
    bool read_close_notify() {
        char buf[64];
        ERR_clear_error();
        const int r = SSL_read(ssl_, buf, sizeof buf);
        const int e = SSL_get_error(ssl_, r);
        ERR_clear_error();
        return r <= 0 && e == SSL_ERROR_ZERO_RETURN;
    }
    void shutdown() { SSL_shutdown(ssl_); }
    // RFC 5764 §4.2 key order: client key, server key, client salt, server salt.
    webrtc::SrtpKeys keys() const {
        std::uint8_t m[60];
        BOOST_REQUIRE(SSL_export_keying_material(ssl_, m, sizeof m, "EXTRACTOR-dtls_srtp", 19,
                                                 nullptr, 0, 0) == 1);
        return webrtc::SrtpKeys{Bytes(m, m + 16), Bytes(m + 32, m + 46), Bytes(m + 16, m + 32),
                                Bytes(m + 46, m + 60)};
    }

  private:
    std::shared_ptr<const webrtc::Certificate> cert_;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    BIO* in_ = nullptr;
    BIO* out_ = nullptr;
    bool done_ = false, failed_ = false;
};

// ---------------------------------------------------------------------------------------------
// SRTP: one libsrtp session of the browser (outbound for its media, inbound for our feedback).

// libsrtp refuses a second srtp_init (bad_param) once SrtpContext has made it; either way the
// library is ready, and srtp_create below says so if it is not.
inline void srtp_init_once() {
    static const int status = srtp_init();
    (void)status;
}

class BrowserSrtp {
  public:
    BrowserSrtp(const Bytes& key, const Bytes& salt, srtp_ssrc_type_t direction) {
        srtp_init_once();
        unsigned char master[30];
        BOOST_REQUIRE(key.size() == 16u);
        BOOST_REQUIRE(salt.size() == 14u);
        std::copy(key.begin(), key.end(), master);
        std::copy(salt.begin(), salt.end(), master + 16);
        srtp_policy_t p{};
        srtp_crypto_policy_set_rtp_default(&p.rtp);
        srtp_crypto_policy_set_rtcp_default(&p.rtcp);
        p.ssrc.type = direction;
        p.key = master;
        p.window_size = 1024;
        BOOST_REQUIRE(srtp_create(&session_, &p) == srtp_err_status_ok);
    }
    ~BrowserSrtp() { srtp_dealloc(session_); }
    BrowserSrtp(const BrowserSrtp&) = delete;
    BrowserSrtp& operator=(const BrowserSrtp&) = delete;

    Bytes protect(Bytes p) {
        int len = int(p.size());
        p.resize(p.size() + SRTP_MAX_TRAILER_LEN);
        BOOST_REQUIRE(srtp_protect(session_, p.data(), &len) == srtp_err_status_ok);
        p.resize(std::size_t(len));
        return p;
    }
    Bytes protect_rtcp(Bytes p) {
        int len = int(p.size());
        p.resize(p.size() + SRTP_MAX_TRAILER_LEN + 4);
        BOOST_REQUIRE(srtp_protect_rtcp(session_, p.data(), &len) == srtp_err_status_ok);
        p.resize(std::size_t(len));
        return p;
    }
    // nullopt when the SRTCP packet does not authenticate (or is a replay).
    std::optional<Bytes> unprotect_rtcp(Bytes p) {
        int len = int(p.size());
        if (srtp_unprotect_rtcp(session_, p.data(), &len) != srtp_err_status_ok)
            return std::nullopt;
        p.resize(std::size_t(len));
        return p;
    }

  private:
    srtp_t session_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// RTP and RTCP the browser sends.

inline Bytes rtp(bool marker, std::uint8_t pt, std::uint16_t seq, std::uint32_t ts,
                 std::uint32_t ssrc, util::ByteView payload) {
    Bytes out{0x80, std::uint8_t((marker ? 0x80 : 0) | (pt & 0x7F))};
    util::append_be16(out, seq);
    util::append_be32(out, ts);
    util::append_be32(out, ssrc);
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

// RFC 4588: the RTX packet carrying `original` (plain RTP, no CSRC/extension): RTX payload type,
// SSRC and sequence number; the payload is the original seq then the original payload.
inline Bytes rtx(const Bytes& original, std::uint8_t rtx_pt, std::uint32_t rtx_ssrc,
                 std::uint16_t rtx_seq) {
    BOOST_REQUIRE(original.size() >= webrtc::kRtpHeaderSize);
    Bytes payload(original.begin() + 2, original.begin() + 4);  // the original seq
    payload.insert(payload.end(), original.begin() + long(webrtc::kRtpHeaderSize), original.end());
    return rtp(original[1] & 0x80, rtx_pt, rtx_seq, util::read_be32(original.data() + 4), rtx_ssrc,
               payload);
}

// NTP time (32.32) of `ms` milliseconds.
inline std::uint64_t ntp_of_ms(long long ms) {
    const std::uint64_t seconds = std::uint64_t(ms / 1000);
    const std::uint64_t frac = (std::uint64_t(ms % 1000) << 32) / 1000;
    return (seconds << 32) | frac;
}

// A sender report without report blocks (RFC 3550 §6.4.1), then SDES CNAME as browsers do.
inline Bytes rtcp_sr(std::uint32_t ssrc, std::uint64_t ntp, std::uint32_t rtp_ts,
                     std::uint32_t packets = 0, std::uint32_t octets = 0) {
    Bytes p{0x80, 200, 0, 6};
    util::append_be32(p, ssrc);
    util::append_be32(p, std::uint32_t(ntp >> 32));
    util::append_be32(p, std::uint32_t(ntp));
    util::append_be32(p, rtp_ts);
    util::append_be32(p, packets);
    util::append_be32(p, octets);
    // SDES: one chunk, CNAME "peer" (1+1+4 bytes), END, padded to 4 bytes.
    const Bytes sdes{0x81, 202, 0, 3};
    p.insert(p.end(), sdes.begin(), sdes.end());
    util::append_be32(p, ssrc);
    const Bytes item{1, 4, 'p', 'e', 'e', 'r', 0, 0};
    p.insert(p.end(), item.begin(), item.end());
    return p;
}

// An empty receiver report then BYE for the sources listed.
inline Bytes rtcp_bye(std::uint32_t sender, const std::vector<std::uint32_t>& ssrcs) {
    Bytes p{0x80, 201, 0, 1};
    util::append_be32(p, sender);
    p.push_back(std::uint8_t(0x80 | ssrcs.size()));
    p.push_back(203);
    util::append_be16(p, std::uint32_t(ssrcs.size()));
    for (auto s : ssrcs) util::append_be32(p, s);
    return p;
}

// One packet of a compound RTCP packet we sent back.
struct RtcpPacket {
    std::uint8_t type = 0, count = 0;  // count: RC, SC or FMT
    std::uint32_t sender = 0;
    Bytes body;  // after the sender SSRC
};

inline std::vector<RtcpPacket> split_rtcp(const Bytes& compound) {
    std::vector<RtcpPacket> out;
    std::size_t pos = 0;
    while (pos + 8 <= compound.size()) {
        const std::size_t len = (util::read_be16(compound.data() + pos + 2) + 1) * 4;
        BOOST_REQUIRE(compound[pos] >> 6 == 2);
        BOOST_REQUIRE(pos + len <= compound.size());
        RtcpPacket p;
        p.count = compound[pos] & 0x1F;
        p.type = compound[pos + 1];
        p.sender = util::read_be32(compound.data() + pos + 4);
        p.body.assign(compound.begin() + long(pos + 8), compound.begin() + long(pos + len));
        out.push_back(std::move(p));
        pos += len;
    }
    BOOST_REQUIRE(pos == compound.size());
    return out;
}

// ---------------------------------------------------------------------------------------------
// H.264: the fixture stream (640x360 High, keyframe every 30 frames), and packetizing it.

using Au = std::vector<Bytes>;

struct H264Stream {
    Bytes sps, pps;
    std::vector<Au> aus;            // NALs as they go on the wire (SPS/PPS before IDRs)
    std::vector<Bytes> flv_bodies;  // the original FLV NALU payloads after byte 5
    std::vector<bool> keyframes;
};

inline const H264Stream& fixture_stream() {
    static const H264Stream s = [] {
        H264Stream st;
        media::FlvReader reader;
        const auto file = media_test::fixture("h264_only.flv");
        auto fed = reader.feed(file, [&](const media::FlvTag& tag) {
            if (tag.header.type != 9) return;
            auto h = media::parse_video_tag_header(tag.payload);
            if (!h.ok()) return;
            const util::ByteView body = util::ByteView(tag.payload).subspan(5);
            if (h->sequence_header) {
                auto config = media::parse_avc_decoder_config(body);
                if (config.ok()) {
                    st.sps = config->sps.at(0);
                    st.pps = config->pps.at(0);
                }
                return;
            }
            if (h->packet_type != 1) return;  // the end-of-sequence tag
            Au au;
            if (h->keyframe) {
                au.push_back(st.sps);
                au.push_back(st.pps);
            }
            util::Reader r(body);
            std::uint32_t len;
            util::ByteView nal;
            while (r.be32(len) && r.bytes(len, nal)) au.emplace_back(nal.begin(), nal.end());
            st.aus.push_back(std::move(au));
            st.flv_bodies.emplace_back(body.begin(), body.end());
            st.keyframes.push_back(h->keyframe);
        });
        if (!fed.ok()) throw std::runtime_error("fixture did not parse");
        return st;
    }();
    return s;
}

// The RTP payloads of one access unit as a browser sends them at `mtu`: small NALs aggregated
// into STAP-A, large ones split into FU-A, the rest as single NAL packets.
inline std::vector<Bytes> h264_payloads(const Au& au, std::size_t mtu = 1200) {
    const std::size_t budget = mtu - webrtc::kRtpHeaderSize;
    std::vector<Bytes> payloads;
    for (std::size_t i = 0; i < au.size();) {
        const auto& nal = au[i];
        if (nal.size() > budget) {
            const std::uint8_t indicator = std::uint8_t((nal[0] & 0xE0) | webrtc::kNalFuA);
            for (std::size_t pos = 1; pos < nal.size();) {
                const std::size_t n = std::min(budget - 2, nal.size() - pos);
                Bytes p{indicator, std::uint8_t(nal[0] & 0x1F)};
                if (pos == 1) p[1] |= 0x80;
                if (pos + n == nal.size()) p[1] |= 0x40;
                p.insert(p.end(), nal.begin() + long(pos), nal.begin() + long(pos + n));
                payloads.push_back(std::move(p));
                pos += n;
            }
            ++i;
            continue;
        }
        std::size_t j = i, size = 1;
        while (j < au.size() && size + 2 + au[j].size() <= budget) size += 2 + au[j++].size();
        if (j - i >= 2) {
            Bytes p{std::uint8_t((au[i][0] & 0x60) | webrtc::kNalStapA)};
            for (std::size_t k = i; k < j; ++k) {
                util::append_be16(p, std::uint32_t(au[k].size()));
                p.insert(p.end(), au[k].begin(), au[k].end());
            }
            payloads.push_back(std::move(p));
            i = j;
        } else {
            payloads.push_back(nal);
            ++i;
        }
    }
    return payloads;
}

// One video source: plain RTP packets per access unit, sequence numbers running on.
struct VideoSender {
    std::uint8_t pt = 102;
    std::uint32_t ssrc = 0x1111AAAA;
    std::uint16_t seq = 0;
    std::uint32_t ts0 = 0;
    std::uint32_t ts_step = 3000;  // 30 fps at 90 kHz
    std::size_t mtu = 1200;
    std::vector<Bytes> packets(const Au& au, std::size_t index) {
        const auto payloads = h264_payloads(au, mtu);
        std::vector<Bytes> out;
        const std::uint32_t ts = ts0 + ts_step * std::uint32_t(index);
        for (std::size_t k = 0; k < payloads.size(); ++k)
            out.push_back(rtp(k + 1 == payloads.size(), pt, seq++, ts, ssrc, payloads[k]));
        return out;
    }
};

// ---------------------------------------------------------------------------------------------
// The browser as a whole: checks, handshake, then SRTP both ways once the handshake is done.

struct Browser {
    StunClient stun;
    DtlsClient dtls;
    std::unique_ptr<BrowserSrtp> out;  // protects its media
    std::unique_ptr<BrowserSrtp> in;   // reads our feedback

    // Once the handshake is done: makes the SRTP sessions from the exported keys.
    void keys_ready() {
        BOOST_REQUIRE(dtls.done());
        const webrtc::SrtpKeys k = dtls.keys();
        out = std::make_unique<BrowserSrtp>(k.client_key, k.client_salt, ssrc_any_outbound);
        in = std::make_unique<BrowserSrtp>(k.server_key, k.server_salt, ssrc_any_inbound);
    }
};

}  // namespace webrtc_peer
