// AudioSpecificConfig parsing (see aac.h).
#include "media/aac.h"

#include <string>

#include "media/bits.h"

namespace media {

namespace {

const std::uint32_t kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                  22050, 16000, 12000, 11025, 8000,  7350};

std::uint8_t read_object_type(BitReader& br) {
    std::uint32_t t = br.bits(5);
    if (t == 31) t = 32 + br.bits(6);
    return std::uint8_t(t);
}

// Reads samplingFrequencyIndex and, for index 15, the explicit 24-bit rate.
bool read_rate(BitReader& br, std::uint8_t& index, std::uint32_t& rate) {
    index = std::uint8_t(br.bits(4));
    if (index == 15) rate = br.bits(24);
    else rate = aac_sample_rate(index);
    return rate != 0 && !br.overrun();
}

bool is_general_audio(std::uint8_t t) {
    return t == 1 || t == 2 || t == 3 || t == 4 || t == 6 || t == 7 || t == 17 ||
           (t >= 19 && t <= 23);
}

}  // namespace

std::uint32_t aac_sample_rate(std::uint8_t frequency_index) {
    return frequency_index < 13 ? kRates[frequency_index] : 0;
}

const char* aac_object_name(std::uint8_t t) {
    switch (t) {
        case 1: return "Main";
        case 2: return "LC";
        case 3: return "SSR";
        case 4: return "LTP";
        case 5: return "HE-AAC";
        case 23: return "LD";
        case 29: return "HE-AACv2";
        case 39: return "ELD";
        default: return "other";
    }
}

Result<AacConfig> parse_audio_specific_config(util::ByteView bytes) {
    BitReader br(bytes);
    AacConfig c;
    c.object_type = read_object_type(br);
    if (br.overrun()) return make_error(Code::truncated, "AudioSpecificConfig: short");
    if (c.object_type == 0) return make_error(Code::invalid, "AudioSpecificConfig: object type 0");
    if (!read_rate(br, c.frequency_index, c.sample_rate))
        return make_error(br.overrun() ? Code::truncated : Code::invalid,
                          "AudioSpecificConfig: bad sampling frequency");
    c.channel_config = std::uint8_t(br.bits(4));
    if (br.overrun()) return make_error(Code::truncated, "AudioSpecificConfig: short");
    if (c.channel_config >= 8)
        return make_error(Code::invalid, "AudioSpecificConfig: reserved channel configuration");
    c.channels = c.channel_config == 7 ? 8 : c.channel_config;
    if (c.object_type == kAacObjectSbr || c.object_type == kAacObjectPs) {
        c.sbr = true;
        c.ps = c.object_type == kAacObjectPs;
        std::uint8_t ext_index = 0;
        if (!read_rate(br, ext_index, c.extension_sample_rate))
            return make_error(br.overrun() ? Code::truncated : Code::invalid,
                              "AudioSpecificConfig: bad extension sampling frequency");
        c.object_type = read_object_type(br);
        if (br.overrun()) return make_error(Code::truncated, "AudioSpecificConfig: short");
    }
    // GASpecificConfig starts with frameLengthFlag; some muxers stop after the channel
    // configuration, so a missing flag means the 1024-sample default rather than an error.
    if (is_general_audio(c.object_type) && br.bits_left() >= 1) c.frame_length_960 = br.flag();
    return c;
}

}  // namespace media
