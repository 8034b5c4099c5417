// SRTP/SRTCP for one WebRTC session (libsrtp2, AES_CM_128_HMAC_SHA1_80): unprotects what the
// browser sends, protects the RTCP feedback we send back.
#pragma once

#include <memory>

#include "util/bytes.h"
#include "util/result.h"
#include "webrtc/dtls_endpoint.h"

struct srtp_ctx_t_;  // libsrtp2's session (srtp_t), kept out of this header

namespace webrtc {

enum class SrtpErrc { Init, BadKeys, Create };

// Larger packets are not what a browser sends on a 1200-byte path MTU; refused before libsrtp.
inline constexpr std::size_t kMaxSrtpPacket = 8192;
// Accepted reordering (in packets) before a late packet counts as a replay.
inline constexpr unsigned long kSrtpReplayWindow = 1024;

class SrtpContext {
  public:
    // The browser is the DTLS client: its keys unprotect inbound, the server's protect outbound.
    static util::Result<std::unique_ptr<SrtpContext>, SrtpErrc> make(const SrtpKeys& keys);
    ~SrtpContext();
    SrtpContext(const SrtpContext&) = delete;
    SrtpContext& operator=(const SrtpContext&) = delete;

    // In place; the packet shrinks to the plain RTP/RTCP. False (packet unchanged or garbage)
    // on authentication failure, replay or malformed input.
    bool unprotect_rtp(util::Bytes& packet);
    bool unprotect_rtcp(util::Bytes& packet);
    // In place; grows by the SRTCP index and authentication tag.
    bool protect_rtcp(util::Bytes& packet);

  private:
    SrtpContext() = default;
    ::srtp_ctx_t_* inbound_ = nullptr;
    ::srtp_ctx_t_* outbound_ = nullptr;
};

}  // namespace webrtc
