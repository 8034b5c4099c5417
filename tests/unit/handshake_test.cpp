// RTMP handshake: digest C1s checked against an independent OpenSSL computation, server answers
// validated the way ffmpeg's rtmpproto.c validates them, the simple fallbacks, bad versions,
// and feeding whole, one byte at a time and in random splits.
#include "rtmp/handshake.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <random>
#include <string>

using rtmp::ClientHandshake;
using rtmp::DigestLayout;
using rtmp::HandshakeErrc;
using rtmp::HandshakeScheme;
using rtmp::ServerHandshake;
using util::Bytes;

namespace {

// ---- An independent re-implementation of the ffmpeg side (libavformat/rtmpproto.c) ----------

const std::uint8_t kTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

Bytes key(const char* text, bool full) {
    Bytes k(text, text + std::strlen(text));
    if (full) k.insert(k.end(), kTail, kTail + 32);
    return k;
}
const Bytes kPlayerKey = key("Genuine Adobe Flash Player 001", true);        // 62 bytes
const Bytes kServerKey = key("Genuine Adobe Flash Media Server 001", true);  // 68 bytes
constexpr int kPlayerOpen = 30, kServerOpen = 36;

Bytes hmac(const std::uint8_t* k, int klen, const std::uint8_t* data, std::size_t len) {
    Bytes out(32);
    unsigned int n = 0;
    HMAC(EVP_sha256(), k, klen, data, len, out.data(), &n);
    BOOST_REQUIRE_EQUAL(n, 32u);
    return out;
}

// ff_rtmp_calc_digest: HMAC over `len` bytes, skipping the 32 at `gap` when gap > 0.
Bytes ff_calc_digest(const std::uint8_t* src, int len, int gap, const std::uint8_t* k, int klen) {
    Bytes data(src, src + len);
    if (gap > 0) data.erase(data.begin() + gap, data.begin() + gap + 32);
    return hmac(k, klen, data.data(), data.size());
}

int ff_calc_digest_pos(const std::uint8_t* buf, int off, int mod_val, int add_val) {
    int pos = 0;
    for (int i = 0; i < 4; i++) pos += buf[i + off];
    return pos % mod_val + add_val;
}

// rtmp_validate_digest: returns the digest position, 0 when it does not match.
int ff_validate_digest(const std::uint8_t* buf, int off) {
    int pos = ff_calc_digest_pos(buf, off, 728, off + 4);
    Bytes d = ff_calc_digest(buf, 1536, pos, kServerKey.data(), kServerOpen);
    return std::memcmp(d.data(), buf + pos, 32) == 0 ? pos : 0;
}

// A digest C0+C1 as ffmpeg builds it (rtmp_handshake_imprint_with_digest), either layout.
Bytes ff_make_c0c1(std::mt19937& rng, bool layout772, int* digest_pos) {
    Bytes p(1537);
    p[0] = 3;
    for (std::size_t i = 9; i < p.size(); ++i) p[i] = std::uint8_t(rng());
    std::uint8_t ver[] = {0, 0, 0, 0, 9, 0, 124, 2};
    std::memcpy(p.data() + 1, ver, 8);
    std::uint8_t* c1 = p.data() + 1;
    int pos =
        layout772 ? ff_calc_digest_pos(c1, 772, 728, 776) : ff_calc_digest_pos(c1, 8, 728, 12);
    Bytes d = ff_calc_digest(c1, 1536, pos, kPlayerKey.data(), kPlayerOpen);
    std::memcpy(c1 + pos, d.data(), 32);
    *digest_pos = pos;
    return p;
}

// What ffmpeg does with S0S1S2 when playing: validate S1 (772 layout first, then 8) and the S2
// signature over its C1 digest. Returns an empty string when everything checks out.
std::string ff_check_server(const Bytes& c0c1, int client_pos, const Bytes& s) {
    const std::uint8_t* s1 = s.data() + 1;
    const std::uint8_t* s2 = s1 + 1536;
    if (s[0] != 3) return "S0 is not 3";
    if (s1[4] < 3) return "S1 version below 3: ffmpeg would not validate";
    int server_pos = ff_validate_digest(s1, 772);
    if (!server_pos) server_pos = ff_validate_digest(s1, 8);
    if (!server_pos) return "Server response validating failed";
    Bytes digest = ff_calc_digest(c0c1.data() + 1 + client_pos, 32, 0, kServerKey.data(),
                                  int(kServerKey.size()));
    Bytes sig = ff_calc_digest(s2, 1536 - 32, 0, digest.data(), 32);
    if (std::memcmp(sig.data(), s2 + 1536 - 32, 32) != 0) return "Signature mismatch";
    return "";
}

// ---- helpers ---------------------------------------------------------------------------------

rtmp::RandomFill seeded(unsigned seed) {
    auto rng = std::make_shared<std::mt19937>(seed);
    return [rng](std::uint8_t* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t((*rng)());
    };
}

bool layout_digest_ok(const std::uint8_t* packet, int base, const std::uint8_t* k, int klen) {
    int pos = ff_calc_digest_pos(packet, base, 728, base + 4);
    Bytes d = ff_calc_digest(packet, 1536, pos, k, klen);
    return std::memcmp(d.data(), packet + pos, 32) == 0;
}

// Feeds `in` to the server in pieces of the given sizes (cycled); returns output and consumed.
template <class Hs>
std::size_t feed_in_pieces(Hs& hs, const Bytes& in, const std::vector<std::size_t>& sizes,
                           Bytes& out) {
    std::size_t pos = 0, k = 0;
    while (pos < in.size() && !hs.done()) {
        std::size_t n = std::min(sizes[k++ % sizes.size()], in.size() - pos);
        auto r = hs.feed(util::ByteView(in).subspan(pos, n), out);
        BOOST_REQUIRE(r.ok());
        BOOST_REQUIRE(*r <= n);
        pos += *r;
        if (*r < n) break;  // the handshake stopped: the rest is not its business
    }
    return pos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(handshake_client_c1)

BOOST_AUTO_TEST_CASE(digest_c1_matches_independent_hmac_in_both_layouts) {
    for (bool l772 : {false, true}) {
        ClientHandshake c(seeded(1), 0x01020304, true,
                          l772 ? DigestLayout::Offset772 : DigestLayout::Offset8);
        Bytes out;
        c.start(out);
        BOOST_REQUIRE_EQUAL(out.size(), 1537u);
        BOOST_TEST(out[0] == 3);
        const std::uint8_t* c1 = out.data() + 1;
        BOOST_TEST(util::read_be32(c1) == 0x01020304u);
        BOOST_TEST((Bytes(c1 + 4, c1 + 8) == Bytes{9, 0, 124, 2}));
        BOOST_TEST(layout_digest_ok(c1, l772 ? 772 : 8, kPlayerKey.data(), kPlayerOpen));
        BOOST_TEST(!layout_digest_ok(c1, l772 ? 8 : 772, kPlayerKey.data(), kPlayerOpen));
    }
}

BOOST_AUTO_TEST_CASE(simple_c1_has_zero_version) {
    ClientHandshake c(seeded(2), 77, false);
    Bytes out;
    c.start(out);
    BOOST_TEST(util::read_be32(out.data() + 1) == 77u);
    BOOST_TEST(util::read_be32(out.data() + 5) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handshake_server)

BOOST_AUTO_TEST_CASE(digest_answer_passes_ffmpeg_validation_in_both_layouts) {
    for (bool l772 : {false, true}) {
        for (unsigned seed = 0; seed < 20; ++seed) {
            std::mt19937 rng(seed);
            int client_pos = 0;
            Bytes c0c1 = ff_make_c0c1(rng, l772, &client_pos);
            ServerHandshake s(seeded(seed + 100), 5000);
            Bytes out;
            auto r = s.feed(c0c1, out);
            BOOST_REQUIRE(r.ok());
            BOOST_TEST(*r == 1537u);
            BOOST_REQUIRE_EQUAL(out.size(), 3073u);
            BOOST_TEST((s.scheme() == HandshakeScheme::Digest));
            BOOST_TEST(
                (s.client_layout() == (l772 ? DigestLayout::Offset772 : DigestLayout::Offset8)));
            BOOST_TEST(ff_check_server(c0c1, client_pos, out) == "");
            // S1's digest is in the layout the client used, signed with the 36-byte server key.
            BOOST_TEST(
                layout_digest_ok(out.data() + 1, l772 ? 772 : 8, kServerKey.data(), kServerOpen));
            BOOST_TEST(util::read_be32(out.data() + 1) == 5000u);
            BOOST_TEST(!s.done());
            Bytes c2(1536, 0xAB);  // not what the client should send: accepted anyway
            Bytes none;
            auto r2 = s.feed(c2, none);
            BOOST_REQUIRE(r2.ok());
            BOOST_TEST(*r2 == 1536u);
            BOOST_TEST(none.empty());
            BOOST_TEST(s.done());
        }
    }
}

BOOST_AUTO_TEST_CASE(no_valid_digest_falls_back_to_simple) {
    std::mt19937 rng(9);
    int pos = 0;
    Bytes c0c1 = ff_make_c0c1(rng, false, &pos);
    c0c1[1 + pos] ^= 0x01;  // break the digest, keep the non-zero version
    ServerHandshake s(seeded(3), 42);
    Bytes out;
    BOOST_REQUIRE(s.feed(c0c1, out).ok());
    BOOST_REQUIRE_EQUAL(out.size(), 3073u);
    BOOST_TEST((s.scheme() == HandshakeScheme::Simple));
    BOOST_TEST(util::read_be32(out.data() + 1) == 42u);
    BOOST_TEST(util::read_be32(out.data() + 5) == 0u);  // S1 version 0
    BOOST_TEST((Bytes(out.begin() + 1537, out.end()) == Bytes(c0c1.begin() + 1, c0c1.end())));
    BOOST_TEST((Bytes(out.begin() + 1, out.begin() + 1537) != Bytes(c0c1.begin() + 1, c0c1.end())));
}

BOOST_AUTO_TEST_CASE(version_zero_c1_gets_simple_even_with_a_digest) {
    std::mt19937 rng(10);
    int pos = 0;
    Bytes c0c1 = ff_make_c0c1(rng, false, &pos);
    std::memset(c0c1.data() + 5, 0, 4);  // version bytes 0 (digest left in place)
    std::uint8_t* c1 = c0c1.data() + 1;
    Bytes d = ff_calc_digest(c1, 1536, pos, kPlayerKey.data(), kPlayerOpen);
    std::memcpy(c1 + pos, d.data(), 32);  // still a valid digest
    ServerHandshake s(seeded(4), 0);
    Bytes out;
    BOOST_REQUIRE(s.feed(c0c1, out).ok());
    BOOST_TEST((s.scheme() == HandshakeScheme::Simple));
    BOOST_TEST((Bytes(out.begin() + 1537, out.end()) == Bytes(c0c1.begin() + 1, c0c1.end())));
}

BOOST_AUTO_TEST_CASE(garbage_c0_is_bad_version_at_once) {
    for (std::uint8_t c0 : {0x00, 0x06, 0x16, 0xFF}) {
        ServerHandshake s(seeded(5), 0);
        Bytes out;
        auto r = s.feed(Bytes{c0}, out);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST((r.error().code == HandshakeErrc::BadVersion));
        BOOST_TEST(out.empty());
        auto again = s.feed(Bytes(1536, 3), out);  // stays failed
        BOOST_REQUIRE(!again.ok());
        BOOST_TEST((again.error().code == HandshakeErrc::BadVersion));
    }
}

BOOST_AUTO_TEST_CASE(whole_bytewise_and_random_splits_agree) {
    std::mt19937 rng(11);
    int pos = 0;
    Bytes in = ff_make_c0c1(rng, true, &pos);
    for (int i = 0; i < 1536; ++i) in.push_back(std::uint8_t(i));  // C2
    Bytes chunk_bytes = {0x02, 0x00, 0x00, 0x00, 0x00};            // what follows C2
    in.insert(in.end(), chunk_bytes.begin(), chunk_bytes.end());

    ServerHandshake whole(seeded(6), 1);
    Bytes expected;
    auto r = whole.feed(in, expected);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == 1537u + 1536u);  // stops exactly after C2
    BOOST_TEST(whole.done());
    BOOST_TEST(expected.size() == 3073u);

    std::vector<std::vector<std::size_t>> splits = {{1}, {1536, 1, 1}, {7, 1000, 3}};
    std::mt19937 split_rng(12);
    for (int i = 0; i < 20; ++i) {
        std::vector<std::size_t> sizes;
        for (int k = 0; k < 50; ++k) sizes.push_back(1 + split_rng() % 900);
        splits.push_back(sizes);
    }
    for (const auto& sizes : splits) {
        ServerHandshake s(seeded(6), 1);
        Bytes out;
        std::size_t consumed = feed_in_pieces(s, in, sizes, out);
        BOOST_TEST(consumed == 3073u);
        BOOST_TEST(s.done());
        BOOST_TEST((out == expected));
    }
}

BOOST_AUTO_TEST_CASE(answer_comes_as_soon_as_c1_is_complete) {
    std::mt19937 rng(13);
    int pos = 0;
    Bytes in = ff_make_c0c1(rng, false, &pos);
    ServerHandshake s(seeded(7), 0);
    Bytes out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        auto r = s.feed(util::ByteView(in).subspan(i, 1), out);
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(*r == 1u);
        BOOST_TEST(out.size() == (i + 1 == in.size() ? 3073u : 0u));
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handshake_client_server)

// Runs client against server; returns the client's C2 as the server saw it.
Bytes run_pair(ClientHandshake& c, ServerHandshake& s) {
    Bytes c0c1, s_out, c2;
    c.start(c0c1);
    BOOST_REQUIRE(s.feed(c0c1, s_out).ok());
    auto r = c.feed(s_out, c2);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == 3073u);
    BOOST_TEST(c.done());
    BOOST_REQUIRE_EQUAL(c2.size(), 1536u);
    BOOST_REQUIRE(s.feed(c2, s_out).ok());
    BOOST_TEST(s.done());
    return c2;
}

BOOST_AUTO_TEST_CASE(digest_client_and_server) {
    for (auto layout : {DigestLayout::Offset8, DigestLayout::Offset772}) {
        ClientHandshake c(seeded(20), 1, true, layout, true);
        ServerHandshake s(seeded(21), 2);
        Bytes c0c1;
        c.start(c0c1);
        Bytes s_out;
        BOOST_REQUIRE(s.feed(c0c1, s_out).ok());
        Bytes c2;
        BOOST_REQUIRE(c.feed(s_out, c2).ok());
        BOOST_TEST(c.server_digest_valid());
        BOOST_TEST(c.server_used_digest());
        BOOST_TEST(c.server_version() == 0x0D0E0A0Du);
        BOOST_TEST((s.scheme() == HandshakeScheme::Digest));
        // C2 as a Flash server checks it: HMAC(HMAC(62-byte player key, S1 digest), C2[0..1504)).
        const std::uint8_t* s1 = s_out.data() + 1;
        int base = layout == DigestLayout::Offset8 ? 8 : 772;
        int s1_pos = ff_calc_digest_pos(s1, base, 728, base + 4);
        Bytes k = hmac(kPlayerKey.data(), 62, s1 + s1_pos, 32);
        Bytes sig = hmac(k.data(), 32, c2.data(), 1504);
        BOOST_TEST((Bytes(c2.begin() + 1504, c2.end()) == sig));
    }
}

BOOST_AUTO_TEST_CASE(simple_client_echoes_s1) {
    ClientHandshake c(seeded(22), 1, false);
    ServerHandshake s(seeded(23), 2);
    Bytes c0c1, s_out, c2;
    c.start(c0c1);
    BOOST_REQUIRE(s.feed(c0c1, s_out).ok());
    BOOST_TEST((s.scheme() == HandshakeScheme::Simple));
    BOOST_REQUIRE(c.feed(s_out, c2).ok());
    BOOST_TEST((c2 == Bytes(s_out.begin() + 1, s_out.begin() + 1537)));
    BOOST_TEST(!c.server_digest_valid());
    ServerHandshake s2(seeded(23), 2);
    ClientHandshake c3(seeded(22), 1, false);
    run_pair(c3, s2);
}

BOOST_AUTO_TEST_CASE(digest_client_against_simple_server) {
    // A server that answers with version 0 (e.g. an old one): C2 echoes S1, and only when
    // required does the client fail.
    Bytes server(3073);
    server[0] = 3;
    for (std::size_t i = 9; i < server.size(); ++i) server[i] = std::uint8_t(i * 7);
    for (bool require : {false, true}) {
        ClientHandshake c(seeded(24), 1, true, DigestLayout::Offset8, require);
        Bytes c2;
        auto r = c.feed(server, c2);
        if (require) {
            BOOST_REQUIRE(!r.ok());
            BOOST_TEST((r.error().code == HandshakeErrc::BadDigest));
            continue;
        }
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(!c.server_used_digest());
        BOOST_TEST((c2 == Bytes(server.begin() + 1, server.begin() + 1537)));
    }
}

BOOST_AUTO_TEST_CASE(bad_s2_signature_is_reported_or_fails_when_required) {
    for (bool require : {false, true}) {
        ClientHandshake c(seeded(25), 1, true, DigestLayout::Offset8, require);
        ServerHandshake s(seeded(26), 2);
        Bytes c0c1, s_out, c2;
        c.start(c0c1);
        BOOST_REQUIRE(s.feed(c0c1, s_out).ok());
        s_out.back() ^= 0xFF;
        auto r = c.feed(s_out, c2);
        BOOST_TEST(c.s1_digest_valid());
        BOOST_TEST(!c.s2_signature_valid());
        BOOST_TEST(r.ok() == !require);
        if (require) BOOST_TEST((r.error().code == HandshakeErrc::BadDigest));
    }
}

BOOST_AUTO_TEST_CASE(client_splits_and_bad_s0) {
    ClientHandshake ref(seeded(27), 1, true);
    ServerHandshake s(seeded(28), 2);
    Bytes c0c1, s_out, expected;
    ref.start(c0c1);
    BOOST_REQUIRE(s.feed(c0c1, s_out).ok());
    Bytes trailing = s_out;
    trailing.insert(trailing.end(), {1, 2, 3});
    BOOST_REQUIRE(ref.feed(trailing, expected).ok());
    for (std::vector<std::size_t> sizes :
         {std::vector<std::size_t>{1}, {100, 7, 2000}, {3072, 5}}) {
        ClientHandshake c(seeded(27), 1, true);
        Bytes out;
        BOOST_TEST(feed_in_pieces(c, trailing, sizes, out) == 3073u);
        BOOST_TEST((out == expected));
    }
    ClientHandshake bad(seeded(27), 1, true);
    Bytes out;
    auto r = bad.feed(Bytes{6}, out);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == HandshakeErrc::BadVersion));
}

BOOST_AUTO_TEST_SUITE_END()
