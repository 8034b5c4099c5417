// Unit tests for transcode::OpusToAac: real Opus packets made here with libavcodec (libopus, or
// the native encoder) from 1 kHz tones, pushed with RTP timestamps, and the AAC output decoded
// again with FFmpeg's aac decoder: ASC, timeline, tone, gaps, late/garbage/oversize packets.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "transcode/opus_to_aac.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
}

using namespace transcode;

namespace {

constexpr std::int64_t kT0 = 4294967296LL - 20 * 960;  // just below 2^32: unwrapped by caller
constexpr double kPi = 3.14159265358979323846;

struct Quiet {  // garbage packets make FFmpeg log errors; the test output stays readable
    Quiet() { av_log_set_level(AV_LOG_QUIET); }
};
BOOST_TEST_GLOBAL_FIXTURE(Quiet);

struct Tone {
    double hz = 1000;
    double amplitude = 0.5;
    int onset = 0;  // samples of silence before the tone starts
};

// 20 ms Opus packets of a tone per channel (right channel = tones[1] when stereo).
struct OpusStream {
    std::vector<util::Bytes> packets;
    int delay = 0;  // the encoder's lookahead: decoded audio lags the input by this much
};

OpusStream make_opus(int channels, int count, Tone left, Tone right = {}) {
    const AVCodec* codec = avcodec_find_encoder_by_name("libopus");
    bool native = false;
    if (!codec) {
        codec = avcodec_find_encoder_by_name("opus");
        native = true;
    }
    BOOST_REQUIRE(codec);
    AVCodecContext* ctx = avcodec_alloc_context3(codec);
    BOOST_REQUIRE(ctx);
    ctx->sample_rate = 48000;
    av_channel_layout_default(&ctx->ch_layout, channels);
    ctx->bit_rate = channels == 2 ? 96000 : 64000;
    ctx->sample_fmt = codec->sample_fmts[0];
    if (native) ctx->strict_std_compliance = FF_COMPLIANCE_EXPERIMENTAL;
    BOOST_REQUIRE(avcodec_open2(ctx, codec, nullptr) == 0);
    BOOST_REQUIRE_EQUAL(ctx->frame_size, 960);
    OpusStream s;
    s.delay = ctx->initial_padding;
    AVFrame* f = av_frame_alloc();
    AVPacket* p = av_packet_alloc();
    const Tone tones[2] = {left, right};
    auto collect = [&] {
        while (avcodec_receive_packet(ctx, p) == 0) {
            s.packets.emplace_back(p->data, p->data + p->size);
            av_packet_unref(p);
        }
    };
    for (int i = 0; i < count; ++i) {
        f->format = ctx->sample_fmt;
        f->sample_rate = 48000;
        f->nb_samples = 960;
        av_channel_layout_copy(&f->ch_layout, &ctx->ch_layout);
        BOOST_REQUIRE(av_frame_get_buffer(f, 0) == 0);
        for (int n = 0; n < 960; ++n) {
            const long t = long(i) * 960 + n;
            for (int c = 0; c < channels; ++c) {
                const Tone& tone = tones[c];
                const double v =
                    t < tone.onset ? 0 : tone.amplitude * std::sin(2 * kPi * tone.hz * t / 48000);
                if (ctx->sample_fmt == AV_SAMPLE_FMT_S16)
                    reinterpret_cast<int16_t*>(f->data[0])[n * channels + c] = int16_t(v * 32767);
                else if (ctx->sample_fmt == AV_SAMPLE_FMT_FLT)
                    reinterpret_cast<float*>(f->data[0])[n * channels + c] = float(v);
                else
                    reinterpret_cast<float*>(f->data[c])[n] = float(v);
            }
        }
        f->pts = long(i) * 960;
        BOOST_REQUIRE(avcodec_send_frame(ctx, f) == 0);
        av_frame_unref(f);
        collect();
    }
    avcodec_send_frame(ctx, nullptr);
    collect();
    s.packets.resize(count);  // the drained tail beyond count frames is not needed
    av_packet_free(&p);
    av_frame_free(&f);
    avcodec_free_context(&ctx);
    return s;
}

// The AAC output decoded with FFmpeg's aac decoder, one vector per channel, sample 0 at
// frames[0].pts (frames are checked to be contiguous first).
struct Decoded {
    std::int64_t start = 0;
    std::vector<std::vector<float>> ch;
    int channels = 0, sample_rate = 0, profile = -1;
    // Channel c's samples for timeline [from, to).
    std::vector<float> span(int c, std::int64_t from, std::int64_t to) const {
        const auto& v = ch[c];
        const std::int64_t a = std::clamp<std::int64_t>(from - start, 0, std::int64_t(v.size()));
        const std::int64_t b = std::clamp<std::int64_t>(to - start, a, std::int64_t(v.size()));
        return std::vector<float>(v.begin() + a, v.begin() + b);
    }
};

void check_contiguous(const std::vector<AacFrame>& frames) {
    for (std::size_t i = 1; i < frames.size(); ++i)
        BOOST_REQUIRE_EQUAL(frames[i].pts, frames[0].pts + std::int64_t(i) * 1024);
}

Decoded decode_aac(const util::Bytes& asc, const std::vector<AacFrame>& frames) {
    check_contiguous(frames);
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_AAC);
    BOOST_REQUIRE(codec);
    AVCodecContext* ctx = avcodec_alloc_context3(codec);
    ctx->extradata = static_cast<uint8_t*>(av_mallocz(asc.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    std::copy(asc.begin(), asc.end(), ctx->extradata);
    ctx->extradata_size = int(asc.size());
    BOOST_REQUIRE(avcodec_open2(ctx, codec, nullptr) == 0);
    Decoded d;
    d.start = frames.empty() ? 0 : frames[0].pts;
    d.channels = ctx->ch_layout.nb_channels;
    d.ch.resize(std::max(d.channels, 1));
    AVPacket* p = av_packet_alloc();
    AVFrame* f = av_frame_alloc();
    for (const auto& fr : frames) {
        BOOST_REQUIRE(av_new_packet(p, int(fr.data.size())) == 0);
        std::copy(fr.data.begin(), fr.data.end(), p->data);
        BOOST_REQUIRE(avcodec_send_packet(ctx, p) == 0);
        av_packet_unref(p);
        int got = 0;
        while (avcodec_receive_frame(ctx, f) == 0) {
            BOOST_REQUIRE_EQUAL(f->format, AV_SAMPLE_FMT_FLTP);
            for (int c = 0; c < d.channels; ++c) {
                const float* s = reinterpret_cast<const float*>(f->extended_data[c]);
                d.ch[c].insert(d.ch[c].end(), s, s + f->nb_samples);
            }
            got += f->nb_samples;
            av_frame_unref(f);
        }
        BOOST_REQUIRE_EQUAL(got, 1024);  // one access unit, one frame: pts map to samples
    }
    d.sample_rate = ctx->sample_rate;  // known once a frame is decoded
    d.profile = ctx->profile;
    av_frame_free(&f);
    av_packet_free(&p);
    avcodec_free_context(&ctx);
    return d;
}

double rms(const std::vector<float>& v) {
    double e = 0;
    for (float x : v) e += double(x) * x;
    return v.empty() ? 0 : std::sqrt(e / double(v.size()));
}

// Zero crossings per second: about 2 * frequency for a pure tone.
double crossings_per_second(const std::vector<float>& v) {
    int n = 0;
    for (std::size_t i = 1; i < v.size(); ++i) n += (v[i - 1] < 0) != (v[i] < 0);
    return double(n) * 48000 / double(v.size());
}

// Share of the energy at hz (a single-bin DFT): near 1 for a clean tone.
double tone_share(const std::vector<float>& v, double hz) {
    double re = 0, im = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        re += v[i] * std::cos(2 * kPi * hz * double(i) / 48000);
        im += v[i] * std::sin(2 * kPi * hz * double(i) / 48000);
    }
    const double amp2 = 4 * (re * re + im * im) / double(v.size()) / double(v.size());
    const double r = rms(v);
    return r == 0 ? 0 : amp2 / 2 / (r * r);
}

void check_tone(const std::vector<float>& v, double hz) {
    BOOST_TEST(rms(v) > 0.2);  // amplitude 0.5 -> 0.354
    BOOST_TEST(crossings_per_second(v) == 2 * hz, boost::test_tools::tolerance(0.02));
    BOOST_TEST(tone_share(v, hz) > 0.9);
}

std::unique_ptr<OpusToAac> make_transcoder(int channels, const char* decoder = nullptr) {
    OpusToAacOptions o;
    o.channels = channels;
    o.opus_decoder = decoder;
    auto r = OpusToAac::make(o);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
    return std::move(r.value());
}

// Pushes packets[i] at kT0 + 960 * i for every i not in skip; returns the frames after flush.
std::vector<AacFrame> run(OpusToAac& t, const std::vector<util::Bytes>& packets,
                          std::vector<int> skip = {}) {
    std::vector<AacFrame> out;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        if (std::find(skip.begin(), skip.end(), int(i)) != skip.end()) continue;
        BOOST_REQUIRE(t.push(packets[i], kT0 + 960 * std::int64_t(i), out) == PushOutcome::decoded);
    }
    t.flush(out);
    return out;
}

util::Bytes bytes(std::initializer_list<int> v) { return util::Bytes(v.begin(), v.end()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(transcode_opus_to_aac)

BOOST_AUTO_TEST_CASE(opus_packet_samples_checks_framing) {
    // TOC 0xF8: CELT FB 20 ms, code 0; 0x08: SILK NB 20 ms; 0x18: SILK 60 ms; 0x60: hybrid 10 ms.
    BOOST_CHECK_EQUAL(opus_packet_samples({}), 0);               // R1
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xF8})), 960);  // DTX: empty frame
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0x08, 1, 2})), 960);
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0x18, 1})), 2880);
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0x60, 1})), 480);
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xE0, 1})), 120);               // CELT 2.5 ms
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xF9, 1, 2})), 1920);           // code 1, even
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xF9, 1, 2, 3})), 0);           // code 1, odd
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFA, 1, 9, 9})), 1920);        // code 2
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFA, 3, 9, 9})), 0);           // first too long
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFA})), 0);                    // no length
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFA, 252})), 0);               // 2nd byte missing
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB})), 0);                    // code 3, no count
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x00})), 0);              // M = 0
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x03, 1, 2, 3})), 2880);  // CBR 3
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x03, 1, 2})), 0);        // 2 % 3
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x06})), 5760);  // 6 x 20 ms = 120 ms
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x07})), 0);     // 140 ms > R5
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xE3, 48})), 5760);    // 48 x 2.5 ms
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xE3, 49})), 0);
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x42, 2, 0, 0, 7, 7})), 1920);  // padded
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x42, 5, 0, 0})), 0);  // padding > data
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x42})), 0);  // padding byte missing
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x82, 1, 7, 8, 9})), 1920);  // VBR
    BOOST_CHECK_EQUAL(opus_packet_samples(bytes({0xFB, 0x82, 5, 7, 8})), 0);        // length > data
    util::Bytes big(1 + 1276, 0);
    big[0] = 0xF8;
    BOOST_CHECK_EQUAL(opus_packet_samples(big), 0);  // R2: a frame over 1275 bytes
    big.pop_back();
    BOOST_CHECK_EQUAL(opus_packet_samples(big), 960);
    // 255-valued padding bytes chain: 254 + 1 = 255 padding bytes after 3 header bytes.
    util::Bytes padded = {0xFB, 0x41, 255, 1};
    padded.resize(padded.size() + 255, 0);
    BOOST_CHECK_EQUAL(opus_packet_samples(padded), 960);
    padded.pop_back();
    BOOST_CHECK_EQUAL(opus_packet_samples(padded), 0);
}

BOOST_AUTO_TEST_CASE(make_rejects_bad_arguments) {
    for (auto [ch, rate] : {std::pair{0, 128000}, {3, 128000}, {2, 1000}, {1, 10000000}}) {
        auto r = OpusToAac::make(ch, rate);
        BOOST_REQUIRE(!r.ok());
        BOOST_CHECK(r.error().code == TranscodeErrc::invalid_argument);
    }
    OpusToAacOptions o;
    o.opus_decoder = "aac";  // exists, but is no Opus decoder
    auto r = OpusToAac::make(o);
    BOOST_REQUIRE(!r.ok());
    BOOST_CHECK(r.error().code == TranscodeErrc::codec_unavailable);
}

BOOST_AUTO_TEST_CASE(asc_says_aac_lc_48k_with_the_channels_asked) {
    for (int ch : {1, 2}) {
        auto t = make_transcoder(ch);
        const util::Bytes asc = t->audio_specific_config();
        BOOST_REQUIRE_GE(asc.size(), 2u);
        BOOST_CHECK_EQUAL(asc[0] >> 3, 2);                          // AAC-LC
        BOOST_CHECK_EQUAL(((asc[0] & 7) << 1) | (asc[1] >> 7), 3);  // index 3: 48000 Hz
        BOOST_CHECK_EQUAL((asc[1] >> 3) & 0xF, ch);                 // channel configuration
        BOOST_CHECK_EQUAL(asc[1] & 7, 0);  // 1024-sample frames, no core coder, no extension
        BOOST_CHECK_EQUAL(t->channels(), ch);
        BOOST_CHECK_EQUAL(t->encoder_delay(), 1024);
        // FFmpeg's decoder reads it the same way.
        const Decoded d = decode_aac(asc, run(*t, make_opus(ch, 5, {1000}).packets));
        BOOST_CHECK_EQUAL(d.channels, ch);
        BOOST_CHECK_EQUAL(d.sample_rate, 48000);
        BOOST_CHECK_EQUAL(d.profile, FF_PROFILE_AAC_LOW);
    }
}

BOOST_AUTO_TEST_CASE(tone_survives_with_the_input_duration_and_exact_timing) {
    // Every mono/stereo combination: Opus mixes to the output channel count itself. The tone
    // starts 100 ms in so its onset measures where the pts put the audio.
    const int onset = 4800;
    for (auto [in_ch, out_ch] : {std::pair{1, 1}, {2, 2}, {1, 2}, {2, 1}}) {
        BOOST_TEST_CONTEXT("opus " << in_ch << " -> aac " << out_ch) {
            const int count = 100;  // 2 s
            const OpusStream s = make_opus(in_ch, count, {1000, 0.5, onset}, {2000, 0.5, onset});
            auto t = make_transcoder(out_ch);
            const auto frames = run(*t, s.packets);
            BOOST_REQUIRE(!frames.empty());
            BOOST_CHECK_EQUAL(frames[0].pts, kT0 - 1024);  // priming subtracted
            const std::int64_t end = frames.back().pts + 1024;
            BOOST_CHECK_GE(end - kT0, count * 960);
            BOOST_CHECK_LT(end - kT0, count * 960 + 1024);
            BOOST_CHECK_EQUAL(t->stats().packets_decoded, std::uint64_t(count));
            BOOST_CHECK_EQUAL(t->stats().frames_out, frames.size());
            BOOST_CHECK_EQUAL(t->stats().decode_errors, 0u);
            // The decoder gave exactly what the timestamps count: zeros only in the last frame.
            BOOST_CHECK_LT(t->stats().silence_samples, 1024u);

            const Decoded d = decode_aac(t->audio_specific_config(), frames);
            BOOST_REQUIRE_EQUAL(d.channels, out_ch);
            BOOST_CHECK_EQUAL(d.ch[0].size(), frames.size() * 1024);
            const std::int64_t from = kT0 + 9600, to = kT0 + 9600 + 48000;  // 0.2 s .. 1.2 s
            if (in_ch == 2 && out_ch == 2) {
                check_tone(d.span(0, from, to), 1000);
                check_tone(d.span(1, from, to), 2000);
            } else if (in_ch == 1) {
                for (int c = 0; c < out_ch; ++c) check_tone(d.span(c, from, to), 1000);
            } else {  // stereo mixed to mono: both tones, neither clipped
                const auto m = d.span(0, from, to);
                BOOST_TEST(tone_share(m, 1000) > 0.3);
                BOOST_TEST(tone_share(m, 2000) > 0.3);
                BOOST_TEST(*std::max_element(m.begin(), m.end()) < 1.0f);
            }
            // Onset: the first loud sample sits where the input put it (plus Opus's own
            // lookahead, which a browser's stream has too): AAC priming does not shift it.
            const auto& v = d.ch[0];
            std::size_t first = 0;
            while (first < v.size() && std::fabs(v[first]) < 0.1f) ++first;
            const std::int64_t at = d.start + std::int64_t(first);
            BOOST_CHECK_LT(std::llabs(at - (kT0 + onset + s.delay)), 48);  // within 1 ms
            // Before the onset (after the priming unit): silence.
            BOOST_TEST(rms(d.span(0, kT0, kT0 + onset - 256)) < 0.01);
        }
    }
}

BOOST_AUTO_TEST_CASE(libopus_decoder_output_goes_through_the_resampler) {
    // Debian's libopus decoder gives interleaved samples: the swr path converts them.
    if (!avcodec_find_decoder_by_name("libopus")) return;
    for (int ch : {1, 2}) {
        const OpusStream s = make_opus(ch, 60, {1000}, {2000});
        auto t = make_transcoder(ch, "libopus");
        const auto frames = run(*t, s.packets);
        const Decoded d = decode_aac(t->audio_specific_config(), frames);
        check_tone(d.span(0, kT0 + 4800, kT0 + 52800), 1000);
        if (ch == 2) check_tone(d.span(1, kT0 + 4800, kT0 + 52800), 2000);
        BOOST_CHECK_EQUAL(frames.back().pts + 1024 - kT0, 57 * 1024);  // 60 x 960 = 56.25 frames
    }
}

BOOST_AUTO_TEST_CASE(lost_packets_become_silence_without_a_hole) {
    const OpusStream s = make_opus(2, 100, {1000}, {1000});
    std::vector<int> lost;
    for (int i = 40; i < 50; ++i) lost.push_back(i);
    auto t = make_transcoder(2);
    const auto frames = run(*t, s.packets, lost);
    BOOST_CHECK_EQUAL(t->stats().packets_decoded, 90u);
    BOOST_CHECK_GE(t->stats().silence_samples, 9600u);
    BOOST_CHECK_LT(t->stats().silence_samples, 9600u + 1024);          // plus the final padding
    BOOST_CHECK_EQUAL(frames.back().pts + 1024 - kT0, 94 * 1024);      // 100 x 960 = 93.75 frames
    const Decoded d = decode_aac(t->audio_specific_config(), frames);  // checks contiguity
    const std::int64_t gap_from = kT0 + 40 * 960, gap_to = kT0 + 50 * 960;
    // Margins: Opus lookahead and the AAC window overlap blur the edges.
    BOOST_TEST(rms(d.span(0, gap_from + 1500, gap_to - 1500)) < 0.01);
    BOOST_TEST(rms(d.span(1, gap_from + 1500, gap_to - 1500)) < 0.01);
    check_tone(d.span(0, gap_from - 20000, gap_from - 1500), 1000);
    check_tone(d.span(0, gap_to + 1500, gap_to + 20000), 1000);
}

BOOST_AUTO_TEST_CASE(duplicate_and_late_packets_are_dropped) {
    const OpusStream s = make_opus(1, 50, {1000});
    auto ref = make_transcoder(1);
    const auto expected = run(*ref, s.packets);

    auto t = make_transcoder(1);
    std::vector<AacFrame> out;
    for (int i = 0; i < 50; ++i) {
        BOOST_REQUIRE(t->push(s.packets[i], kT0 + 960 * i, out) == PushOutcome::decoded);
        if (i == 20) {  // the same packet again, then one from 10 packets ago
            BOOST_CHECK(t->push(s.packets[i], kT0 + 960 * i, out) == PushOutcome::dropped_late);
            BOOST_CHECK(t->push(s.packets[10], kT0 + 960 * 10, out) == PushOutcome::dropped_late);
        }
    }
    t->flush(out);
    BOOST_CHECK_EQUAL(t->stats().dropped_late, 2u);
    BOOST_CHECK_EQUAL(t->stats().packets_decoded, 50u);
    // The encoder is deterministic: the drops left no trace at all.
    BOOST_REQUIRE_EQUAL(out.size(), expected.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        BOOST_CHECK_EQUAL(out[i].pts, expected[i].pts);
        BOOST_CHECK(out[i].data == expected[i].data);
    }
}

BOOST_AUTO_TEST_CASE(garbage_is_counted_and_concealed_with_silence) {
    const OpusStream s = make_opus(2, 100, {1000}, {1000});
    std::vector<util::Bytes> packets = s.packets;
    // Malformed framing in place of packets 40..49; each conceals one 20 ms frame of its TOC.
    const util::Bytes garbage[] = {{},
                                   bytes({0xFB}),
                                   bytes({0xFB, 0x00}),
                                   bytes({0xF9, 1, 2, 3}),
                                   bytes({0xFA, 200, 1}),
                                   bytes({0xFB, 0x42, 9}),
                                   bytes({0xFB, 0x82, 250, 1}),
                                   bytes({0xFF, 0x07}),
                                   bytes({0xFF, 0x83, 255, 255, 1}),
                                   util::Bytes(1400, 0xF8)};
    for (int i = 0; i < 10; ++i) packets[40 + i] = garbage[i];
    auto t = make_transcoder(2);
    std::vector<AacFrame> out;
    for (int i = 0; i < 100; ++i) {
        const PushOutcome o = t->push(packets[i], kT0 + 960 * i, out);
        BOOST_CHECK(o == (i >= 40 && i < 50 ? PushOutcome::concealed : PushOutcome::decoded));
    }
    t->flush(out);
    BOOST_CHECK_EQUAL(t->stats().decode_errors, 10u);
    BOOST_CHECK_EQUAL(t->stats().packets_decoded, 90u);
    BOOST_CHECK_EQUAL(t->stats().dropped_late, 0u);  // concealment never overshoots
    const Decoded d = decode_aac(t->audio_specific_config(), out);
    BOOST_TEST(rms(d.span(0, kT0 + 40 * 960 + 1500, kT0 + 50 * 960 - 1500)) < 0.01);
    check_tone(d.span(0, kT0 + 50 * 960 + 1500, kT0 + 90 * 960), 1000);
}

BOOST_AUTO_TEST_CASE(random_payloads_never_break_the_timeline) {
    std::mt19937 rng(7);
    auto t = make_transcoder(2);
    std::vector<AacFrame> out;
    std::int64_t ts = kT0;
    for (int i = 0; i < 400; ++i) {
        util::Bytes p(rng() % 120, 0);
        for (auto& b : p) b = std::uint8_t(rng());
        const PushOutcome o = t->push(p, ts, out);
        BOOST_REQUIRE_MESSAGE(o == PushOutcome::decoded || o == PushOutcome::concealed,
                              "packet " << i << " outcome " << int(o));
        ts += 5760;  // the most a packet can hold: what it does not cover becomes gap silence
    }
    t->flush(out);
    check_contiguous(out);
    BOOST_CHECK_EQUAL(t->stats().internal_errors, 0u);
    BOOST_CHECK_EQUAL(t->stats().restarts, 0u);
    BOOST_CHECK_EQUAL(t->stats().dropped_late, 0u);
    BOOST_CHECK_GE(out.back().pts + 1024, ts - 5760 + 120);  // covers the last packet too
    BOOST_CHECK_GT(t->stats().decode_errors, 50u);           // random framing is often invalid
    BOOST_CHECK_GT(t->stats().packets_decoded, 50u);
    BOOST_CHECK_EQUAL(t->stats().decode_errors + t->stats().packets_decoded, 400u);
    decode_aac(t->audio_specific_config(), out);
}

BOOST_AUTO_TEST_CASE(oversize_payload_is_rejected) {
    const OpusStream s = make_opus(1, 10, {1000});
    auto t = make_transcoder(1);
    std::vector<AacFrame> out;
    BOOST_CHECK(t->push(util::Bytes(1501, 0xF8), kT0, out) == PushOutcome::rejected_oversize);
    BOOST_CHECK_EQUAL(t->stats().rejected_oversize, 1u);
    BOOST_CHECK(out.empty());
    // It did not start the timeline: the first real packet does.
    for (int i = 0; i < 10; ++i) t->push(s.packets[i], kT0 + 5000 + 960 * i, out);
    t->flush(out);
    BOOST_CHECK_EQUAL(out.front().pts, kT0 + 5000 - 1024);
    // 1500 bytes is the limit, not beyond it: a code-3 CBR packet of that size is accepted.
    util::Bytes max = {0xFB, 0x02};
    max.resize(1500, 0x55);
    BOOST_CHECK(opus_packet_samples(max) == 1920);
    const PushOutcome o = t->push(max, kT0 + 100000, out);
    BOOST_CHECK(o == PushOutcome::decoded || o == PushOutcome::concealed);
}

BOOST_AUTO_TEST_CASE(dtx_packets_decode_to_silence) {
    const OpusStream s = make_opus(1, 50, {1000});
    auto t = make_transcoder(1);
    std::vector<AacFrame> out;
    for (int i = 0; i < 20; ++i) t->push(s.packets[i], kT0 + 960 * i, out);
    // DTX: TOC-only packets (SILK 20 ms), then nothing for 400 ms, as Chrome does.
    for (int i = 20; i < 25; ++i)
        BOOST_CHECK(t->push(bytes({0x08}), kT0 + 960 * i, out) == PushOutcome::decoded);
    for (int i = 45; i < 50; ++i) t->push(s.packets[i], kT0 + 960 * i, out);
    t->flush(out);
    BOOST_CHECK_EQUAL(t->stats().decode_errors, 0u);
    BOOST_CHECK_EQUAL(out.back().pts + 1024 - kT0, 47 * 1024);
    const Decoded d = decode_aac(t->audio_specific_config(), out);
    BOOST_TEST(rms(d.span(0, kT0 + 22 * 960, kT0 + 44 * 960)) < 0.02);
}

BOOST_AUTO_TEST_CASE(huge_gap_restarts_the_timeline) {
    const OpusStream s = make_opus(2, 60, {1000}, {1000});
    auto t = make_transcoder(2);
    std::vector<AacFrame> out;
    for (int i = 0; i < 30; ++i) t->push(s.packets[i], kT0 + 960 * i, out);
    const std::int64_t t1 = kT0 + 30 * 960 + kMaxGapSamples + 1;  // just past the bound
    for (int i = 30; i < 60; ++i)
        BOOST_REQUIRE(t->push(s.packets[i], t1 + 960 * (i - 30), out) == PushOutcome::decoded);
    t->flush(out);
    BOOST_CHECK_EQUAL(t->stats().restarts, 1u);
    BOOST_CHECK_LT(t->stats().silence_samples, 3 * 1024u);  // only the two final paddings
    // Two contiguous runs: the first ends by the first timeline's end, the second starts at
    // t1 minus the priming.
    std::size_t split = 1;
    while (split < out.size() && out[split].pts == out[split - 1].pts + 1024) ++split;
    BOOST_REQUIRE_LT(split, out.size());
    const std::vector<AacFrame> a(out.begin(), out.begin() + long(split));
    const std::vector<AacFrame> b(out.begin() + long(split), out.end());
    BOOST_CHECK_EQUAL(a.front().pts, kT0 - 1024);
    BOOST_CHECK_EQUAL(a.back().pts + 1024, kT0 + 29 * 1024);  // 30 x 960 = 28.1 frames
    BOOST_CHECK_EQUAL(b.front().pts, t1 - 1024);
    BOOST_CHECK_EQUAL(b.back().pts + 1024, t1 + 29 * 1024);
    // Each run is a whole stream for a decoder (the new encoder primes again).
    check_tone(decode_aac(t->audio_specific_config(), a).span(0, kT0 + 4800, kT0 + 24000), 1000);
    check_tone(decode_aac(t->audio_specific_config(), b).span(1, t1 + 4800, t1 + 24000), 1000);

    // Exactly the bound is still filled; far backwards restarts as well.
    auto u = make_transcoder(1);
    std::vector<AacFrame> o2;
    u->push(s.packets[0], kT0, o2);
    u->push(s.packets[1], kT0 + 960 + kMaxGapSamples, o2);
    BOOST_CHECK_EQUAL(u->stats().restarts, 0u);
    check_contiguous(o2);
    BOOST_CHECK_GE(o2.size(), std::size_t(kMaxGapSamples / 1024));
    u->push(s.packets[2], kT0, o2);  // 10 s back: a restarted sender, not a late packet
    BOOST_CHECK_EQUAL(u->stats().restarts, 1u);
    BOOST_CHECK_EQUAL(u->stats().dropped_late, 0u);
}

BOOST_AUTO_TEST_CASE(flush_ends_a_timeline_and_the_next_push_starts_one) {
    const OpusStream s = make_opus(1, 20, {1000});
    auto t = make_transcoder(1);
    std::vector<AacFrame> out;
    t->flush(out);  // nothing started: nothing out
    BOOST_CHECK(out.empty());
    for (int i = 0; i < 10; ++i) t->push(s.packets[i], kT0 + 960 * i, out);
    t->flush(out);
    const std::size_t first = out.size();
    BOOST_CHECK_EQUAL(first, 11u);  // 9600 samples -> 10 frames, plus the priming unit
    t->flush(out);
    BOOST_CHECK_EQUAL(out.size(), first);  // a second flush adds nothing
    for (int i = 10; i < 20; ++i) t->push(s.packets[i], kT0 + 960 * i, out);
    t->flush(out);
    BOOST_CHECK_EQUAL(out.size(), 2 * first);
    BOOST_CHECK_EQUAL(out[first].pts, kT0 + 9600 - 1024);
}

BOOST_AUTO_TEST_SUITE_END()
