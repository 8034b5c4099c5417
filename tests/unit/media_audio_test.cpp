// Unit tests for media/aac and media/audio: AudioSpecificConfig vectors (escape object type,
// explicit rate, HE-AAC signalling, truncation at every length) and FLV audio tag headers.
#include <boost/test/unit_test.hpp>

#include "media/aac.h"
#include "media/audio.h"
#include "media/flv.h"
#include "media_test_util.h"

using namespace media;
using media_test::hex;

BOOST_AUTO_TEST_SUITE(aac_config)

BOOST_AUTO_TEST_CASE(lc_stereo_and_mono_44100) {
    auto s = parse_audio_specific_config(hex("1210"));
    BOOST_REQUIRE(s.ok());
    BOOST_CHECK_EQUAL(s->object_type, 2);
    BOOST_CHECK_EQUAL(s->frequency_index, 4);
    BOOST_CHECK_EQUAL(s->sample_rate, 44100u);
    BOOST_CHECK_EQUAL(s->channel_config, 2);
    BOOST_CHECK_EQUAL(s->channels, 2);
    BOOST_CHECK(!s->sbr && !s->frame_length_960);
    // aac_only.flv's sequence header: mono plus a trailing sync extension (0x2b7, ignored)
    auto m = parse_audio_specific_config(hex("120856e500"));
    BOOST_REQUIRE(m.ok());
    BOOST_CHECK_EQUAL(m->channels, 1);
    BOOST_CHECK_EQUAL(m->sample_rate, 44100u);
}

BOOST_AUTO_TEST_CASE(escape_explicit_rate_and_960) {
    auto esc = parse_audio_specific_config(hex("f94840"));  // 31 + 10 = AOT 42, 44100, stereo
    BOOST_REQUIRE(esc.ok());
    BOOST_CHECK_EQUAL(esc->object_type, 42);
    BOOST_CHECK_EQUAL(esc->sample_rate, 44100u);
    BOOST_CHECK_EQUAL(esc->channels, 2);
    auto explicit_rate = parse_audio_specific_config(hex("17800fa008"));  // index 15: 8000 Hz
    BOOST_REQUIRE(explicit_rate.ok());
    BOOST_CHECK_EQUAL(explicit_rate->frequency_index, 15);
    BOOST_CHECK_EQUAL(explicit_rate->sample_rate, 8000u);
    BOOST_CHECK_EQUAL(explicit_rate->channels, 1);
    auto six = parse_audio_specific_config(hex("11b4"));  // LC 48000, 5.1, frameLengthFlag
    BOOST_REQUIRE(six.ok());
    BOOST_CHECK_EQUAL(six->sample_rate, 48000u);
    BOOST_CHECK_EQUAL(six->channels, 6);
    BOOST_CHECK(six->frame_length_960);
    auto eight = parse_audio_specific_config(hex("1238"));  // channel configuration 7 = 7.1
    BOOST_REQUIRE(eight.ok());
    BOOST_CHECK_EQUAL(eight->channels, 8);
}

BOOST_AUTO_TEST_CASE(he_aac_explicit_signalling) {
    auto he = parse_audio_specific_config(hex("2b920800"));  // SBR: 22050 core, 44100 out
    BOOST_REQUIRE(he.ok());
    BOOST_CHECK(he->sbr && !he->ps);
    BOOST_CHECK_EQUAL(he->object_type, 2);
    BOOST_CHECK_EQUAL(he->sample_rate, 22050u);
    BOOST_CHECK_EQUAL(he->extension_sample_rate, 44100u);
    BOOST_CHECK_EQUAL(he->channels, 2);
    auto ps = parse_audio_specific_config(hex("eb0988"));  // PS: 24000 core mono, 48000 out
    BOOST_REQUIRE(ps.ok());
    BOOST_CHECK(ps->sbr && ps->ps);
    BOOST_CHECK_EQUAL(ps->sample_rate, 24000u);
    BOOST_CHECK_EQUAL(ps->extension_sample_rate, 48000u);
    BOOST_CHECK_EQUAL(ps->channels, 1);
}

BOOST_AUTO_TEST_CASE(errors) {
    BOOST_CHECK(parse_audio_specific_config({}).error().code == Code::truncated);
    BOOST_CHECK(parse_audio_specific_config(hex("12")).error().code == Code::truncated);
    BOOST_CHECK(parse_audio_specific_config(hex("1690")).error().code == Code::invalid);  // idx 13
    BOOST_CHECK(parse_audio_specific_config(hex("0210")).error().code == Code::invalid);  // AOT 0
    BOOST_CHECK(parse_audio_specific_config(hex("1240")).error().code == Code::invalid);  // ch 8
    // Every strict prefix of a config that needs all its bytes fails as truncated.
    const util::Bytes full = hex("17800fa008");
    for (std::size_t n = 0; n + 1 < full.size(); ++n) {
        auto r = parse_audio_specific_config(util::ByteView(full.data(), n));
        BOOST_CHECK(!r.ok() && r.error().code == Code::truncated);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(audio_tag)

BOOST_AUTO_TEST_CASE(legacy_formats) {
    struct Row {
        const char* payload;
        std::uint8_t format;
        const char* codec;
        std::uint32_t rate;
        std::uint8_t channels;
        std::size_t header_size;
    } rows[] = {
        {"72d5d5", 7, "pcm_alaw", 8000, 1, 1},    // h264_pcma.flv: A-law, flags 5.5k 16-bit mono
        {"82ffff", 8, "pcm_mulaw", 8000, 1, 1},   // h264_pcmu.flv
        {"b63054", 11, "speex", 16000, 1, 1},     // h264_speex.flv
        {"2fff", 2, "mp3", 44100, 2, 1},
        {"2aff", 2, "mp3", 22050, 1, 1},
        {"e2ff", 14, "mp3", 8000, 1, 1},
        {"3f0000", 3, "pcm_s16le", 44100, 2, 1},
        {"5200", 5, "nellymoser", 8000, 1, 1},
        {"af01de04", 10, "aac", 44100, 2, 2},     // raw AAC without a known config: the flags
    };
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.payload) {
            auto h = parse_audio_tag_header(hex(r.payload));
            BOOST_REQUIRE(h.ok());
            BOOST_CHECK_EQUAL(h->sound_format, r.format);
            BOOST_CHECK_EQUAL(h->header_size, r.header_size);
            auto d = describe_audio(hex(r.payload));
            BOOST_REQUIRE(d.ok());
            BOOST_CHECK_EQUAL(d->codec, r.codec);
            BOOST_CHECK_EQUAL(d->sample_rate, r.rate);
            BOOST_CHECK_EQUAL(d->channels, r.channels);
        }
    }
    auto flags = parse_audio_tag_header(hex("72"));
    BOOST_CHECK_EQUAL(flags->rate_index, 0);
    BOOST_CHECK(flags->sample_16bit && !flags->stereo);
}

BOOST_AUTO_TEST_CASE(aac_sequence_header_and_known_config) {
    auto h = parse_audio_tag_header(hex("af001208"));
    BOOST_REQUIRE(h.ok());
    BOOST_CHECK(h->aac_packet_type == AacPacketType::sequence_header);
    BOOST_CHECK(h->is_sequence_header());
    auto d = describe_audio(hex("af001208"));
    BOOST_REQUIRE(d.ok());
    BOOST_CHECK_EQUAL(d->channels, 1);  // the config wins over the stereo flag
    BOOST_CHECK_EQUAL(d->profile, "LC");
    auto config = parse_audio_specific_config(hex("1188"));  // LC 48000 mono
    auto raw = describe_audio(hex("af01aa"), *config);
    BOOST_REQUIRE(raw.ok());
    BOOST_CHECK_EQUAL(raw->sample_rate, 48000u);
    BOOST_CHECK_EQUAL(raw->channels, 1);
    BOOST_CHECK(!parse_audio_tag_header(hex("af01"))->is_sequence_header());
    BOOST_CHECK(parse_audio_tag_header(hex("af")).error().code == Code::truncated);
    BOOST_CHECK(parse_audio_tag_header(hex("af02")).error().code == Code::invalid);
    BOOST_CHECK(parse_audio_tag_header({}).error().code == Code::truncated);
    BOOST_CHECK(describe_audio(hex("af0012")).error().code == Code::truncated);
}

BOOST_AUTO_TEST_CASE(enhanced_fourcc) {
    auto h = parse_audio_tag_header(hex("90 4f707573 aa"));  // SequenceStart, 'Opus'
    BOOST_REQUIRE(h.ok());
    BOOST_CHECK_EQUAL(h->sound_format, 9);
    BOOST_CHECK_EQUAL(h->fourcc, 0x4f707573u);
    BOOST_CHECK_EQUAL(h->header_size, 5u);
    BOOST_CHECK(h->is_sequence_header());
    BOOST_CHECK_EQUAL(describe_audio(hex("91 664c6143"))->codec, "fLaC");
    BOOST_CHECK(parse_audio_tag_header(hex("91 664c61")).error().code == Code::truncated);
    BOOST_CHECK(parse_audio_tag_header(hex("95 664c6143")).error().code == Code::unsupported);
}

// Every audio tag of the fixtures parses and describes as ffprobe reports the stream.
BOOST_AUTO_TEST_CASE(fixtures_describe_like_ffprobe) {
    struct Row {
        const char* file;
        const char* codec;
        std::uint32_t rate;
        std::uint8_t channels;
    } rows[] = {{"h264_aac.flv", "aac", 44100, 2},
                {"aac_only.flv", "aac", 44100, 1},
                {"h264_pcma.flv", "pcm_alaw", 8000, 1},
                {"h264_pcmu.flv", "pcm_mulaw", 8000, 1},
                {"h264_speex.flv", "speex", 16000, 1}};
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.file) {
            FlvReader reader;
            std::optional<AacConfig> config;
            int described = 0;
            auto res = reader.feed(media_test::fixture(r.file), [&](const FlvTag& t) {
                if (t.header.type != 8) return;
                auto h = parse_audio_tag_header(t.payload);
                BOOST_REQUIRE(h.ok());
                if (h->is_sequence_header())
                    config = *parse_audio_specific_config(
                        util::ByteView(t.payload).subspan(h->header_size));
                auto d = describe_audio(t.payload, config);
                BOOST_REQUIRE(d.ok());
                BOOST_CHECK_EQUAL(d->codec, r.codec);
                BOOST_CHECK_EQUAL(d->sample_rate, r.rate);
                BOOST_CHECK_EQUAL(d->channels, r.channels);
                ++described;
            });
            BOOST_CHECK(res.ok());
            BOOST_CHECK(described > 30);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
