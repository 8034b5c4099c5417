// The digest ("complex") handshake's primitives: Adobe's keys, where the 32-byte digest sits in
// a 1536-byte C1/S1, and the HMAC-SHA256 computations over it (OpenSSL).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace rtmp {

constexpr std::size_t kHandshakeSize = 1536;  // C1, C2, S1, S2
constexpr std::size_t kDigestSize = 32;
using Digest = std::array<std::uint8_t, kDigestSize>;

// Which 4 bytes choose the digest position: bytes 8..11 give (sum % 728) + 12, bytes 772..775
// give (sum % 728) + 776. Flash and ffmpeg write the first; clients of the "scheme 1" write
// the second. A server answers in the layout the client used.
enum class DigestLayout { Offset8, Offset772 };

// "Genuine Adobe Flash Player 001" (30 bytes) and "Genuine Adobe Flash Media Server 001"
// (36 bytes); the full forms (62 / 68 bytes) append 32 fixed bytes.
util::ByteView client_key_partial();
util::ByteView client_key_full();
util::ByteView server_key_partial();
util::ByteView server_key_full();

Digest hmac_sha256(util::ByteView key, util::ByteView data);

// Position of the digest in a 1536-byte packet for that layout.
std::size_t digest_position(util::ByteView packet, DigestLayout layout);
// HMAC-SHA256 over the packet without the 32 bytes at `position`.
Digest packet_digest(util::ByteView packet, std::size_t position, util::ByteView key);
// Computes the digest for the layout and writes it into the packet; returns its position.
std::size_t imprint_digest(std::uint8_t* packet, DigestLayout layout, util::ByteView key);
bool has_valid_digest(util::ByteView packet, DigestLayout layout, util::ByteView key);
// The layout whose digest checks out, Offset8 tried first; nullopt when neither does.
std::optional<DigestLayout> find_digest(util::ByteView packet, util::ByteView key);

}  // namespace rtmp
