// Video tag header parsing and stream description (see video.h).
#include "media/video.h"

#include "media/avc.h"

namespace media {

namespace {

std::int32_t signed24(std::uint32_t v) {
    return (v & 0x800000) ? std::int32_t(v) - 0x1000000 : std::int32_t(v);
}

}  // namespace

std::string VideoTagHeader::codec_name() const {
    switch (fourcc) {
        case kFourccAvc: return "h264";
        case kFourccHevc: return "hevc";
        case kFourccAv1: return "av1";
        case kFourccVp9: return "vp9";
        default: break;
    }
    if (enhanced) return "unknown";
    switch (codec_id) {
        case 2: return "flv1";
        case 3: return "flashsv";
        case 4: return "vp6";
        case 5: return "vp6a";
        case 6: return "flashsv2";
        default: return "unknown";
    }
}

Result<VideoTagHeader> parse_video_tag_header(util::ByteView payload) {
    util::Reader in(payload);
    std::uint8_t b0 = 0;
    if (!in.u8(b0)) return make_error(Code::truncated, "video tag: empty payload");
    VideoTagHeader h;
    h.enhanced = (b0 & 0x80) != 0;
    if (h.enhanced) {
        h.frame_type = (b0 >> 4) & 7;
        h.packet_type = b0 & 0x0F;
        const auto type = ExVideoPacketType(h.packet_type);
        if (type == ExVideoPacketType::multitrack || type == ExVideoPacketType::mod_ex)
            return make_error(Code::unsupported, "video tag: enhanced multitrack/ModEx");
        if (h.packet_type > 7) return make_error(Code::invalid, "video tag: reserved PacketType");
        if (!in.be32(h.fourcc)) return make_error(Code::truncated, "video tag: FourCC missing");
        h.command = h.frame_type == 5 && type != ExVideoPacketType::metadata;
        h.sequence_header = type == ExVideoPacketType::sequence_start;
        h.end_of_sequence = type == ExVideoPacketType::sequence_end;
        h.metadata = type == ExVideoPacketType::metadata;
        // CodedFrames of AVC and HEVC carry a composition time; other codecs have none.
        if (!h.command && type == ExVideoPacketType::coded_frames &&
            (h.fourcc == kFourccAvc || h.fourcc == kFourccHevc)) {
            std::uint32_t cts = 0;
            if (!in.be24(cts)) return make_error(Code::truncated, "video tag: composition time");
            h.composition_time = signed24(cts);
        }
    } else {
        h.frame_type = b0 >> 4;
        h.codec_id = b0 & 0x0F;
        h.command = h.frame_type == 5;
        if (h.codec_id == kVideoCodecAvc) {
            h.fourcc = kFourccAvc;
            if (!h.command) {
                std::uint8_t type = 0;
                std::uint32_t cts = 0;
                if (!in.u8(type) || !in.be24(cts))
                    return make_error(Code::truncated, "video tag: AVC header cut short");
                if (type > 2) return make_error(Code::invalid, "video tag: AVCPacketType above 2");
                h.packet_type = type;
                h.composition_time = signed24(cts);
                h.sequence_header = type == 0;
                h.end_of_sequence = type == 2;
            }
        }
    }
    if (h.frame_type == 0) return make_error(Code::invalid, "video tag: frame type 0");
    h.keyframe = (h.frame_type == 1 || h.frame_type == 4) && !h.sequence_header &&
                 !h.end_of_sequence && !h.metadata && !h.command;
    h.header_size = in.position();
    return h;
}

Result<VideoDescription> describe_video(util::ByteView payload) {
    auto h = parse_video_tag_header(payload);
    if (!h) return h.error();
    VideoDescription d;
    d.codec = h->codec_name();
    if (h->fourcc != kFourccAvc || !h->sequence_header) return d;
    auto config = parse_avc_decoder_config(payload.subspan(h->header_size));
    if (!config) return config.error();
    d.level = config->level;
    d.profile = avc_profile_name(config->profile, config->compatibility);
    if (config->sps.empty()) return d;
    auto sps = parse_sps(config->sps.front());
    if (!sps) return sps.error();
    d.profile = avc_profile_name(sps->profile_idc, sps->constraint_flags);
    d.level = sps->level_idc;
    d.width = sps->width;
    d.height = sps->height;
    d.frame_rate = sps->frame_rate();
    return d;
}

}  // namespace media
