// Silent audio frames (see silence.h).
#include "media/silence.h"

#include "media/audio.h"
#include "media/bits.h"

namespace media {

namespace {

Error soft_error(Code code, std::string message) {
    return make_error(code, std::move(message), /*fatal=*/false);
}

// --- AAC: ISO 14496-3 4.4.2 raw_data_block ---
enum : std::uint32_t { kSce = 0, kCpe = 1, kLfe = 3, kEnd = 7 };

// individual_channel_stream with no sections: global_gain, ics_info (long window, max_sfb 0,
// no prediction), then pulse/tns/gain-control flags all off. Zero bands means zero spectra.
void put_silent_ics(BitWriter& w) {
    w.put(0, 8);  // global_gain (irrelevant without scalefactor bands)
    w.put(0, 1);  // ics_reserved_bit
    w.put(0, 2);  // window_sequence ONLY_LONG_SEQUENCE
    w.put(0, 1);  // window_shape
    w.put(0, 6);  // max_sfb
    w.put(0, 1);  // predictor_data_present
    w.put(0, 1);  // pulse_data_present
    w.put(0, 1);  // tns_data_present
    w.put(0, 1);  // gain_control_data_present
}

void put_element(BitWriter& w, std::uint32_t id, std::uint32_t tag) {
    w.put(id, 3);
    w.put(tag, 4);  // element_instance_tag
    if (id == kCpe) {
        w.put(0, 1);  // common_window off: two independent silent streams
        put_silent_ics(w);
    }
    put_silent_ics(w);
}

// --- Speex (wideband, as in FLV) ---
// Bits per frame including the 5-bit header (narrowband modes) and the 4-bit header
// (wideband layer submodes), from the Speex mode tables.
constexpr int kNbBits[9] = {5, 43, 119, 160, 220, 300, 364, 492, 79};
constexpr int kWbBits[5] = {4, 36, 112, 192, 352};
constexpr int kInbandSkip[16] = {1, 1, 4, 4, 4, 4, 4, 4, 8, 8, 16, 16, 32, 32, 64, 64};

// One wideband frame that libspeex (quality 8, CBR) writes for digital silence: narrowband
// mode 6 + wideband submode 3, 556 bits, captured from `ffmpeg -f lavfi -i
// anullsrc=r=16000:cl=mono -c:a libspeex -f flv`. It decodes to exact zeros with libspeex and
// with ffmpeg's native decoder. (A shorter "null mode" frame makes libspeex emit faint
// comfort noise, so it is not used.) The last 4 bits of the array are padding.
constexpr std::uint8_t kSilentSpeexFrame[70] = {
    0x36, 0x9d, 0x1b, 0x9a, 0x20, 0x08, 0x01, 0x68, 0xe8, 0xe8, 0xe8, 0xe8, 0xe8, 0xe8,
    0xe8, 0x84, 0x00, 0xb4, 0x74, 0x74, 0x74, 0x74, 0x74, 0x74, 0x74, 0x42, 0x00, 0x5a,
    0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x3a, 0x21, 0x00, 0x2d, 0x1d, 0x1d, 0x1d, 0x1d,
    0x1d, 0x1d, 0x1d, 0x1b, 0x3b, 0x60, 0xab, 0xab, 0xab, 0xab, 0xab, 0x0a, 0xba, 0xba,
    0xba, 0xba, 0xb0, 0xab, 0xab, 0xab, 0xab, 0xab, 0x0a, 0xba, 0xba, 0xba, 0xba, 0xb7};
constexpr unsigned kSilentSpeexFrameBits = 556;

}  // namespace

Result<util::Bytes> silent_aac_frame(const AacConfig& c) {
    if (c.sbr || c.ps) return soft_error(Code::unsupported, "silence: HE-AAC (SBR/PS)");
    if (c.object_type != kAacObjectMain && c.object_type != kAacObjectLc &&
        c.object_type != kAacObjectLtp)
        return soft_error(Code::unsupported,
                          "silence: AAC object type " + std::to_string(c.object_type));
    // Element order per channel configuration (ISO 14496-3 Table 1.19); instance tags count
    // per element type.
    BitWriter w;
    switch (c.channel_config) {
        case 1: put_element(w, kSce, 0); break;
        case 2: put_element(w, kCpe, 0); break;
        case 3: put_element(w, kSce, 0); put_element(w, kCpe, 0); break;
        case 4:
            put_element(w, kSce, 0); put_element(w, kCpe, 0); put_element(w, kSce, 1);
            break;
        case 5:
            put_element(w, kSce, 0); put_element(w, kCpe, 0); put_element(w, kCpe, 1);
            break;
        case 6:
            put_element(w, kSce, 0); put_element(w, kCpe, 0); put_element(w, kCpe, 1);
            put_element(w, kLfe, 0);
            break;
        case 7:
            put_element(w, kSce, 0); put_element(w, kCpe, 0); put_element(w, kCpe, 1);
            put_element(w, kCpe, 2); put_element(w, kLfe, 0);
            break;
        default:
            return soft_error(Code::unsupported, "silence: AAC channel configuration " +
                                                     std::to_string(c.channel_config));
    }
    w.put(kEnd, 3);
    return w.finish();
}

Result<std::size_t> speex_frame_count(util::ByteView data) {
    BitReader br(data);
    std::size_t frames = 0;
    std::size_t steps = 0;
    while (br.bits_left() >= 5) {
        if (frames >= kMaxSpeexFrames || ++steps > 4 * kMaxSpeexFrames)
            return make_error(Code::unsupported,
                              "speex: more than " + std::to_string(kMaxSpeexFrames) +
                                  " frames in one packet",
                              /*fatal=*/false);
        BitReader peek = br;
        if (peek.bits(5) == 15) break;  // terminator: wideband bit 0, mode 15
        if (br.flag()) {
            // A wideband layer where a narrowband frame was expected: decoders skip it.
            std::uint32_t sub = br.bits(3);
            if (sub > 4) return make_error(Code::invalid, "speex: reserved wideband submode");
            br.skip(kWbBits[sub] - 4);
            continue;
        }
        std::uint32_t mode = br.bits(4);
        if (mode == 14) {  // in-band signal: 4-bit code, then a payload sized by the code
            br.skip(kInbandSkip[br.bits(4)]);
            continue;
        }
        if (mode == 13) {  // user in-band data: 4-bit size in bytes, 5-bit id
            br.skip(5 + 8 * br.bits(4));
            continue;
        }
        if (mode > 8) return make_error(Code::invalid, "speex: reserved narrowband mode");
        br.skip(kNbBits[mode] - 5);
        while (br.bits_left() >= 4) {
            BitReader layer = br;
            if (!layer.flag()) break;
            std::uint32_t sub = layer.bits(3);
            if (sub > 4) return make_error(Code::invalid, "speex: reserved wideband submode");
            br = layer;
            br.skip(kWbBits[sub] - 4);
        }
        if (br.overrun()) return make_error(Code::truncated, "speex: frame cut short");
        ++frames;
    }
    if (br.overrun()) return make_error(Code::truncated, "speex: frame cut short");
    return frames;
}

util::Bytes silent_speex_packet(std::size_t frames) {
    BitWriter w;
    for (std::size_t f = 0; f < frames; ++f) {
        BitReader frame(util::ByteView(kSilentSpeexFrame, sizeof kSilentSpeexFrame));
        for (unsigned left = kSilentSpeexFrameBits; left > 0;) {
            unsigned n = left < 32 ? left : 32;
            w.put(frame.bits(n), n);
            left -= n;
        }
    }
    // Speex's terminator convention: a 0 bit, then 1s to the byte boundary. Decoders see a
    // leading "01111" (or fewer than 5 bits) and stop, so no phantom frame is decoded.
    if (w.bit_count() % 8 != 0) w.put(0, 1);
    return w.finish(/*pad_bit=*/true);
}

Result<util::Bytes> AudioSilencer::silence(util::ByteView payload) {
    if (payload.size() > kMaxSilencedAudioSize)
        return soft_error(Code::unsupported, "silence: audio message of " +
                                                 std::to_string(payload.size()) +
                                                 " bytes, more than kMaxSilencedAudioSize");
    auto parsed = parse_audio_tag_header(payload);
    if (!parsed) return soft_error(parsed.error().code, parsed.error().message);
    const AudioTagHeader& h = *parsed;
    const util::ByteView body = payload.subspan(h.header_size);
    util::Bytes out(payload.begin(), payload.begin() + std::ptrdiff_t(h.header_size));
    switch (SoundFormat(h.sound_format)) {
        case SoundFormat::aac: {
            if (h.is_sequence_header()) {
                auto config = parse_audio_specific_config(body);
                if (!config) return soft_error(config.error().code, config.error().message);
                auto frame = silent_aac_frame(*config);
                aac_ = *config;
                aac_frame_ = frame ? *frame : util::Bytes();
                return util::Bytes(payload.begin(), payload.end());
            }
            if (!aac_) return soft_error(Code::invalid, "silence: AAC frame before its config");
            if (aac_frame_.empty()) return silent_aac_frame(*aac_).error();
            out.insert(out.end(), aac_frame_.begin(), aac_frame_.end());
            return out;
        }
        case SoundFormat::g711_alaw: out.resize(payload.size(), kAlawSilence); return out;
        case SoundFormat::g711_mulaw: out.resize(payload.size(), kMulawSilence); return out;
        case SoundFormat::pcm_platform:
        case SoundFormat::pcm_le:
            // 8-bit FLV PCM is unsigned (silence 0x80); 16-bit is signed (silence 0).
            out.resize(payload.size(), h.sample_16bit ? 0x00 : 0x80);
            return out;
        case SoundFormat::speex: {
            auto frames = speex_frame_count(body);
            if (!frames && frames.error().code == Code::unsupported)
                return soft_error(Code::unsupported, frames.error().message);
            // Unparseable input still gets one frame: FLV Speex packets normally hold one.
            std::size_t n = frames && *frames > 0 ? *frames : 1;
            util::Bytes silent = silent_speex_packet(n);
            out.insert(out.end(), silent.begin(), silent.end());
            return out;
        }
        default:
            return soft_error(Code::unsupported, std::string("silence: cannot silence ") +
                                                     sound_format_name(h.sound_format));
    }
}

}  // namespace media
