// The RTMP handshake (C0 C1 C2 / S0 S1 S2), sans-IO, for both ends: the simple scheme and the
// digest scheme with the fallback rules of docs/clients.md. Bytes in through feed(), bytes out appended
// to a buffer the caller owns; randomness and time are passed in.
#pragma once

#include <cstdint>
#include <functional>

#include "rtmp/handshake_digest.h"
#include "util/bytes.h"
#include "util/result.h"

namespace rtmp {

enum class HandshakeErrc {
    BadVersion,  // C0 or S0 is not 3 (6 would be RTMPE, which we do not speak)
    BadDigest,   // client asked to require a valid server digest and S1 or S2 failed the check
};
const char* to_string(HandshakeErrc code);

// Fills n bytes with randomness. Tests pass a deterministic one, the net layer RAND_bytes.
using RandomFill = std::function<void(std::uint8_t*, std::size_t)>;

enum class HandshakeScheme { Simple, Digest };

class ServerHandshake {
  public:
    ServerHandshake(RandomFill random, std::uint32_t uptime_ms);

    // Consumes C0, C1, C2 as they come. S0+S1+S2 are appended to `out` as soon as C1 is complete
    // (GStreamer waits for all three before it sends C2). Returns the bytes consumed: it stops
    // exactly after C2, what follows belongs to the chunk layer. C2 is not checked. After an
    // error every call returns the same error.
    util::Result<std::size_t, HandshakeErrc> feed(util::ByteView in, util::Bytes& out);

    bool done() const { return state_ == State::Done; }
    HandshakeScheme scheme() const { return scheme_; }          // valid once S0S1S2 are out
    DigestLayout client_layout() const { return layout_; }      // for the digest scheme
    std::uint32_t client_time() const { return client_time_; }  // C1's first 4 bytes

  private:
    enum class State { C0C1, C2, Done, Failed };
    void answer(util::Bytes& out);

    RandomFill random_;
    std::uint32_t uptime_ms_;
    State state_ = State::C0C1;
    util::Bytes c0c1_;
    std::size_t c2_seen_ = 0;
    HandshakeScheme scheme_ = HandshakeScheme::Simple;
    DigestLayout layout_ = DigestLayout::Offset8;
    std::uint32_t client_time_ = 0;
};

class ClientHandshake {
  public:
    // use_digest: send a digest C1 (Flash version 9.0.124.2, like ffmpeg) in `layout`, check the
    // server's S1/S2 and answer with a digest C2 when the server used the digest scheme.
    // require_server_digest: make an invalid S1 digest or S2 signature an error (BadDigest)
    // instead of a report.
    ClientHandshake(RandomFill random, std::uint32_t uptime_ms, bool use_digest,
                    DigestLayout layout = DigestLayout::Offset8,
                    bool require_server_digest = false);

    void start(util::Bytes& out);  // appends C0 + C1 (built by the constructor)
    // Consumes S0 S1 S2; appends C2 once they are complete. Returns the bytes consumed, stopping
    // exactly after S2.
    util::Result<std::size_t, HandshakeErrc> feed(util::ByteView in, util::Bytes& out);

    bool done() const { return state_ == State::Done; }
    // The server answered with the digest scheme (non-zero S1 version and a valid S1 digest).
    bool server_used_digest() const { return s1_digest_valid_; }
    // With use_digest: S1's digest and S2's signature over our C1 digest were both right.
    bool server_digest_valid() const { return s1_digest_valid_ && s2_signature_valid_; }
    bool s1_digest_valid() const { return s1_digest_valid_; }
    bool s2_signature_valid() const { return s2_signature_valid_; }
    std::uint32_t server_version() const { return server_version_; }  // S1 bytes 4..7

  private:
    enum class State { S0S1S2, Done, Failed };
    void answer(util::Bytes& out);

    RandomFill random_;
    std::uint32_t uptime_ms_;
    bool use_digest_;
    DigestLayout layout_;
    bool require_server_digest_;
    State state_ = State::S0S1S2;
    util::Bytes c1_;
    std::size_t c1_digest_pos_ = 0;
    util::Bytes s0s1s2_;
    bool s1_digest_valid_ = false;
    bool s2_signature_valid_ = false;
    HandshakeErrc failure_ = HandshakeErrc::BadVersion;
    std::uint32_t server_version_ = 0;
};

}  // namespace rtmp
