// libsrtp2 sessions keyed from the DTLS-SRTP exporter: one inbound session (any SSRC the
// browser sends) and one outbound session (our RTCP feedback).
#include "webrtc/srtp_context.h"

#include <srtp2/srtp.h>

#include <mutex>

namespace webrtc {
namespace {

constexpr std::size_t kKeyLen = 16, kSaltLen = 14;

srtp_err_status_t init_once() {
    static srtp_err_status_t status = srtp_err_status_fail;
    static std::once_flag once;
    std::call_once(once, [] { status = srtp_init(); });
    return status;
}

// One session with a template for every SSRC of `direction`, keyed with key || salt.
srtp_err_status_t create(srtp_t* session, srtp_ssrc_type_t direction, const util::Bytes& key,
                         const util::Bytes& salt) {
    unsigned char master[kKeyLen + kSaltLen];
    std::copy(key.begin(), key.end(), master);
    std::copy(salt.begin(), salt.end(), master + kKeyLen);
    srtp_policy_t policy{};
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
    policy.ssrc.type = direction;
    policy.key = master;
    policy.window_size = kSrtpReplayWindow;
    policy.allow_repeat_tx = 0;  // retransmissions (RTX) use their own SSRC and sequence
    policy.next = nullptr;
    // libsrtp derives its session keys here and keeps no pointer to `master`.
    return srtp_create(session, &policy);
}

// The smallest packet worth handing to libsrtp: a header and a tag (RTP 12 + 10; SRTCP adds
// the 8-byte RTCP header and the 4-byte index).
bool plausible(const util::Bytes& p, std::size_t min) {
    return p.size() >= min && p.size() <= kMaxSrtpPacket && (p[0] >> 6) == 2;
}

}  // namespace

util::Result<std::unique_ptr<SrtpContext>, SrtpErrc> SrtpContext::make(const SrtpKeys& keys) {
    using Err = util::Error<SrtpErrc>;
    if (init_once() != srtp_err_status_ok) return Err{SrtpErrc::Init, "srtp_init failed"};
    if (keys.client_key.size() != kKeyLen || keys.server_key.size() != kKeyLen ||
        keys.client_salt.size() != kSaltLen || keys.server_salt.size() != kSaltLen) {
        return Err{SrtpErrc::BadKeys, "SRTP keys must be 16 bytes and salts 14 bytes"};
    }
    std::unique_ptr<SrtpContext> c(new SrtpContext);
    if (create(&c->inbound_, ssrc_any_inbound, keys.client_key, keys.client_salt) !=
            srtp_err_status_ok ||
        create(&c->outbound_, ssrc_any_outbound, keys.server_key, keys.server_salt) !=
            srtp_err_status_ok) {
        return Err{SrtpErrc::Create, "srtp_create failed"};
    }
    return c;
}

SrtpContext::~SrtpContext() {
    if (inbound_) srtp_dealloc(inbound_);
    if (outbound_) srtp_dealloc(outbound_);
}

// Streams for new SSRCs are cloned from the template only after a packet authenticates, so
// a forger cannot grow the session.
bool SrtpContext::unprotect_rtp(util::Bytes& packet) {
    if (!plausible(packet, 12 + 10)) return false;
    int len = int(packet.size());
    if (srtp_unprotect(inbound_, packet.data(), &len) != srtp_err_status_ok) return false;
    packet.resize(std::size_t(len));
    return true;
}

bool SrtpContext::unprotect_rtcp(util::Bytes& packet) {
    if (!plausible(packet, 8 + 4 + 10)) return false;
    int len = int(packet.size());
    if (srtp_unprotect_rtcp(inbound_, packet.data(), &len) != srtp_err_status_ok) return false;
    packet.resize(std::size_t(len));
    return true;
}

bool SrtpContext::protect_rtcp(util::Bytes& packet) {
    if (!plausible(packet, 8)) return false;
    int len = int(packet.size());
    // libsrtp writes the index and tag after the packet: SRTP_MAX_TRAILER_LEN + 4 bytes.
    packet.resize(packet.size() + SRTP_MAX_TRAILER_LEN + 4);
    if (srtp_protect_rtcp(outbound_, packet.data(), &len) != srtp_err_status_ok) {
        packet.resize(packet.size() - SRTP_MAX_TRAILER_LEN - 4);
        return false;
    }
    packet.resize(std::size_t(len));
    return true;
}

}  // namespace webrtc
