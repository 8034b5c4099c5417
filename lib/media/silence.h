// Silent replacements for audio payloads, same codec and timing, for players whose sound is
// suppressed: AAC (a silent raw_data_block for the stream's AudioSpecificConfig), G.711 A-law /
// mu-law (the codecs' silence values), Speex (a frame that decodes to zeros), linear PCM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "media/aac.h"
#include "media/error.h"
#include "util/bytes.h"

namespace media {

// A raw AAC frame (raw_data_block) that decodes to silence: one element per channel of the
// configuration (SCE/CPE/LFE, max_sfb = 0 so no spectral data), then END. Object types Main,
// LC and LTP, channel configurations 1..7; others give Code::unsupported.
Result<util::Bytes> silent_aac_frame(const AacConfig& config);

// The G.711 byte that decodes to (nearest) zero: 0xD5 for A-law (decodes to +8 of 32768:
// A-law has no zero code), 0xFF for mu-law (decodes to 0).
inline constexpr std::uint8_t kAlawSilence = 0xD5;
inline constexpr std::uint8_t kMulawSilence = 0xFF;

// Number of Speex frames in one packet (FLV Speex: wideband, usually one 20 ms frame), found
// by walking the mode headers; in-band signalling is skipped, a terminator ends the packet.
// Bounded work: a packet of more than kMaxSpeexFrames frames (or as many in-band signals
// besides) is Code::unsupported after that many steps, whatever its size (5 zero bits are a
// valid "null" frame, so a megabyte of zeros would otherwise be 1.6 million frames).
inline constexpr std::size_t kMaxSpeexFrames = 64;  // 1.28 s of 20 ms frames
Result<std::size_t> speex_frame_count(util::ByteView speex_data);

// Largest audio payload AudioSilencer replaces (Code::unsupported above it). Real audio
// messages are far smaller (an AAC frame is at most 6144 bits a channel; 64 KiB is a third of
// a second of 48 kHz 16-bit stereo PCM); silence costs a copy per silenced player.
inline constexpr std::size_t kMaxSilencedAudioSize = 64 * 1024;

// `frames` wideband Speex frames that decode to zeros (libspeex and ffmpeg's native decoder),
// followed by a terminator, as Speex packs a packet. No FLV header byte.
util::Bytes silent_speex_packet(std::size_t frames);

// Replaces one FLV audio tag payload by silence of the same codec and duration, keeping the
// first (SoundFormat/rate/size/type) byte. Remembers the AAC AudioSpecificConfig from the
// sequence header, which passes through unchanged. Errors are not fatal to the session:
// Code::unsupported for codecs it cannot silence (MP3, Nellymoser, ADPCM, enhanced audio,
// HE-AAC), Code::invalid for AAC frames before any sequence header.
class AudioSilencer {
public:
    Result<util::Bytes> silence(util::ByteView payload);
    const std::optional<AacConfig>& aac_config() const { return aac_; }
    void reset() { aac_.reset(); aac_frame_.clear(); }

private:
    std::optional<AacConfig> aac_;
    util::Bytes aac_frame_;  // the silent frame for aac_, built once per sequence header
};

}  // namespace media
