// FLV AVC video tag payloads from access units.
#include "webrtc/avc_tags.h"

namespace webrtc {
namespace {

constexpr std::uint8_t kFlvKeyframeAvc = 0x17;  // frame type 1, codec 7
constexpr std::uint8_t kFlvInterAvc = 0x27;     // frame type 2, codec 7
constexpr std::uint8_t kAvcSequenceHeader = 0;
constexpr std::uint8_t kAvcNalu = 1;
constexpr std::size_t kMinSps = 4;

}  // namespace

util::Bytes avc_sequence_header(util::ByteView sps, util::ByteView pps) {
    util::Bytes out{kFlvKeyframeAvc, kAvcSequenceHeader, 0, 0, 0};
    out.push_back(1);       // configurationVersion
    out.push_back(sps[1]);  // AVCProfileIndication
    out.push_back(sps[2]);  // profile_compatibility
    out.push_back(sps[3]);  // AVCLevelIndication
    out.push_back(0xFF);    // 6 reserved bits, lengthSizeMinusOne = 3
    out.push_back(0xE1);    // 3 reserved bits, one SPS
    util::append_be16(out, std::uint32_t(sps.size()));
    out.insert(out.end(), sps.begin(), sps.end());
    out.push_back(1);  // one PPS
    util::append_be16(out, std::uint32_t(pps.size()));
    out.insert(out.end(), pps.begin(), pps.end());
    return out;
}

void AvcTagWriter::push(const AccessUnit& au, std::vector<VideoTag>& out) {
    for (const auto& nal : au.nals) {
        if (nal.empty()) continue;
        const std::uint8_t type = nal_type(nal[0]);
        // The record stores 16-bit lengths: a larger parameter set cannot be carried.
        if (nal.size() > 0xFFFF) continue;
        if (type == kNalSps && nal.size() >= kMinSps && nal != sps_) {
            sps_ = nal;
            header_due_ = true;
        } else if (type == kNalPps && nal != pps_) {
            pps_ = nal;
            header_due_ = true;
        }
    }
    const bool have_params = !sps_.empty() && !pps_.empty();
    if (au.keyframe && have_params && header_due_) {
        out.push_back({avc_sequence_header(sps_, pps_), true, false, au.rtp_timestamp});
        header_due_ = false;
        started_ = true;
    }
    if (!started_) return;

    VideoTag tag;
    tag.keyframe = au.keyframe;
    tag.rtp_timestamp = au.rtp_timestamp;
    // Composition time 0: browsers send no B-frames, so decode order is presentation order.
    tag.payload = {au.keyframe ? kFlvKeyframeAvc : kFlvInterAvc, kAvcNalu, 0, 0, 0};
    bool any = false;
    for (const auto& nal : au.nals) {
        if (nal.empty()) continue;
        const std::uint8_t type = nal_type(nal[0]);
        if (type == kNalSps || type == kNalPps || type == kNalAud) continue;  // out of band
        util::append_be32(tag.payload, std::uint32_t(nal.size()));
        tag.payload.insert(tag.payload.end(), nal.begin(), nal.end());
        any = true;
    }
    if (any) out.push_back(std::move(tag));
}

}  // namespace webrtc
