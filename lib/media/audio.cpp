// FLV audio tag header parsing and description (see audio.h).
#include "media/audio.h"

namespace media {

namespace {
constexpr std::uint32_t kFlagRates[4] = {5512, 11025, 22050, 44100};
constexpr std::uint8_t kExPacketSequenceStart = 0;
constexpr std::uint8_t kExPacketMultitrack = 5;
constexpr std::uint8_t kExPacketModEx = 7;

std::string fourcc_text(std::uint32_t fourcc) {
    std::string s;
    for (int shift = 24; shift >= 0; shift -= 8) {
        char c = char((fourcc >> shift) & 0xFF);
        s += (c >= 0x20 && c < 0x7F) ? c : '?';
    }
    return s;
}
}  // namespace

bool AudioTagHeader::is_sequence_header() const {
    if (aac_packet_type) return *aac_packet_type == AacPacketType::sequence_header;
    return ex_packet_type && *ex_packet_type == kExPacketSequenceStart;
}

const char* sound_format_name(std::uint8_t f) {
    switch (f) {
        case 0: return "pcm";
        case 1: return "adpcm_swf";
        case 2: return "mp3";
        case 3: return "pcm_s16le";
        case 4:
        case 5:
        case 6: return "nellymoser";
        case 7: return "pcm_alaw";
        case 8: return "pcm_mulaw";
        case 9: return "enhanced";
        case 10: return "aac";
        case 11: return "speex";
        case 14: return "mp3";
        case 15: return "device_specific";
        default: return "unknown";
    }
}

Result<AudioTagHeader> parse_audio_tag_header(util::ByteView payload) {
    util::Reader in(payload);
    std::uint8_t b0 = 0;
    if (!in.u8(b0)) return make_error(Code::truncated, "audio tag: empty payload");
    AudioTagHeader h;
    h.sound_format = b0 >> 4;
    if (h.sound_format == std::uint8_t(SoundFormat::ex_header)) {
        // Enhanced RTMP: the low nibble is the AudioPacketType, not rate/size/type flags.
        h.ex_packet_type = std::uint8_t(b0 & 0x0F);
        if (*h.ex_packet_type == kExPacketMultitrack || *h.ex_packet_type == kExPacketModEx)
            return make_error(Code::unsupported, "audio tag: enhanced multitrack/ModEx");
        if (!in.be32(h.fourcc)) return make_error(Code::truncated, "audio tag: FourCC missing");
        h.header_size = in.position();
        return h;
    }
    h.rate_index = (b0 >> 2) & 3;
    h.sample_16bit = (b0 & 2) != 0;
    h.stereo = (b0 & 1) != 0;
    if (h.sound_format == std::uint8_t(SoundFormat::aac)) {
        std::uint8_t type = 0;
        if (!in.u8(type)) return make_error(Code::truncated, "audio tag: AACPacketType missing");
        if (type > 1) return make_error(Code::invalid, "audio tag: AACPacketType above 1");
        h.aac_packet_type = AacPacketType(type);
    }
    h.header_size = in.position();
    return h;
}

Result<AudioDescription> describe_audio(util::ByteView payload,
                                        const std::optional<AacConfig>& aac) {
    auto parsed = parse_audio_tag_header(payload);
    if (!parsed) return parsed.error();
    const AudioTagHeader& h = *parsed;
    AudioDescription d;
    d.codec = sound_format_name(h.sound_format);
    d.sample_rate = kFlagRates[h.rate_index];
    d.channels = h.stereo ? 2 : 1;
    switch (SoundFormat(h.sound_format)) {
        case SoundFormat::nellymoser_16k: d.sample_rate = 16000; d.channels = 1; break;
        case SoundFormat::nellymoser_8k: d.sample_rate = 8000; d.channels = 1; break;
        // G.711 and MP3 8k are 8 kHz whatever the rate flags say (they cannot express 8000).
        case SoundFormat::g711_alaw:
        case SoundFormat::g711_mulaw:
        case SoundFormat::mp3_8k: d.sample_rate = 8000; break;
        // FLV Speex is always 16 kHz mono (wideband).
        case SoundFormat::speex: d.sample_rate = 16000; d.channels = 1; break;
        case SoundFormat::ex_header:
            d.codec = fourcc_text(h.fourcc);
            d.sample_rate = 0;
            d.channels = 0;
            break;
        case SoundFormat::aac: {
            std::optional<AacConfig> config = aac;
            if (h.is_sequence_header()) {
                auto c = parse_audio_specific_config(payload.subspan(h.header_size));
                if (!c) return c.error();
                config = *c;
            }
            if (config) {
                d.sample_rate = config->sbr ? config->extension_sample_rate : config->sample_rate;
                d.channels = config->ps ? 2 : config->channels;
                d.profile = config->sbr ? (config->ps ? "HE-AACv2" : "HE-AAC")
                                        : aac_object_name(config->object_type);
            }
            break;
        }
        default: break;
    }
    return d;
}

}  // namespace media
