// The FLV/RTMP video tag header, legacy (FrameType + CodecID, AVCPacketType, composition time)
// and enhanced RTMP (IsExHeader, PacketType, FourCC avc1/hvc1/av01/vp09), plus a description
// of a stream from its sequence header (codec, and for AVC profile, level, size, frame rate).
#pragma once

#include <cstdint>
#include <string>

#include "media/error.h"
#include "util/bytes.h"

namespace media {

inline constexpr std::uint8_t kVideoCodecAvc = 7;  // legacy CodecID

// Enhanced RTMP FourCCs.
inline constexpr std::uint32_t kFourccAvc = 0x61766331;   // 'avc1'
inline constexpr std::uint32_t kFourccHevc = 0x68766331;  // 'hvc1'
inline constexpr std::uint32_t kFourccAv1 = 0x61763031;   // 'av01'
inline constexpr std::uint32_t kFourccVp9 = 0x76703039;   // 'vp09'

// Enhanced RTMP PacketType values.
enum class ExVideoPacketType : std::uint8_t {
    sequence_start = 0,
    coded_frames = 1,
    sequence_end = 2,
    coded_frames_x = 3,  // no composition time field (it is 0)
    metadata = 4,
    mpeg2ts_sequence_start = 5,
    multitrack = 6,
    mod_ex = 7,
};

struct VideoTagHeader {
    bool enhanced = false;          // IsExHeader bit set
    std::uint8_t frame_type = 0;    // 1 key, 2 inter, 3 disposable, 4 generated key, 5 command
    std::uint8_t codec_id = 0;      // legacy CodecID (7 = AVC); 0 when enhanced
    std::uint32_t fourcc = 0;       // enhanced FourCC; kFourccAvc for legacy AVC too
    // Legacy AVC: AVCPacketType (0 sequence header, 1 NALUs, 2 end of sequence).
    // Enhanced: the PacketType (ExVideoPacketType).
    std::uint8_t packet_type = 0;
    std::int32_t composition_time = 0;  // signed 24-bit, milliseconds
    bool keyframe = false;          // frame type 1 (or 4) and not a sequence header / command
    bool sequence_header = false;   // AVC config / enhanced SequenceStart
    bool end_of_sequence = false;
    bool metadata = false;          // enhanced Metadata packet (HDR info, AMF-encoded)
    bool command = false;           // frame type 5: video info/command frame, no picture
    std::size_t header_size = 1;    // bytes before the codec data

    // "h264", "hevc", "av1", "vp9", "flv1", "vp6", "vp6a", "flashsv", "flashsv2", or "unknown".
    std::string codec_name() const;
};

Result<VideoTagHeader> parse_video_tag_header(util::ByteView payload);

struct VideoDescription {
    std::string codec;          // as VideoTagHeader::codec_name()
    std::string profile;        // AVC only, e.g. "High"
    std::uint8_t level = 0;     // AVC level_idc (31 = 3.1)
    std::uint32_t width = 0;    // AVC only: after cropping
    std::uint32_t height = 0;
    double frame_rate = 0;      // AVC only, when the SPS has timing info
};

// Describes a stream from its sequence header payload (a whole FLV video tag payload). For
// AVC the first SPS is parsed; other codecs are recognised by name only, to pass them through.
Result<VideoDescription> describe_video(util::ByteView sequence_header_payload);

}  // namespace media
