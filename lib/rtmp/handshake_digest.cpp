// HMAC-SHA256 digests of the RTMP handshake, exactly as Flash, ffmpeg and nginx-rtmp compute them.
#include "rtmp/handshake_digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstring>

namespace rtmp {

namespace {

constexpr std::uint8_t kKeyTail[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
};

std::array<std::uint8_t, 62> make_client_key() {
    std::array<std::uint8_t, 62> k{};
    std::memcpy(k.data(), "Genuine Adobe Flash Player 001", 30);
    std::memcpy(k.data() + 30, kKeyTail, 32);
    return k;
}

std::array<std::uint8_t, 68> make_server_key() {
    std::array<std::uint8_t, 68> k{};
    std::memcpy(k.data(), "Genuine Adobe Flash Media Server 001", 36);
    std::memcpy(k.data() + 36, kKeyTail, 32);
    return k;
}

const std::array<std::uint8_t, 62> kClientKey = make_client_key();
const std::array<std::uint8_t, 68> kServerKey = make_server_key();

}  // namespace

util::ByteView client_key_partial() { return util::ByteView(kClientKey).first(30); }
util::ByteView client_key_full() { return kClientKey; }
util::ByteView server_key_partial() { return util::ByteView(kServerKey).first(36); }
util::ByteView server_key_full() { return kServerKey; }

Digest hmac_sha256(util::ByteView key, util::ByteView data) {
    Digest out{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), int(key.size()), data.data(), data.size(), out.data(), &len);
    return out;
}

std::size_t digest_position(util::ByteView packet, DigestLayout layout) {
    std::size_t base = layout == DigestLayout::Offset8 ? 8 : 772;
    std::size_t sum =
        std::size_t(packet[base]) + packet[base + 1] + packet[base + 2] + packet[base + 3];
    return sum % 728 + base + 4;
}

Digest packet_digest(util::ByteView packet, std::size_t position, util::ByteView key) {
    std::array<std::uint8_t, kHandshakeSize - kDigestSize> rest{};
    std::copy(packet.begin(), packet.begin() + long(position), rest.begin());
    std::copy(packet.begin() + long(position + kDigestSize), packet.begin() + long(kHandshakeSize),
              rest.begin() + long(position));
    return hmac_sha256(key, rest);
}

std::size_t imprint_digest(std::uint8_t* packet, DigestLayout layout, util::ByteView key) {
    util::ByteView view(packet, kHandshakeSize);
    std::size_t pos = digest_position(view, layout);
    Digest d = packet_digest(view, pos, key);
    std::memcpy(packet + pos, d.data(), d.size());
    return pos;
}

bool has_valid_digest(util::ByteView packet, DigestLayout layout, util::ByteView key) {
    std::size_t pos = digest_position(packet, layout);
    Digest d = packet_digest(packet, pos, key);
    return std::equal(d.begin(), d.end(), packet.begin() + long(pos));
}

std::optional<DigestLayout> find_digest(util::ByteView packet, util::ByteView key) {
    for (DigestLayout layout : {DigestLayout::Offset8, DigestLayout::Offset772})
        if (has_valid_digest(packet, layout, key)) return layout;
    return std::nullopt;
}

}  // namespace rtmp
