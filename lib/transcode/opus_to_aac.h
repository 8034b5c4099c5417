// Opus (RTP payloads, RFC 7587) to AAC-LC for WebRTC ingest: libavcodec/libswresample glue kept
// out of the fuzzed sans-IO core. FFmpeg stays behind a pimpl so users need none of its headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "util/bytes.h"
#include "util/result.h"

namespace transcode {

enum class TranscodeErrc {
    invalid_argument,   // channels or bitrate out of range
    codec_unavailable,  // this libavcodec has no Opus decoder or AAC encoder
    codec_open_failed,  // avcodec_open2 refused the configuration
    out_of_memory,
};
const char* to_string(TranscodeErrc code);

inline constexpr int kSampleRate = 48000;             // Opus RTP clock and the AAC output rate
inline constexpr int kAacFrameSamples = 1024;         // samples per AAC-LC access unit
inline constexpr std::size_t kMaxOpusPayload = 1500;  // larger than any MTU: not from a browser
// A timestamp jump beyond this (either way) restarts the timeline instead of filling silence.
inline constexpr std::int64_t kMaxGapSamples = 10 * kSampleRate;

// Samples (at 48 kHz) an Opus packet holds, after checking its framing against RFC 6716 3.2
// (frame counts, lengths, padding, at most 120 ms); 0 when the packet is malformed.
int opus_packet_samples(util::ByteView packet);

// One AAC access unit. pts: in 48 kHz samples on the input's RTP timeline, the time of the first
// sample this unit decodes to. The encoder's priming (encoder_delay(), 1024 samples) IS
// subtracted, as FFmpeg does it: the first unit of a timeline has pts = first_ts - 1024 and
// decodes to near-silence; the next covers [first_ts, first_ts + 1024). A player presenting each
// unit at its pts (FLV/RTMP carry no priming information) plays input sample t at time t, so A/V
// sync is exact, not merely within a frame. Units are contiguous: pts advance by 1024.
struct AacFrame {
    std::int64_t pts;
    util::Bytes data;  // raw access unit, no ADTS header
};

// What push() did with a packet.
enum class PushOutcome {
    decoded,            // decoded and queued (a gap before it, if any, filled with silence)
    concealed,          // malformed or undecodable: counted as an error, silence in its place
    dropped_late,       // earlier than expected (duplicate or late): ignored
    rejected_oversize,  // larger than kMaxOpusPayload: ignored
    failed,             // an FFmpeg call failed internally; the transcoder stays stopped
};

struct TranscodeStats {
    std::uint64_t packets_in = 0;
    std::uint64_t packets_decoded = 0;
    std::uint64_t decode_errors = 0;  // packets concealed with silence
    std::uint64_t dropped_late = 0;
    std::uint64_t rejected_oversize = 0;
    std::uint64_t silence_samples = 0;  // zeros inserted: gaps, concealment, final padding
    std::uint64_t frames_out = 0;
    std::uint64_t restarts = 0;         // timeline restarts after a jump > kMaxGapSamples
    std::uint64_t internal_errors = 0;  // FFmpeg failures other than bad input
};

struct OpusToAacOptions {
    int channels = 2;  // AAC output channels, 1 or 2 (Opus mono/stereo packets are mixed to it)
    int aac_bitrate = 128000;
    // FFmpeg decoder name; null = avcodec_find_decoder(AV_CODEC_ID_OPUS), the native one.
    // Tests use "libopus" (interleaved s16 output) to exercise the resampler path.
    const char* opus_decoder = nullptr;
};

class OpusToAac {
  public:
    static util::Result<std::unique_ptr<OpusToAac>, TranscodeErrc> make(int channels = 2,
                                                                        int aac_bitrate = 128000);
    static util::Result<std::unique_ptr<OpusToAac>, TranscodeErrc> make(
        const OpusToAacOptions& options);
    ~OpusToAac();
    OpusToAac(const OpusToAac&) = delete;
    OpusToAac& operator=(const OpusToAac&) = delete;

    // AudioSpecificConfig of the output (AAC-LC, 48 kHz, channels) for the FLV sequence header.
    util::Bytes audio_specific_config() const;
    int channels() const;
    // Priming samples the encoder puts before the input (already subtracted from pts).
    int encoder_delay() const;

    // One RTP Opus payload with its unwrapped RTP timestamp. Complete AAC frames are appended to
    // out. A later-than-expected timestamp (loss, DTX) is filled with silence up to
    // kMaxGapSamples; beyond that, or that far backwards, the current timeline is flushed to out
    // and a new one starts at this packet. Never throws.
    PushOutcome push(util::ByteView opus_payload, std::int64_t rtp_timestamp,
                     std::vector<AacFrame>& out);
    // Ends the timeline: pads the last partial frame with silence and drains the encoder. A push
    // afterwards starts a new timeline.
    void flush(std::vector<AacFrame>& out);

    const TranscodeStats& stats() const;

  private:
    struct Impl;
    explicit OpusToAac(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace transcode
