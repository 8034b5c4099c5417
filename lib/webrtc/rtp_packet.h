// RTP packet parsing (RFC 3550 fixed header, CSRCs, RFC 8285 header extensions, padding) and
// RTX unwrapping (RFC 4588). Input is plain (already SRTP-decrypted) RTP; views point into it.
#pragma once

#include <cstdint>
#include <optional>

#include "util/bytes.h"
#include "util/result.h"

namespace webrtc {

enum class RtpErrc {
    truncated,    // a length or count points past the end of the packet
    invalid,      // a field holds a value the format forbids (version, padding count)
    unsupported,  // well-formed, but a variant this module does not handle
};

template <class T>
using RtpResult = util::Result<T, RtpErrc>;
using RtpError = util::Error<RtpErrc>;

inline constexpr std::size_t kRtpHeaderSize = 12;

struct RtpPacket {
    bool marker = false;
    std::uint8_t payload_type = 0;
    std::uint16_t sequence = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t ssrc = 0;
    util::ByteView payload;  // after header, CSRCs and extension, without padding
    std::optional<std::uint16_t> twcc_sequence;
};

// Parses one RTP packet. `twcc_extension_id` (1..14 one-byte, 1..255 two-byte; 0 = none) is the
// id the SDP negotiated for transport-wide-cc; its 2-byte value lands in twcc_sequence.
RtpResult<RtpPacket> parse_rtp(util::ByteView packet, int twcc_extension_id = 0);

// The original sequence number carried in the first two bytes of an RTX payload; the original
// payload is rtx_payload.subspan(2). nullopt when the payload is shorter than 2 bytes.
std::optional<std::uint16_t> rtx_original_sequence(util::ByteView rtx_payload);

// Rebuilds the original packet from an RTX packet: original sequence and payload type, same
// timestamp, marker and SSRC fields (the caller maps the RTX SSRC to the media SSRC).
std::optional<RtpPacket> unwrap_rtx(const RtpPacket& rtx, std::uint8_t original_payload_type);

}  // namespace webrtc
