// Unit tests for media/silence: byte-exact silent AAC frames, G.711/PCM silence, Speex frame
// counting and silent packets, and AudioSilencer over the fixtures. When RTMPKIT_SILENCE_OUT
// names a directory, the fixtures' silenced copies are written there for
// tests/integration/silence_test.sh to decode with ffmpeg.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>

#include "media/audio.h"
#include "media/bits.h"
#include "media/flv.h"
#include "media/silence.h"
#include "media_test_util.h"

using namespace media;
using media_test::hex;

namespace {

AacConfig lc(std::uint8_t channel_config) {
    AacConfig c;
    c.object_type = kAacObjectLc;
    c.frequency_index = 4;
    c.sample_rate = 44100;
    c.channel_config = channel_config;
    return c;
}

// The fixture's Speex frame (NB mode 6 + WB submode 3, 556 bits) and its "0111" padding.
const char* kFixtureSpeex =
    "30549822d2000068e8e8e8e8e8e8e881f9f4747460488d9a7440f6d87d208e119c3d2ba4eba422c53d2c4f"
    "2b442b3bf4ababababab0abab89abab0ababababab0ababababab7";

// Silences every audio tag of an FLV file, keeping everything else and every timestamp.
util::Bytes silence_file(const util::Bytes& file, int& audio_tags) {
    FlvReader reader;
    AudioSilencer silencer;
    util::Bytes out;
    audio_tags = 0;
    auto res = reader.feed(file, [&](const FlvTag& t) {
        if (out.empty())
            FlvWriter::append_file_header(out, reader.file_header()->has_audio,
                                          reader.file_header()->has_video);
        util::Bytes payload = t.payload;
        if (t.header.type == 8) {
            auto silent = silencer.silence(t.payload);
            BOOST_REQUIRE_MESSAGE(silent.ok(), (silent.ok() ? std::string() : silent.error().message));
            payload = *silent;
            ++audio_tags;
        }
        BOOST_REQUIRE(FlvWriter::append_tag(out, t.header.type, t.header.timestamp, payload).ok());
    });
    BOOST_REQUIRE(res.ok());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(silence)

// Hand-assembled per ISO 14496-3: SCE = id 000, tag 0000, 22 zero bits of ICS, END 111.
// CPE = id 001, tag 0000, common_window 0, two ICS, END 111, one pad bit.
BOOST_AUTO_TEST_CASE(aac_frames_are_byte_exact) {
    BOOST_CHECK(*silent_aac_frame(lc(1)) == hex("00000007"));
    BOOST_CHECK(*silent_aac_frame(lc(2)) == hex("2000000000000e"));
    // SCE + CPE: 29 + 52 bits + END = 84 bits -> 11 bytes
    auto three = silent_aac_frame(lc(3));
    BOOST_REQUIRE(three.ok());
    BOOST_CHECK_EQUAL(three->size(), 11u);
    // 5.1: SCE, CPE, CPE(tag 1), LFE: 29 + 52 + 52 + 29 + 3 = 165 bits -> 21 bytes
    auto six = silent_aac_frame(lc(6));
    BOOST_REQUIRE(six.ok());
    BOOST_CHECK_EQUAL(six->size(), 21u);
    AacConfig main = lc(1);
    main.object_type = kAacObjectMain;
    BOOST_CHECK(*silent_aac_frame(main) == hex("00000007"));
    AacConfig he = lc(2);
    he.sbr = true;
    BOOST_CHECK(silent_aac_frame(he).error().code == Code::unsupported);
    BOOST_CHECK(!silent_aac_frame(he).error().fatal);
    BOOST_CHECK(silent_aac_frame(lc(0)).error().code == Code::unsupported);
    AacConfig ld = lc(1);
    ld.object_type = 23;
    BOOST_CHECK(silent_aac_frame(ld).error().code == Code::unsupported);
}

BOOST_AUTO_TEST_CASE(speex_frames_are_counted) {
    const util::Bytes one = hex(kFixtureSpeex);
    BOOST_CHECK_EQUAL(*speex_frame_count(one), 1u);
    BOOST_CHECK_EQUAL(*speex_frame_count({}), 0u);
    BOOST_CHECK_EQUAL(*speex_frame_count(silent_speex_packet(1)), 1u);
    for (std::size_t n : {2u, 3u, 8u}) {
        util::Bytes p = silent_speex_packet(n);
        BOOST_CHECK_EQUAL(p.size(), (556 * n + 7) / 8);  // a terminator only fills a partial byte
        BOOST_CHECK_EQUAL(*speex_frame_count(p), n);
    }
    BOOST_CHECK(speex_frame_count(util::ByteView(one.data(), 30)).error().code ==
                Code::truncated);
    BOOST_CHECK(speex_frame_count(hex("5000")).error().code == Code::invalid);  // mode 10
    // a narrowband mode-0 frame followed by a terminator: one frame
    BOOST_CHECK_EQUAL(*speex_frame_count(hex("03ff")), 1u);
}

BOOST_AUTO_TEST_CASE(speex_counting_is_bounded) {
    // 5 zero bits are a narrowband "null" frame: 4 MiB of zeros would be 6.7 million frames,
    // and their silence 466 MB. Counting stops at kMaxSpeexFrames, whatever the size.
    const util::Bytes zeros(4 << 20, 0);
    auto n = speex_frame_count(zeros);
    BOOST_REQUIRE(!n);
    BOOST_CHECK(n.error().code == Code::unsupported);
    BOOST_CHECK_EQUAL(*speex_frame_count(silent_speex_packet(kMaxSpeexFrames)), kMaxSpeexFrames);
    // In-band signals (mode 14, code 0: 9 bits and 1 skipped) count as steps too.
    util::Bytes inband;
    {
        BitWriter w;
        for (int i = 0; i < 100000; ++i) { w.put(14, 5); w.put(0, 4); w.put(0, 1); }
        inband = w.finish();
    }
    BOOST_CHECK(speex_frame_count(inband).error().code == Code::unsupported);
}

BOOST_AUTO_TEST_CASE(silence_is_bounded_in_size) {
    AudioSilencer s;
    util::Bytes speex(1, 0xB2);  // Speex, 16 kHz mono
    speex.resize(1 + 60000, 0);  // zeros: a hostile packet under the size cap
    auto out = s.silence(speex);
    BOOST_CHECK(!out);  // more frames than a packet holds: dropped, not 12 000 silent frames
    util::Bytes big(1, 0x72);  // A-law
    big.resize(4 << 20, 0x00);
    BOOST_CHECK(s.silence(big).error().code == Code::unsupported);
    util::Bytes normal(1, 0x72);
    normal.resize(321, 0x13);
    BOOST_REQUIRE(s.silence(normal));
    BOOST_CHECK_EQUAL(s.silence(normal)->size(), 321u);
}

BOOST_AUTO_TEST_CASE(speex_packet_matches_the_captured_frame) {
    // One frame: exactly the libspeex frame with its 0111 terminator.
    BOOST_CHECK(silent_speex_packet(1) ==
                hex("369d1b9a20080168e8e8e8e8e8e8e88400b47474747474747442005a3a3a3a3a3a3a3a21"
                    "002d1d1d1d1d1d1d1d1b3b60ababababab0ababababab0ababababab0ababababab7"));
    BOOST_CHECK(silent_speex_packet(0).empty());
}

BOOST_AUTO_TEST_CASE(silencer_g711_pcm_and_errors) {
    AudioSilencer s;
    BOOST_CHECK(*s.silence(hex("72 0102030405")) == hex("72 d5d5d5d5d5"));
    BOOST_CHECK(*s.silence(hex("82 0102030405")) == hex("82 ffffffffff"));
    BOOST_CHECK(*s.silence(hex("3e 01020304")) == hex("3e 00000000"));  // 16-bit LE PCM
    BOOST_CHECK(*s.silence(hex("0c 0102")) == hex("0c 8080"));          // 8-bit PCM
    auto mp3 = s.silence(hex("2f fffb9064"));
    BOOST_CHECK(mp3.error().code == Code::unsupported && !mp3.error().fatal);
    BOOST_CHECK(s.silence(hex("af01 2100")).error().code == Code::invalid);  // no config yet
    BOOST_CHECK(s.silence({}).error().code == Code::truncated);
}

BOOST_AUTO_TEST_CASE(silencer_aac_follows_the_sequence_header) {
    AudioSilencer s;
    BOOST_CHECK(*s.silence(hex("af00 1210")) == hex("af00 1210"));  // passes unchanged
    BOOST_REQUIRE(s.aac_config().has_value());
    BOOST_CHECK(*s.silence(hex("af01 21102004")) == hex("af01 2000000000000e"));
    BOOST_CHECK(*s.silence(hex("af00 1208")) == hex("af00 1208"));  // now mono
    BOOST_CHECK(*s.silence(hex("af01 aabbcc")) == hex("af01 00000007"));
    BOOST_CHECK(*s.silence(hex("af00 2b920800")) == hex("af00 2b920800"));  // HE-AAC
    BOOST_CHECK(s.silence(hex("af01 aa")).error().code == Code::unsupported);
}

BOOST_AUTO_TEST_CASE(fixtures_are_silenced_tag_by_tag) {
    struct Row {
        const char* file;
        int audio_tags;
    } rows[] = {{"h264_aac.flv", 175}, {"aac_only.flv", 175}, {"h264_pcma.flv", 32},
                {"h264_pcmu.flv", 32}, {"h264_speex.flv", 200}};
    const char* out_dir = std::getenv("RTMPKIT_SILENCE_OUT");
    for (const auto& r : rows) {
        BOOST_TEST_CONTEXT(r.file) {
            const util::Bytes original = media_test::fixture(r.file);
            int audio_tags = 0;
            const util::Bytes silenced = silence_file(original, audio_tags);
            BOOST_CHECK_EQUAL(audio_tags, r.audio_tags);
            // Walk both files side by side: same tags, timestamps and audio header bytes.
            std::vector<FlvTag> a, b;
            FlvReader ra, rb;
            BOOST_REQUIRE(ra.feed(original, [&](const FlvTag& t) { a.push_back(t); }).ok());
            BOOST_REQUIRE(rb.feed(silenced, [&](const FlvTag& t) { b.push_back(t); }).ok());
            BOOST_REQUIRE_EQUAL(a.size(), b.size());
            std::optional<AacConfig> config;
            for (std::size_t i = 0; i < a.size(); ++i) {
                BOOST_CHECK_EQUAL(a[i].header.timestamp, b[i].header.timestamp);
                BOOST_CHECK_EQUAL(a[i].header.type, b[i].header.type);
                if (a[i].header.type != 8) {
                    BOOST_CHECK(a[i].payload == b[i].payload);
                    continue;
                }
                const std::uint8_t format = a[i].payload[0] >> 4;
                BOOST_CHECK_EQUAL(a[i].payload[0], b[i].payload[0]);
                if (format == 7 || format == 8) {
                    BOOST_CHECK_EQUAL(a[i].payload.size(), b[i].payload.size());
                    for (std::size_t k = 1; k < b[i].payload.size(); ++k)
                        BOOST_CHECK_EQUAL(b[i].payload[k], format == 7 ? 0xD5 : 0xFF);
                } else if (format == 11) {
                    BOOST_CHECK_EQUAL(*speex_frame_count(util::ByteView(a[i].payload).subspan(1)),
                                      1u);
                    BOOST_CHECK(util::Bytes(b[i].payload.begin() + 1, b[i].payload.end()) ==
                                silent_speex_packet(1));
                } else if (a[i].payload[1] == 0) {
                    BOOST_CHECK(a[i].payload == b[i].payload);
                    config = *parse_audio_specific_config(
                        util::ByteView(a[i].payload).subspan(2));
                } else {
                    BOOST_REQUIRE(config.has_value());
                    BOOST_CHECK(util::Bytes(b[i].payload.begin() + 2, b[i].payload.end()) ==
                                (config->channels == 2 ? hex("2000000000000e")
                                                       : hex("00000007")));
                }
            }
            if (out_dir) {
                std::ofstream f(std::string(out_dir) + "/" + r.file, std::ios::binary);
                f.write(reinterpret_cast<const char*>(silenced.data()),
                        std::streamsize(silenced.size()));
                BOOST_CHECK(f.good());
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
