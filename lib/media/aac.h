// AAC in FLV: the AACPacketType byte and the AudioSpecificConfig (ISO 14496-3 1.6.2.1) carried
// by the sequence header: object type (with escape 31), sampling rate, channel configuration.
#pragma once

#include <cstdint>

#include "media/error.h"
#include "util/bytes.h"

namespace media {

enum class AacPacketType : std::uint8_t { sequence_header = 0, raw = 1 };

inline constexpr std::uint8_t kAacObjectMain = 1;
inline constexpr std::uint8_t kAacObjectLc = 2;
inline constexpr std::uint8_t kAacObjectLtp = 4;
inline constexpr std::uint8_t kAacObjectSbr = 5;   // HE-AAC
inline constexpr std::uint8_t kAacObjectPs = 29;   // HE-AAC v2

struct AacConfig {
    std::uint8_t object_type = 0;      // audioObjectType, 1..95 (escape 31 resolved)
    std::uint8_t frequency_index = 0;  // 0..12, or 15 when the rate is explicit
    std::uint32_t sample_rate = 0;     // Hz, from the index or the explicit 24-bit field
    std::uint8_t channel_config = 0;   // 0 = defined by a program config element (not parsed)
    std::uint8_t channels = 0;         // from channel_config (7 -> 8); 0 when channel_config 0
    bool frame_length_960 = false;     // GASpecificConfig frameLengthFlag (1024 otherwise)
    // Explicit HE-AAC signalling (object type 5 or 29): the core type is in object_type,
    // and these say SBR/PS are on and the output rate.
    bool sbr = false;
    bool ps = false;
    std::uint32_t extension_sample_rate = 0;
};

// Parses an AudioSpecificConfig (the bytes after the FLV audio header and AACPacketType 0).
Result<AacConfig> parse_audio_specific_config(util::ByteView bytes);

// Sample rate for a samplingFrequencyIndex (0..12), 0 for reserved indexes.
std::uint32_t aac_sample_rate(std::uint8_t frequency_index);

// "Main", "LC", "SSR", "LTP", "HE-AAC", "HE-AACv2", ... or "AOT <n>".
const char* aac_object_name(std::uint8_t object_type);

}  // namespace media
