// RTP header parsing: every length is checked against the bytes actually present.
#include "webrtc/rtp_packet.h"

#include <string>

namespace webrtc {
namespace {

RtpError fail(RtpErrc code, const char* what) {
    return RtpError{code, std::string("RTP: ") + what, false};
}

constexpr std::uint32_t kOneByteProfile = 0xBEDE;
constexpr std::uint32_t kTwoByteProfileMask = 0xFFF0;
constexpr std::uint32_t kTwoByteProfile = 0x1000;

// Walks RFC 8285 extension elements. Returns false when an element runs past the block.
bool read_extensions(util::ByteView block, bool two_byte, int twcc_id,
                     std::optional<std::uint16_t>& twcc) {
    std::size_t pos = 0;
    while (pos < block.size()) {
        const std::uint8_t first = block[pos];
        if (first == 0) {  // padding byte between elements (both forms)
            ++pos;
            continue;
        }
        int id;
        std::size_t len;
        if (two_byte) {
            if (pos + 2 > block.size()) return false;
            id = first;
            len = block[pos + 1];
            pos += 2;
        } else {
            id = first >> 4;
            if (id == 15) return true;  // RFC 8285 §4.2: reserved, stop processing
            len = std::size_t(first & 0x0F) + 1;
            pos += 1;
        }
        if (len > block.size() - pos) return false;
        if (id == twcc_id && len == 2) twcc = std::uint16_t(util::read_be16(block.data() + pos));
        pos += len;
    }
    return true;
}

}  // namespace

RtpResult<RtpPacket> parse_rtp(util::ByteView packet, int twcc_extension_id) {
    if (packet.size() < kRtpHeaderSize) return fail(RtpErrc::truncated, "shorter than header");
    const std::uint8_t b0 = packet[0];
    if ((b0 >> 6) != 2) return fail(RtpErrc::invalid, "version is not 2");
    const bool padding = (b0 & 0x20) != 0;
    const bool extension = (b0 & 0x10) != 0;
    const std::size_t csrc_count = b0 & 0x0F;

    RtpPacket p;
    p.marker = (packet[1] & 0x80) != 0;
    p.payload_type = packet[1] & 0x7F;
    p.sequence = std::uint16_t(util::read_be16(packet.data() + 2));
    p.timestamp = util::read_be32(packet.data() + 4);
    p.ssrc = util::read_be32(packet.data() + 8);

    std::size_t pos = kRtpHeaderSize + 4 * csrc_count;
    if (pos > packet.size()) return fail(RtpErrc::truncated, "CSRC list past the end");
    if (extension) {
        if (packet.size() - pos < 4) return fail(RtpErrc::truncated, "extension header");
        const std::uint32_t profile = util::read_be16(packet.data() + pos);
        const std::size_t words = util::read_be16(packet.data() + pos + 2);
        pos += 4;
        if (packet.size() - pos < 4 * words) return fail(RtpErrc::truncated, "extension body");
        const util::ByteView block = packet.subspan(pos, 4 * words);
        const bool one = profile == kOneByteProfile;
        const bool two = (profile & kTwoByteProfileMask) == kTwoByteProfile;
        // Other profiles are legal (RFC 3550 §5.3.1) and simply carry nothing we read.
        if ((one || two) && !read_extensions(block, two, twcc_extension_id, p.twcc_sequence))
            return fail(RtpErrc::truncated, "extension element past its block");
        pos += 4 * words;
    }
    std::size_t end = packet.size();
    if (padding) {
        // The last byte counts the padding bytes, itself included: 0 or more than the
        // payload is a malformed packet (RFC 3550 §5.1).
        const std::size_t count = packet.back();
        if (count == 0) return fail(RtpErrc::invalid, "padding count 0");
        if (count > end - pos) return fail(RtpErrc::truncated, "padding longer than payload");
        end -= count;
    }
    p.payload = packet.subspan(pos, end - pos);
    return p;
}

std::optional<std::uint16_t> rtx_original_sequence(util::ByteView rtx_payload) {
    if (rtx_payload.size() < 2) return std::nullopt;
    return std::uint16_t(util::read_be16(rtx_payload.data()));
}

std::optional<RtpPacket> unwrap_rtx(const RtpPacket& rtx, std::uint8_t original_payload_type) {
    const auto seq = rtx_original_sequence(rtx.payload);
    if (!seq) return std::nullopt;
    RtpPacket original = rtx;
    original.sequence = *seq;
    original.payload_type = original_payload_type;
    original.payload = rtx.payload.subspan(2);
    return original;
}

}  // namespace webrtc
