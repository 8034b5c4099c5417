// RFC 7983 demultiplexing of the datagrams arriving on one UDP port (STUN, DTLS, SRTP/SRTCP) by
// their first byte, and RTP from RTCP by the second (RFC 5761 §4, rtcp-mux).
#pragma once

#include "util/bytes.h"

namespace webrtc {

enum class PacketKind { Stun, Dtls, Rtp, Rtcp, Unknown };

inline PacketKind classify(util::ByteView datagram) {
    if (datagram.empty()) return PacketKind::Unknown;
    const std::uint8_t b = datagram[0];
    if (b <= 3) return PacketKind::Stun;
    if (b >= 20 && b <= 63) return PacketKind::Dtls;
    if (b >= 128 && b <= 191) {
        // Without the second byte RTP and RTCP cannot be told apart.
        if (datagram.size() < 2) return PacketKind::Unknown;
        // RTCP packet types 192..223 (SR 200, RR 201, RTPFB 205, PSFB 206 ...) never collide
        // with RTP payload types in use when rtcp-mux is negotiated; the marker bit is included.
        const std::uint8_t pt = datagram[1];
        return pt >= 192 && pt <= 223 ? PacketKind::Rtcp : PacketKind::Rtp;
    }
    return PacketKind::Unknown;
}

}  // namespace webrtc
