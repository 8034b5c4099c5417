// Unit tests for the WebRTC transport layer: RFC 7983 demultiplexing, transport addresses, the
// ICE-lite STUN responder against libnice's own STUN client, the certificate, a real DTLS-SRTP
// handshake against an OpenSSL client (reordering, duplicates, loss, wrong fingerprint, garbage)
// and SRTP/SRTCP against a "browser" built with libsrtp directly (the scripted browser of
// tests/unit/webrtc_peer.h).
#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>
#include <stun/stunagent.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "webrtc/certificate.h"
#include "webrtc/dtls_endpoint.h"
#include "webrtc/packet_kind.h"
#include "webrtc/srtp_context.h"
#include "webrtc/stun_responder.h"
#include "webrtc/transport_address.h"
#include "webrtc_peer.h"

using namespace webrtc;
using namespace webrtc_peer;
using util::Bytes;

namespace {

TransportAddress v6(const char* text, std::uint16_t port) {
    TransportAddress t;
    t.v6 = true;
    BOOST_REQUIRE(inet_pton(AF_INET6, text, t.ip.data()) == 1);
    t.port = port;
    return t;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(webrtc_transport)

// ---------------------------------------------------------------------------------------------
// classify

BOOST_AUTO_TEST_CASE(classify_follows_rfc7983_first_byte_ranges) {
    auto kind = [](std::initializer_list<std::uint8_t> b) {
        const Bytes v(b);
        return classify(v);
    };
    BOOST_TEST((kind({}) == PacketKind::Unknown));
    for (int b = 0; b <= 3; ++b) BOOST_TEST((kind({std::uint8_t(b), 1}) == PacketKind::Stun));
    for (int b = 4; b <= 19; ++b) BOOST_TEST((kind({std::uint8_t(b), 1}) == PacketKind::Unknown));
    for (int b = 20; b <= 63; ++b) BOOST_TEST((kind({std::uint8_t(b), 1}) == PacketKind::Dtls));
    for (int b = 64; b <= 127; ++b) BOOST_TEST((kind({std::uint8_t(b), 1}) == PacketKind::Unknown));
    for (int b = 192; b <= 255; ++b)
        BOOST_TEST((kind({std::uint8_t(b), 1}) == PacketKind::Unknown));
    // A single byte in the RTP range cannot be told RTP or RTCP.
    BOOST_TEST((kind({0x80}) == PacketKind::Unknown));
    BOOST_TEST((kind({0x16}) == PacketKind::Dtls));
}

BOOST_AUTO_TEST_CASE(classify_tells_rtcp_from_rtp_by_second_byte) {
    for (int b1 = 0; b1 <= 255; ++b1) {
        const Bytes p{0x80, std::uint8_t(b1), 0, 1};
        const PacketKind want = b1 >= 192 && b1 <= 223 ? PacketKind::Rtcp : PacketKind::Rtp;
        BOOST_TEST((classify(p) == want), "second byte " << b1);
    }
    // Marker bit set with PT 111 (Opus) is 0xEF: RTP. SR/RR/PSFB are RTCP.
    BOOST_TEST((classify(Bytes{0x90, 0xEF}) == PacketKind::Rtp));
    BOOST_TEST((classify(Bytes{0x81, 200}) == PacketKind::Rtcp));
    BOOST_TEST((classify(Bytes{0x81, 206}) == PacketKind::Rtcp));
    BOOST_TEST((classify(Bytes{0xBF, 201}) == PacketKind::Rtcp));
}

// ---------------------------------------------------------------------------------------------
// TransportAddress

BOOST_AUTO_TEST_CASE(transport_address_text_v4_and_rfc5952_v6) {
    BOOST_TEST(v4(1, 2, 3, 4, 5).text() == "1.2.3.4:5");
    BOOST_TEST(v4(255, 255, 255, 255, 65535).text() == "255.255.255.255:65535");
    BOOST_TEST(v4(0, 0, 0, 0, 0).text() == "0.0.0.0:0");
    BOOST_TEST(v6("::1", 5).text() == "[::1]:5");
    BOOST_TEST(v6("::", 0).text() == "[::]:0");
    BOOST_TEST(v6("2001:db8::1", 443).text() == "[2001:db8::1]:443");
    BOOST_TEST(v6("fe80::", 1).text() == "[fe80::]:1");
    // The longest run is shortened; on a tie the first; a single zero group never.
    BOOST_TEST(v6("1:0:0:2:0:0:0:3", 9).text() == "[1:0:0:2::3]:9");
    BOOST_TEST(v6("1:0:0:2:3:0:0:4", 9).text() == "[1::2:3:0:0:4]:9");
    BOOST_TEST(v6("1:0:2:3:4:5:6:7", 9).text() == "[1:0:2:3:4:5:6:7]:9");
    BOOST_TEST(v6("abcd:ef01:2345:6789:abcd:ef01:2345:6789", 1).text() ==
               "[abcd:ef01:2345:6789:abcd:ef01:2345:6789]:1");
    BOOST_TEST(v6("0:0:1::", 1).text() == "[0:0:1::]:1");
    BOOST_TEST(v6("0:0:1:0:0:0:1:0", 1).text() == "[0:0:1::1:0]:1");
}

BOOST_AUTO_TEST_CASE(transport_address_compares_family_ip_and_port) {
    BOOST_TEST((v4(1, 2, 3, 4, 5) == v4(1, 2, 3, 4, 5)));
    BOOST_TEST(!(v4(1, 2, 3, 4, 5) == v4(1, 2, 3, 4, 6)));
    BOOST_TEST(!(v4(1, 2, 3, 4, 5) == v4(1, 2, 3, 5, 5)));
    TransportAddress a = v4(1, 2, 3, 4, 5), b = a;
    b.v6 = true;
    BOOST_TEST(!(a == b));
    BOOST_TEST((a < b));
    BOOST_TEST((v4(1, 2, 3, 4, 5) < v4(1, 2, 3, 4, 6)));
    BOOST_TEST(!(v4(1, 2, 3, 4, 6) < v4(1, 2, 3, 4, 5)));
    BOOST_TEST((v4(1, 2, 3, 4, 9) < v4(1, 2, 3, 5, 1)));
}

// ---------------------------------------------------------------------------------------------
// STUN

namespace {

const StunCredentials kCreds{"srvU", "serverpassword0123456789", "cliU"};
// The USERNAME a browser sends: our ufrag, then its own.
const std::string kUser = kCreds.local_ufrag + ":" + kCreds.remote_ufrag;

}  // namespace

BOOST_AUTO_TEST_CASE(stun_reply_validates_and_maps_ipv4_source) {
    StunClient c;
    const Bytes req = c.request(kUser, kCreds.local_pwd);
    const TransportAddress from = v4(192, 168, 7, 33, 50123);
    const StunAnswer a = answer_binding(req, kCreds, from);
    BOOST_TEST((a.kind == StunAnswer::Kind::Reply), a.error);
    BOOST_TEST(!a.use_candidate);
    // Binding success response, same transaction id.
    BOOST_REQUIRE(a.reply.size() >= 20);
    BOOST_TEST(util::read_be16(a.reply.data()) == 0x0101u);
    BOOST_TEST(std::equal(req.begin() + 4, req.begin() + 20, a.reply.begin() + 4));
    const auto mapped = c.mapped_address(a.reply);
    BOOST_REQUIRE(mapped.has_value());
    BOOST_TEST((*mapped == from), mapped->text());
}

BOOST_AUTO_TEST_CASE(stun_reply_maps_ipv6_source_and_reports_use_candidate) {
    StunClient c;
    const TransportAddress from = v6("2001:db8:1234::42", 9);
    const StunAnswer a =
        answer_binding(c.request(kUser, kCreds.local_pwd, /*use_candidate=*/true), kCreds, from);
    BOOST_TEST((a.kind == StunAnswer::Kind::Reply), a.error);
    BOOST_TEST(a.use_candidate);
    const auto mapped = c.mapped_address(a.reply);
    BOOST_REQUIRE(mapped.has_value());
    BOOST_TEST((*mapped == from), mapped->text());
}

BOOST_AUTO_TEST_CASE(stun_reply_is_keyed_with_our_password_only) {
    // A client that expects the reply to be signed with another key rejects it.
    StunClient c;
    const StunAnswer a =
        answer_binding(c.request(kUser, kCreds.local_pwd), kCreds, v4(127, 0, 0, 1, 1));
    BOOST_REQUIRE((a.kind == StunAnswer::Kind::Reply));
    StunClient other;
    // registers a transaction with the other key (different id anyway)
    other.request(kUser, "another-password-entirely");
    BOOST_TEST(!other.mapped_address(a.reply).has_value());
    // And replaying the same reply to the right client twice fails the second time
    // (the transaction was consumed), which shows the first validation really matched it.
    BOOST_TEST(c.mapped_address(a.reply).has_value());
    BOOST_TEST(!c.mapped_address(a.reply).has_value());
}

BOOST_AUTO_TEST_CASE(stun_username_reads_unvalidated_username) {
    StunClient c;
    BOOST_TEST(stun_username(c.request(kUser, kCreds.local_pwd)).value_or("-") == "srvU:cliU");
    BOOST_TEST(stun_username(c.request("x:y", kCreds.local_pwd)).value_or("-") == "x:y");
    BOOST_TEST(stun_username(c.request(kUser, "wrong")).value_or("-") == "srvU:cliU");
    BOOST_TEST(!stun_username(Bytes{}).has_value());
    BOOST_TEST(!stun_username(Bytes(20, 0)).has_value());
    // A success response is not a request.
    const StunAnswer a =
        answer_binding(StunClient().request(kUser, kCreds.local_pwd), kCreds, v4(1, 1, 1, 1, 1));
    BOOST_REQUIRE((a.kind == StunAnswer::Kind::Reply));
    BOOST_TEST(!stun_username(a.reply).has_value());
}

BOOST_AUTO_TEST_CASE(stun_username_bounds_length) {
    StunClient c;
    BOOST_TEST(stun_username(c.request(std::string(513, 'u'), kCreds.local_pwd)).has_value());
    BOOST_TEST(!stun_username(c.request(std::string(514, 'u'), kCreds.local_pwd)).has_value());
    // Without a USERNAME attribute there is nothing to return.
    Bytes bare{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
    bare.resize(20, 7);
    BOOST_TEST(!stun_username(bare).has_value());
    // A USERNAME whose length runs past the message.
    Bytes bad = bare;
    bad[3] = 8;
    const Bytes attr{0x00, 0x06, 0x00, 0x09, 'a', 'b', 'c', 'd'};
    bad.insert(bad.end(), attr.begin(), attr.end());
    BOOST_TEST(!stun_username(bad).has_value());
    bad[7 + 20 - 4] = 4;  // length 4: consistent now
    BOOST_TEST(stun_username(bad).value_or("-") == "abcd");
}

BOOST_AUTO_TEST_CASE(stun_wrong_password_is_unauthorized_without_reply) {
    StunClient c;
    const StunAnswer a =
        answer_binding(c.request(kUser, "not-the-server-password"), kCreds, v4(10, 0, 0, 1, 1000));
    BOOST_TEST((a.kind == StunAnswer::Kind::Unauthorized));
    BOOST_TEST(a.reply.empty());
    BOOST_TEST(!a.error.empty());
}

BOOST_AUTO_TEST_CASE(stun_wrong_username_is_unauthorized) {
    for (const char* user :
         {"srvU:other", "other:cliU", "srvU", "cliU:srvU", "srvU:cliU ", "srvU:cliUX", ":"}) {
        StunClient c;
        const StunAnswer a =
            answer_binding(c.request(user, kCreds.local_pwd), kCreds, v4(10, 0, 0, 1, 1000));
        BOOST_TEST((a.kind == StunAnswer::Kind::Unauthorized), user);
        BOOST_TEST(a.reply.empty());
    }
}

BOOST_AUTO_TEST_CASE(stun_missing_fingerprint_is_rejected) {
    StunClient c(false);
    const Bytes req = c.request(kUser, kCreds.local_pwd);
    BOOST_REQUIRE(stun_username(req).has_value());  // well-formed otherwise
    const StunAnswer a = answer_binding(req, kCreds, v4(10, 0, 0, 1, 1000));
    BOOST_TEST((a.kind == StunAnswer::Kind::BadRequest));
    BOOST_TEST(a.reply.empty());
}

BOOST_AUTO_TEST_CASE(stun_role_conflict_gets_487) {
    StunClient c;
    const StunAnswer a =
        answer_binding(c.request(kUser, kCreds.local_pwd, false, /*controlling=*/false), kCreds,
                       v4(10, 0, 0, 1, 1000));
    BOOST_TEST((a.kind == StunAnswer::Kind::BadRequest), a.error);
    BOOST_REQUIRE_MESSAGE(!a.reply.empty(), a.error);
    StunMessage msg;
    BOOST_REQUIRE(c.validate(a.reply, msg) == STUN_VALIDATION_SUCCESS);
    BOOST_TEST(stun_message_get_class(&msg) == STUN_ERROR);
    int code = 0;
    BOOST_TEST(stun_message_find_error(&msg, &code) == STUN_MESSAGE_RETURN_SUCCESS);
    BOOST_TEST(code == 487);
}

BOOST_AUTO_TEST_CASE(stun_every_bit_flip_and_truncation_is_rejected) {
    StunClient c;
    const Bytes req = c.request(kUser, kCreds.local_pwd);
    const TransportAddress from = v4(10, 0, 0, 1, 1000);
    BOOST_REQUIRE((answer_binding(req, kCreds, from).kind == StunAnswer::Kind::Reply));
    for (std::size_t i = 0; i < req.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            Bytes bad = req;
            bad[i] ^= std::uint8_t(1 << bit);
            const StunAnswer a = answer_binding(bad, kCreds, from);
            BOOST_TEST((a.kind != StunAnswer::Kind::Reply), "byte " << i << " bit " << bit);
        }
    }
    for (std::size_t n = 0; n < req.size(); ++n) {
        const util::ByteView cut(req.data(), n);
        BOOST_TEST((answer_binding(cut, kCreds, from).kind != StunAnswer::Kind::Reply), n);
        (void)stun_username(cut);
    }
    // Trailing bytes after a valid message.
    Bytes longer = req;
    longer.push_back(0);
    BOOST_TEST((answer_binding(longer, kCreds, from).kind == StunAnswer::Kind::Ignored));
}

BOOST_AUTO_TEST_CASE(stun_random_and_oversized_input_is_ignored) {
    std::mt19937 rng(7);
    const TransportAddress from = v4(10, 0, 0, 1, 1000);
    for (int i = 0; i < 3000; ++i) {
        Bytes junk(rng() % 200);
        for (auto& b : junk) b = std::uint8_t(rng());
        // Half of them look like STUN: right cookie and length, random attributes.
        if (i % 2 && junk.size() >= 20) {
            junk[0] = 0x00, junk[1] = 0x01;
            const std::size_t len = (junk.size() - 20) & ~std::size_t(3);
            junk.resize(20 + len);
            util::put_be16(junk.data() + 2, std::uint32_t(len));
            util::put_be32(junk.data() + 4, 0x2112A442);
        }
        BOOST_TEST((answer_binding(junk, kCreds, from).kind != StunAnswer::Kind::Reply));
        (void)stun_username(junk);
    }
    Bytes big(kMaxStunDatagram + 4, 0);
    util::put_be16(big.data(), 0x0001);
    util::put_be16(big.data() + 2, std::uint32_t(big.size() - 20));
    util::put_be32(big.data() + 4, 0x2112A442);
    BOOST_TEST((answer_binding(big, kCreds, from).kind == StunAnswer::Kind::Ignored));
    BOOST_TEST(!stun_username(big).has_value());
    // A Binding indication (consent keepalive style) or success response needs no answer.
    Bytes ind{0x00, 0x11, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42};
    ind.resize(20, 1);
    BOOST_TEST((answer_binding(ind, kCreds, from).kind == StunAnswer::Kind::Ignored));
}

// ---------------------------------------------------------------------------------------------
// Certificate

BOOST_AUTO_TEST_CASE(certificate_is_self_signed_p256_with_sdp_fingerprint) {
    auto made = Certificate::make();
    BOOST_REQUIRE(made.ok());
    const auto& cert = *made;
    const std::string& fp = cert->fingerprint_sha256();
    BOOST_REQUIRE(fp.size() == 32 * 3 - 1);
    for (std::size_t i = 0; i < fp.size(); ++i) {
        const char ch = fp[i];
        if (i % 3 == 2) {
            BOOST_TEST(ch == ':');
        } else {
            BOOST_TEST(((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F')), fp);
        }
    }
    BOOST_TEST(fingerprint_sha256(cert->x509()) == fp);
    BOOST_TEST(fingerprint_sha256(nullptr).empty());
    // SHA-256 of the DER, computed independently.
    unsigned char* der = nullptr;
    const int n = i2d_X509(cert->x509(), &der);
    BOOST_REQUIRE(n > 0);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(der, std::size_t(n), md, &mdlen, EVP_sha256(), nullptr);
    OPENSSL_free(der);
    char first[3];
    std::snprintf(first, sizeof first, "%02X", md[0]);
    BOOST_TEST(fp.substr(0, 2) == first);
    char last[3];
    std::snprintf(last, sizeof last, "%02X", md[31]);
    BOOST_TEST(fp.substr(fp.size() - 2) == last);

    EVP_PKEY* key = cert->private_key();
    BOOST_TEST(EVP_PKEY_is_a(key, "EC"));
    BOOST_TEST(EVP_PKEY_get_bits(key) == 256);
    BOOST_TEST(X509_verify(cert->x509(), key) == 1);
    BOOST_TEST(X509_check_private_key(cert->x509(), key) == 1);
    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert->x509()), NID_commonName, cn, sizeof cn);
    BOOST_TEST(std::string(cn) == "rtmpkit");
    BOOST_TEST(X509_cmp_current_time(X509_get0_notBefore(cert->x509())) < 0);
    BOOST_TEST(X509_cmp_current_time(X509_get0_notAfter(cert->x509())) > 0);

    auto other = Certificate::make();
    BOOST_REQUIRE(other.ok());
    BOOST_TEST((*other)->fingerprint_sha256() != fp);
    BOOST_TEST(ASN1_INTEGER_cmp(X509_get0_serialNumber(cert->x509()),
                                X509_get0_serialNumber((*other)->x509())) != 0);
}

// ---------------------------------------------------------------------------------------------
// DTLS

namespace {

std::string lower(std::string s) {
    for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

// Pumps both ways until neither side has anything to say. With `reorder`, the first two
// records of every flight of either side swap places (OpenSSL buffers the early one), each
// record travels in its own datagram and the client's first record is repeated after the
// flight (a stale duplicate).
void pump(DtlsClient& client, DtlsEndpoint& server, long long& now, bool reorder = false) {
    client.step();
    for (int round = 0; round < 20; ++round) {
        auto c2s = client.take();
        if (c2s.empty()) break;
        if (reorder) {
            if (c2s.size() >= 3) std::swap(c2s[0], c2s[1]);
            c2s.push_back(c2s.front());
        }
        std::vector<Bytes> s2c;
        for (const auto& d : c2s) {
            BOOST_TEST((classify(d) == PacketKind::Dtls));
            server.receive(d, now, s2c);
        }
        std::vector<Bytes> to_client;
        for (const auto& d : s2c) {
            BOOST_TEST(d.size() <= std::size_t(kDtlsMtu));
            BOOST_TEST((classify(d) == PacketKind::Dtls));
            if (!reorder) {
                to_client.push_back(d);
                continue;
            }
            for (auto& r : split_records(d)) to_client.push_back(std::move(r));
        }
        if (reorder && to_client.size() >= 3) std::swap(to_client[0], to_client[1]);
        for (const auto& d : to_client) client.give(d);
        now += 10;
    }
}

}  // namespace

BOOST_AUTO_TEST_CASE(dtls_handshake_with_reordering_derives_same_srtp_keys) {
    DtlsClient client;
    // The offer's fingerprint in lower case: compared case-insensitively.
    DtlsEndpoint server(server_cert(), lower(client.fingerprint()));
    BOOST_TEST(!server.failed());
    BOOST_TEST(!server.deadline().has_value());
    long long now = 1000;
    pump(client, server, now, /*reorder=*/true);
    BOOST_TEST(server.error() == "");
    BOOST_REQUIRE(server.connected());
    BOOST_REQUIRE(client.done());
    BOOST_TEST(!server.failed());
    BOOST_TEST(!server.peer_closed());
    BOOST_TEST(!server.deadline().has_value());  // nothing left to retransmit
    // The client sees the server's certificate, the one the answer announces.
    BOOST_TEST(fingerprint_sha256(SSL_get0_peer_certificate(client.ssl())) ==
               server_cert()->fingerprint_sha256());
    const auto* profile = SSL_get_selected_srtp_profile(client.ssl());
    BOOST_REQUIRE(profile);
    BOOST_TEST(profile->id == SRTP_AES128_CM_SHA1_80);

    const auto keys = server.srtp_keys();
    BOOST_REQUIRE(keys.has_value());
    const SrtpKeys theirs = client.keys();
    BOOST_TEST(keys->client_key == theirs.client_key);
    BOOST_TEST(keys->client_salt == theirs.client_salt);
    BOOST_TEST(keys->server_key == theirs.server_key);
    BOOST_TEST(keys->server_salt == theirs.server_salt);
    BOOST_TEST(keys->client_key.size() == 16u);
    BOOST_TEST(keys->server_salt.size() == 14u);
    BOOST_TEST(keys->client_key != keys->server_key);
}

BOOST_AUTO_TEST_CASE(dtls_fingerprint_mismatch_fails_handshake) {
    DtlsClient client;
    DtlsEndpoint server(server_cert(), server_cert()->fingerprint_sha256());  // not the client's
    long long now = 0;
    pump(client, server, now);
    BOOST_TEST(server.failed());
    BOOST_TEST(!server.connected());
    BOOST_TEST(!server.srtp_keys().has_value());
    BOOST_TEST(server.error().find("fingerprint") != std::string::npos, server.error());
    BOOST_TEST(!client.done());
    BOOST_TEST(client.failed());  // it got our alert
    BOOST_TEST(!server.deadline().has_value());
    // Anything later is ignored.
    std::vector<Bytes> out;
    server.receive(Bytes{22, 0xFE, 0xFD, 0, 0}, now, out);
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(dtls_client_without_certificate_or_srtp_fails) {
    {
        DtlsClient client(/*with_cert=*/false);
        DtlsEndpoint server(server_cert(), client.fingerprint());
        long long now = 0;
        pump(client, server, now);
        BOOST_TEST(server.failed());
        BOOST_TEST(!server.connected());
    }
    {
        DtlsClient client(true, /*with_srtp=*/false);
        DtlsEndpoint server(server_cert(), client.fingerprint());
        long long now = 0;
        pump(client, server, now);
        BOOST_TEST(server.failed());
        BOOST_TEST(!server.connected());
        BOOST_TEST(server.error().find("SRTP") != std::string::npos, server.error());
        BOOST_TEST(!server.srtp_keys().has_value());
    }
}

BOOST_AUTO_TEST_CASE(dtls_setup_errors_are_reported_not_thrown) {
    DtlsEndpoint no_fp(server_cert(), "  ");
    BOOST_TEST(no_fp.failed());
    DtlsEndpoint no_cert(nullptr, "AB:CD");
    BOOST_TEST(no_cert.failed());
    std::vector<Bytes> out;
    no_cert.receive(Bytes{22, 1, 2}, 0, out);
    no_cert.on_deadline(1 << 30, out);
    no_cert.close(out);
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(dtls_garbage_is_ignored_and_handshake_still_completes) {
    DtlsClient client;
    DtlsEndpoint server(server_cert(), client.fingerprint());
    std::mt19937 rng(11);
    std::vector<Bytes> out;
    for (int i = 0; i < 500; ++i) {
        Bytes junk(1 + rng() % 300);
        for (auto& b : junk) b = std::uint8_t(rng());
        if (i % 2) {  // a plausible record header, then junk
            junk.resize(std::max<std::size_t>(junk.size(), 13));
            junk[0] = std::uint8_t(20 + rng() % 4);
            junk[1] = 0xFE, junk[2] = 0xFD;
            util::put_be16(junk.data() + 11, std::uint32_t(junk.size() - 13));
        }
        server.receive(junk, i, out);
    }
    BOOST_TEST(out.empty());
    BOOST_TEST(!server.failed(), server.error());
    // Oversized and empty datagrams are dropped before OpenSSL sees them.
    server.receive(Bytes(kMaxDtlsDatagram + 1, 22), 0, out);
    server.receive(Bytes{}, 0, out);
    BOOST_TEST(out.empty());
    long long now = 1000;
    pump(client, server, now);
    BOOST_TEST(server.connected(), server.error());
    // And after the handshake, junk does not break the association either.
    for (int i = 0; i < 200; ++i) {
        Bytes junk(1 + rng() % 100);
        for (auto& b : junk) b = std::uint8_t(rng());
        junk[0] = std::uint8_t(20 + rng() % 4);
        server.receive(junk, now, out);
    }
    BOOST_TEST(!server.failed(), server.error());
    BOOST_TEST(server.connected());
}

BOOST_AUTO_TEST_CASE(dtls_lost_flight_is_retransmitted_at_deadline) {
    DtlsClient client;
    DtlsEndpoint server(server_cert(), client.fingerprint());
    client.step();
    std::vector<Bytes> lost;
    const long long t0 = 5000;
    for (const auto& d : client.take()) server.receive(d, t0, lost);
    BOOST_REQUIRE(!lost.empty());  // ServerHello .. ServerHelloDone, dropped on the way
    const auto deadline = server.deadline();
    BOOST_REQUIRE(deadline.has_value());
    BOOST_TEST(*deadline > t0);
    BOOST_TEST(*deadline <= t0 + 400 + 1);
    std::vector<Bytes> out;
    server.on_deadline(*deadline - 1, out);  // early: nothing
    BOOST_TEST(out.empty());
    // OpenSSL's timer runs on the real clock.
    std::this_thread::sleep_for(std::chrono::milliseconds(*deadline - t0 + 20));
    server.on_deadline(*deadline + 20, out);
    BOOST_REQUIRE(!out.empty());
    // The retransmission carries the same handshake messages (new record numbers).
    std::size_t lost_bytes = 0, out_bytes = 0;
    for (const auto& d : lost) lost_bytes += d.size();
    for (const auto& d : out) out_bytes += d.size();
    BOOST_TEST(out_bytes == lost_bytes);
    BOOST_TEST(server.deadline().value_or(0) > *deadline + 20);  // backed off
    for (const auto& d : out) client.give(d);
    long long now = *deadline + 30;
    pump(client, server, now);
    BOOST_TEST(server.connected(), server.error());
    BOOST_TEST(client.done());
}

BOOST_AUTO_TEST_CASE(dtls_close_notify_both_ways) {
    DtlsClient client;
    DtlsEndpoint server(server_cert(), client.fingerprint());
    long long now = 0;
    pump(client, server, now);
    BOOST_REQUIRE(server.connected());
    BOOST_REQUIRE(client.done());
    // Our close_notify reaches the client.
    std::vector<Bytes> out;
    server.close(out);
    BOOST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out[0][0] == 21);  // alert
    client.give(out[0]);
    char buf[16];
    BOOST_TEST(SSL_read(client.ssl(), buf, sizeof buf) <= 0);
    BOOST_TEST(SSL_get_error(client.ssl(), 0) == SSL_ERROR_ZERO_RETURN);
    // Input after close is ignored.
    out.clear();
    server.receive(Bytes{23, 0xFE, 0xFD}, now, out);
    BOOST_TEST(out.empty());

    // The peer's close_notify is reported.
    DtlsClient c2;
    DtlsEndpoint s2(server_cert(), c2.fingerprint());
    pump(c2, s2, now);
    BOOST_REQUIRE(s2.connected());
    c2.shutdown();
    for (const auto& d : c2.take()) s2.receive(d, now, out);
    BOOST_TEST(s2.peer_closed());
    BOOST_TEST(!s2.failed());
    BOOST_TEST(s2.srtp_keys().has_value());  // keys stay readable
}

// ---------------------------------------------------------------------------------------------
// SRTP

namespace {

SrtpKeys fixed_keys() {
    SrtpKeys k;
    for (int i = 0; i < 16; ++i) k.client_key.push_back(std::uint8_t(i + 1));
    for (int i = 0; i < 14; ++i) k.client_salt.push_back(std::uint8_t(0x40 + i));
    for (int i = 0; i < 16; ++i) k.server_key.push_back(std::uint8_t(0x80 + i));
    for (int i = 0; i < 14; ++i) k.server_salt.push_back(std::uint8_t(0xC0 + i));
    return k;
}

// RTP with PT 102 and a `size`-byte payload, all fields derived from `seq`.
Bytes rtp(std::uint16_t seq, std::uint32_t ssrc, std::size_t size) {
    Bytes payload(size);
    for (std::size_t i = 0; i < size; ++i) payload[i] = std::uint8_t(i * 7 + seq);
    return webrtc_peer::rtp(false, 102, seq, 90000u * seq, ssrc, payload);
}

// A receiver report with one report block (RFC 3550 §6.4.2).
Bytes rtcp_rr(std::uint32_t ssrc) {
    Bytes p{0x81, 201, 0, 7};
    util::append_be32(p, ssrc);
    for (int i = 0; i < 6; ++i) util::append_be32(p, 0x01020304u * std::uint32_t(i + 1));
    return p;
}

// PLI (RFC 4585 §6.3.1): PSFB, FMT 1.
Bytes rtcp_pli(std::uint32_t sender, std::uint32_t media) {
    Bytes p{0x81, 206, 0, 2};
    util::append_be32(p, sender);
    util::append_be32(p, media);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(srtp_unprotects_browser_rtp_and_rtcp_byte_exact) {
    const SrtpKeys k = fixed_keys();
    auto ctx = SrtpContext::make(k);
    BOOST_REQUIRE(ctx.ok());
    BrowserSrtp browser(k.client_key, k.client_salt, ssrc_any_outbound);
    for (std::uint32_t ssrc : {0x11111111u, 0x22222222u}) {  // audio and video
        for (std::uint16_t seq = 100; seq < 110; ++seq) {
            const Bytes plain = rtp(seq, ssrc, 50 + seq);
            Bytes wire = browser.protect(plain);
            BOOST_TEST(wire.size() == plain.size() + 10);
            BOOST_TEST((classify(wire) == PacketKind::Rtp));
            BOOST_TEST((*ctx)->unprotect_rtp(wire));
            BOOST_TEST(wire == plain);
        }
    }
    const Bytes rr = rtcp_rr(0x11111111);
    Bytes wire = browser.protect_rtcp(rr);
    BOOST_TEST(wire.size() == rr.size() + 4 + 10);
    BOOST_TEST((classify(wire) == PacketKind::Rtcp));
    BOOST_TEST((*ctx)->unprotect_rtcp(wire));
    BOOST_TEST(wire == rr);
}

BOOST_AUTO_TEST_CASE(srtp_rejects_tampering_replay_and_garbage) {
    const SrtpKeys k = fixed_keys();
    auto ctx = SrtpContext::make(k);
    BOOST_REQUIRE(ctx.ok());
    BrowserSrtp browser(k.client_key, k.client_salt, ssrc_any_outbound);
    const Bytes wire = browser.protect(rtp(1, 0xABCDEF01, 100));
    for (std::size_t i = 0; i < wire.size(); ++i) {
        Bytes bad = wire;
        bad[i] ^= 0x01;
        BOOST_TEST(!(*ctx)->unprotect_rtp(bad), "byte " << i);
    }
    Bytes good = wire;
    BOOST_TEST((*ctx)->unprotect_rtp(good));
    Bytes again = wire;
    BOOST_TEST(!(*ctx)->unprotect_rtp(again));  // replay

    const Bytes rtcp_wire = browser.protect_rtcp(rtcp_rr(0xABCDEF01));
    for (std::size_t i = 0; i < rtcp_wire.size(); ++i) {
        Bytes bad = rtcp_wire;
        bad[i] ^= 0x80;
        BOOST_TEST(!(*ctx)->unprotect_rtcp(bad), "byte " << i);
    }
    Bytes rtcp_good = rtcp_wire;
    BOOST_TEST((*ctx)->unprotect_rtcp(rtcp_good));
    Bytes rtcp_again = rtcp_wire;
    BOOST_TEST(!(*ctx)->unprotect_rtcp(rtcp_again));

    // Truncations, wrong keys, random bytes, oversize: false, no crash.
    for (std::size_t n = 0; n < wire.size(); ++n) {
        Bytes cut(wire.begin(), wire.begin() + long(n));
        BOOST_TEST(!(*ctx)->unprotect_rtp(cut));
        Bytes cut2(rtcp_wire.begin(), rtcp_wire.begin() + long(std::min(n, rtcp_wire.size() - 1)));
        BOOST_TEST(!(*ctx)->unprotect_rtcp(cut2));
    }
    BrowserSrtp stranger(k.server_key, k.server_salt, ssrc_any_outbound);
    Bytes foreign = stranger.protect(rtp(5, 0x5555, 40));
    BOOST_TEST(!(*ctx)->unprotect_rtp(foreign));
    std::mt19937 rng(3);
    for (int i = 0; i < 1000; ++i) {
        Bytes junk(rng() % 300);
        for (auto& b : junk) b = std::uint8_t(rng());
        if (!junk.empty()) junk[0] = std::uint8_t(0x80 | (junk[0] & 0x3F));
        Bytes j2 = junk;
        BOOST_TEST(!(*ctx)->unprotect_rtp(junk));
        BOOST_TEST(!(*ctx)->unprotect_rtcp(j2));
    }
    Bytes huge = rtp(9, 1, kMaxSrtpPacket);
    BOOST_TEST(!(*ctx)->unprotect_rtp(huge));
}

BOOST_AUTO_TEST_CASE(srtp_accepts_reordering_within_window) {
    const SrtpKeys k = fixed_keys();
    auto ctx = SrtpContext::make(k);
    BOOST_REQUIRE(ctx.ok());
    BrowserSrtp browser(k.client_key, k.client_salt, ssrc_any_outbound);
    std::vector<Bytes> plain, wire;
    std::uint16_t seq = 65000;  // crosses the 16-bit wrap (rollover counter 0 -> 1)
    for (int i = 0; i < 1700; ++i, ++seq) {
        plain.push_back(rtp(seq, 0x77, 30));
        wire.push_back(browser.protect(plain.back()));
    }
    // The first packet in order, then blocks of 100 delivered backwards.
    Bytes w0 = wire[0];
    BOOST_TEST((*ctx)->unprotect_rtp(w0));
    BOOST_TEST(w0 == plain[0]);
    for (std::size_t block = 1; block + 100 <= 1501; block += 100) {
        for (std::size_t i = block + 100; i-- > block;) {
            if (i == 600) continue;  // lost
            Bytes w = wire[i];
            BOOST_TEST((*ctx)->unprotect_rtp(w), "index " << i);
            BOOST_TEST(w == plain[i]);
        }
    }
    // Far ahead, then one more than the window behind: a replay by window rule.
    Bytes ahead = wire[1699];
    BOOST_TEST((*ctx)->unprotect_rtp(ahead));
    static_assert(1699 - 600 > kSrtpReplayWindow);
    Bytes stale = wire[600];
    BOOST_TEST(!(*ctx)->unprotect_rtp(stale));
    Bytes inside = wire[1600];  // never delivered, within the window
    BOOST_TEST((*ctx)->unprotect_rtp(inside));
    BOOST_TEST(inside == plain[1600]);
}

BOOST_AUTO_TEST_CASE(srtp_protect_rtcp_is_read_by_browser) {
    const SrtpKeys k = fixed_keys();
    auto ctx = SrtpContext::make(k);
    BOOST_REQUIRE(ctx.ok());
    BrowserSrtp browser_in(k.server_key, k.server_salt, ssrc_any_inbound);
    for (int i = 0; i < 5; ++i) {
        const Bytes pli = rtcp_pli(1, 0x22222222u + std::uint32_t(i));
        Bytes wire = pli;
        BOOST_TEST((*ctx)->protect_rtcp(wire));
        BOOST_TEST(wire.size() == pli.size() + 4 + 10);
        BOOST_TEST(!std::equal(pli.begin() + 8, pli.end(), wire.begin() + 8));  // encrypted
        const auto back = browser_in.unprotect_rtcp(wire);
        BOOST_TEST(back.has_value());
        BOOST_TEST((back && *back == pli));
    }
    Bytes tiny{0x81, 206};
    BOOST_TEST(!(*ctx)->protect_rtcp(tiny));
    BOOST_TEST(tiny == (Bytes{0x81, 206}));
}

BOOST_AUTO_TEST_CASE(srtp_make_rejects_bad_key_sizes) {
    SrtpKeys k = fixed_keys();
    k.client_key.pop_back();
    auto r = SrtpContext::make(k);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == SrtpErrc::BadKeys));
    k = fixed_keys();
    k.server_salt.push_back(0);
    BOOST_TEST(!SrtpContext::make(k).ok());
    BOOST_TEST(!SrtpContext::make(SrtpKeys{}).ok());
}

BOOST_AUTO_TEST_CASE(dtls_keys_drive_srtp_end_to_end) {
    DtlsClient client;
    DtlsEndpoint server(server_cert(), client.fingerprint());
    long long now = 0;
    pump(client, server, now);
    BOOST_REQUIRE(server.connected());
    auto ctx = SrtpContext::make(*server.srtp_keys());
    BOOST_REQUIRE(ctx.ok());
    const SrtpKeys theirs = client.keys();
    BrowserSrtp out(theirs.client_key, theirs.client_salt, ssrc_any_outbound);
    BrowserSrtp in(theirs.server_key, theirs.server_salt, ssrc_any_inbound);
    const Bytes plain = rtp(7, 0x1234, 900);
    Bytes wire = out.protect(plain);
    BOOST_TEST((*ctx)->unprotect_rtp(wire));
    BOOST_TEST(wire == plain);
    const Bytes pli = rtcp_pli(1, 0x1234);
    Bytes fb = pli;
    BOOST_TEST((*ctx)->protect_rtcp(fb));
    const auto back = in.unprotect_rtcp(fb);
    BOOST_TEST(back.has_value());
    BOOST_TEST((back && *back == pli));
}

BOOST_AUTO_TEST_SUITE_END()
