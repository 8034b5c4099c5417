// The FLV/RTMP audio tag header: SoundFormat, rate, size and type flags, the AACPacketType
// byte, the enhanced-RTMP audio header (SoundFormat 9 + FourCC), and a human description.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "media/aac.h"
#include "media/error.h"
#include "util/bytes.h"

namespace media {

enum class SoundFormat : std::uint8_t {
    pcm_platform = 0,
    adpcm = 1,
    mp3 = 2,
    pcm_le = 3,
    nellymoser_16k = 4,
    nellymoser_8k = 5,
    nellymoser = 6,
    g711_alaw = 7,
    g711_mulaw = 8,
    ex_header = 9,   // enhanced RTMP (v2): a FourCC follows; "reserved" in FLV 10
    aac = 10,
    speex = 11,
    mp3_8k = 14,
    device_specific = 15,
};

struct AudioTagHeader {
    std::uint8_t sound_format = 0;   // 0..15, see SoundFormat
    std::uint8_t rate_index = 0;     // 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz
    bool sample_16bit = false;
    bool stereo = false;
    std::optional<AacPacketType> aac_packet_type;  // AAC only
    // Enhanced RTMP: ex_packet_type (0 SequenceStart, 1 CodedFrames, 2 SequenceEnd, ...)
    // and the codec FourCC, e.g. 'Opus', 'fLaC', 'mp4a', '.mp3', 'ac-3', 'ec-3'.
    std::optional<std::uint8_t> ex_packet_type;
    std::uint32_t fourcc = 0;
    std::size_t header_size = 1;     // bytes before the codec data (1, 2 for AAC, 5 for ex)

    bool is_sequence_header() const;  // AAC config or enhanced SequenceStart
};

Result<AudioTagHeader> parse_audio_tag_header(util::ByteView payload);

struct AudioDescription {
    std::string codec;          // ffprobe-style name: "aac", "mp3", "pcm_alaw", "speex", ...
    std::uint32_t sample_rate = 0;
    std::uint8_t channels = 0;
    std::string profile;        // AAC object type name ("LC"), empty otherwise
};

// Describes a stream from one of its audio payloads. For AAC the flags always say 44 kHz
// stereo, so the real values come from `aac` (the parsed sequence header) when given, or from
// the payload itself when it is the sequence header.
Result<AudioDescription> describe_audio(util::ByteView payload,
                                        const std::optional<AacConfig>& aac = std::nullopt);

const char* sound_format_name(std::uint8_t sound_format);

}  // namespace media
