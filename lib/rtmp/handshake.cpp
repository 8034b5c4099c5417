// Server and client handshakes. The server picks the scheme from C1: a version-0 C1 or one with
// no valid digest at either offset gets the simple answer, anything else the digest answer in the
// client's layout (docs/clients.md "Handshake").
#include "rtmp/handshake.h"

#include <algorithm>
#include <cstring>

namespace rtmp {

namespace {

constexpr std::uint8_t kVersion = 3;
constexpr std::size_t kC0C1 = 1 + kHandshakeSize;
constexpr std::size_t kSignaturePos = kHandshakeSize - kDigestSize;  // 1504
// Versions written in S1/C1 under the digest scheme: nginx-rtmp's server version (ffmpeg
// validates S1 when its first byte is >= 3) and ffmpeg's Flash Player version.
constexpr std::uint8_t kServerVersion[4] = {0x0D, 0x0E, 0x0A, 0x0D};
constexpr std::uint8_t kClientVersion[4] = {9, 0, 124, 2};

// A 1536-byte packet: time, version, random rest.
void fill_packet(std::uint8_t* p, const RandomFill& random, std::uint32_t time,
                 const std::uint8_t* version) {
    util::put_be32(p, time);
    if (version)
        std::memcpy(p + 4, version, 4);
    else
        std::memset(p + 4, 0, 4);
    random(p + 8, kHandshakeSize - 8);
}

// S2 or C2 of the digest scheme: random bytes and, in the last 32, an HMAC of the first 1504
// keyed by HMAC(full key, the peer's C1/S1 digest).
void signed_response(std::uint8_t* p, const RandomFill& random, util::ByteView full_key,
                     util::ByteView peer_digest) {
    random(p, kHandshakeSize);
    Digest key = hmac_sha256(full_key, peer_digest);
    Digest sig = hmac_sha256(key, util::ByteView(p, kSignaturePos));
    std::memcpy(p + kSignaturePos, sig.data(), sig.size());
}

// Copies up to `want - have.size()` bytes from in[pos..] into `have`; returns the count.
std::size_t take(util::Bytes& have, std::size_t want, util::ByteView in, std::size_t pos) {
    std::size_t n = std::min(want - have.size(), in.size() - pos);
    have.insert(have.end(), in.begin() + long(pos), in.begin() + long(pos + n));
    return n;
}

}  // namespace

const char* to_string(HandshakeErrc code) {
    switch (code) {
        case HandshakeErrc::BadVersion:
            return "handshake: unsupported RTMP version byte";
        case HandshakeErrc::BadDigest:
            return "handshake: server digest validation failed";
    }
    return "handshake error";
}

ServerHandshake::ServerHandshake(RandomFill random, std::uint32_t uptime_ms)
    : random_(std::move(random)), uptime_ms_(uptime_ms) {
    c0c1_.reserve(kC0C1);
}

util::Result<std::size_t, HandshakeErrc> ServerHandshake::feed(util::ByteView in,
                                                               util::Bytes& out) {
    std::size_t pos = 0;
    while (pos < in.size()) {
        if (state_ == State::Failed)
            return util::Error<HandshakeErrc>{HandshakeErrc::BadVersion,
                                              to_string(HandshakeErrc::BadVersion)};
        if (state_ == State::Done) break;
        if (state_ == State::C0C1) {
            pos += take(c0c1_, kC0C1, in, pos);
            if (c0c1_[0] != kVersion) {  // fail on C0 itself, without waiting for C1
                state_ = State::Failed;
                continue;
            }
            if (c0c1_.size() == kC0C1) {
                answer(out);
                state_ = State::C2;
            }
        } else {
            std::size_t n = std::min(kHandshakeSize - c2_seen_, in.size() - pos);
            c2_seen_ += n;
            pos += n;
            if (c2_seen_ == kHandshakeSize) state_ = State::Done;
        }
    }
    if (state_ == State::Failed)
        return util::Error<HandshakeErrc>{HandshakeErrc::BadVersion,
                                          to_string(HandshakeErrc::BadVersion)};
    return pos;
}

void ServerHandshake::answer(util::Bytes& out) {
    util::ByteView c1(c0c1_.data() + 1, kHandshakeSize);
    client_time_ = util::read_be32(c1.data());
    bool versioned = util::read_be32(c1.data() + 4) != 0;
    std::optional<DigestLayout> layout =
        versioned ? find_digest(c1, client_key_partial()) : std::nullopt;
    scheme_ = layout ? HandshakeScheme::Digest : HandshakeScheme::Simple;

    std::size_t base = out.size();
    out.resize(base + 1 + 2 * kHandshakeSize);
    std::uint8_t* s0 = out.data() + base;
    std::uint8_t* s1 = s0 + 1;
    std::uint8_t* s2 = s1 + kHandshakeSize;
    *s0 = kVersion;
    if (!layout) {
        fill_packet(s1, random_, uptime_ms_, nullptr);
        std::memcpy(s2, c1.data(), kHandshakeSize);
        return;
    }
    layout_ = *layout;
    fill_packet(s1, random_, uptime_ms_, kServerVersion);
    imprint_digest(s1, layout_, server_key_partial());
    util::ByteView c1_digest = c1.subspan(digest_position(c1, layout_), kDigestSize);
    signed_response(s2, random_, server_key_full(), c1_digest);
}

ClientHandshake::ClientHandshake(RandomFill random, std::uint32_t uptime_ms, bool use_digest,
                                 DigestLayout layout, bool require_server_digest)
    : random_(std::move(random)),
      uptime_ms_(uptime_ms),
      use_digest_(use_digest),
      layout_(layout),
      require_server_digest_(require_server_digest) {
    c1_.resize(kHandshakeSize);
    fill_packet(c1_.data(), random_, uptime_ms_, use_digest_ ? kClientVersion : nullptr);
    if (use_digest_) c1_digest_pos_ = imprint_digest(c1_.data(), layout_, client_key_partial());
    s0s1s2_.reserve(1 + 2 * kHandshakeSize);
}

void ClientHandshake::start(util::Bytes& out) {
    out.push_back(kVersion);
    out.insert(out.end(), c1_.begin(), c1_.end());
}

util::Result<std::size_t, HandshakeErrc> ClientHandshake::feed(util::ByteView in,
                                                               util::Bytes& out) {
    auto failure = [this](HandshakeErrc code) -> util::Result<std::size_t, HandshakeErrc> {
        state_ = State::Failed;
        failure_ = code;
        return util::Error<HandshakeErrc>{code, to_string(code)};
    };
    if (state_ == State::Failed) return failure(failure_);
    if (state_ == State::Done) return std::size_t(0);
    std::size_t pos = take(s0s1s2_, 1 + 2 * kHandshakeSize, in, 0);
    if (!s0s1s2_.empty() && s0s1s2_[0] != kVersion) return failure(HandshakeErrc::BadVersion);
    if (s0s1s2_.size() < 1 + 2 * kHandshakeSize) return pos;
    answer(out);
    if (use_digest_ && require_server_digest_ && !server_digest_valid())
        return failure(HandshakeErrc::BadDigest);
    state_ = State::Done;
    return pos;
}

void ClientHandshake::answer(util::Bytes& out) {
    util::ByteView s1(s0s1s2_.data() + 1, kHandshakeSize);
    util::ByteView s2(s0s1s2_.data() + 1 + kHandshakeSize, kHandshakeSize);
    server_version_ = util::read_be32(s1.data() + 4);
    std::optional<DigestLayout> layout =
        server_version_ != 0 ? find_digest(s1, server_key_partial()) : std::nullopt;
    s1_digest_valid_ = layout.has_value();

    std::size_t base = out.size();
    out.resize(base + kHandshakeSize);
    std::uint8_t* c2 = out.data() + base;
    if (!use_digest_ || !layout) {  // simple: C2 echoes S1
        std::memcpy(c2, s1.data(), kHandshakeSize);
        return;
    }
    // As ffmpeg checks it: S2's last 32 bytes sign its first 1504 with HMAC(server key, C1 digest).
    Digest key =
        hmac_sha256(server_key_full(), util::ByteView(c1_).subspan(c1_digest_pos_, kDigestSize));
    Digest expected = hmac_sha256(key, s2.first(kSignaturePos));
    s2_signature_valid_ = std::equal(expected.begin(), expected.end(), s2.begin() + kSignaturePos);
    util::ByteView s1_digest = s1.subspan(digest_position(s1, *layout), kDigestSize);
    signed_response(c2, random_, client_key_full(), s1_digest);
}

}  // namespace rtmp
