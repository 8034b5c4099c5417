// Unit tests for media/flv: header parsing, the incremental reader on the fixtures (whole, one
// byte at a time, random splits), error cases, and the writer (round trip to identical bytes).
#include <boost/test/unit_test.hpp>

#include <map>

#include "media/flv.h"
#include "media_test_util.h"

using namespace media;
using media_test::fixture;

namespace {

struct Parsed {
    std::vector<FlvTag> tags;
    bool boundary = false;
    std::optional<FlvFileHeader> header;
};

Parsed parse_pieces(const util::Bytes& file, const std::vector<std::size_t>& pieces) {
    FlvReader reader;
    Parsed out;
    std::size_t pos = 0;
    for (std::size_t n : pieces) {
        auto r = reader.feed(util::ByteView(file.data() + pos, n),
                             [&](const FlvTag& t) { out.tags.push_back(t); });
        BOOST_REQUIRE_MESSAGE(r.ok(), "feed failed: " + (r.ok() ? "" : r.error().message));
        BOOST_REQUIRE_EQUAL(*r, n);
        pos += n;
    }
    out.boundary = reader.at_tag_boundary();
    out.header = reader.file_header();
    BOOST_CHECK_EQUAL(reader.tags_read(), out.tags.size());
    return out;
}

bool same_tags(const std::vector<FlvTag>& a, const std::vector<FlvTag>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].payload != b[i].payload || a[i].header.type != b[i].header.type ||
            a[i].header.timestamp != b[i].header.timestamp ||
            a[i].header.data_size != b[i].header.data_size)
            return false;
    }
    return true;
}

// Expected counts were computed with an independent Python walk of the files and agree with
// `ffprobe -show_packets` (which does not count the AVC/AAC sequence headers, the AVC end of
// sequence, or onMetaData): h264_aac has 120 video and 174 audio packets.
struct FixtureCounts {
    const char* name;
    std::uint8_t flags;  // 4 audio, 1 video
    std::size_t script, video, audio;
};
const FixtureCounts kFixtures[] = {
    {"aac_only.flv", 4, 1, 0, 175},   {"h264_aac.flv", 5, 1, 122, 175},
    {"h264_only.flv", 1, 1, 122, 0},  {"h264_pcma.flv", 5, 1, 122, 32},
    {"h264_pcmu.flv", 5, 1, 122, 32}, {"h264_speex.flv", 5, 1, 122, 200},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(flv)

BOOST_AUTO_TEST_CASE(file_header_parses_and_rejects) {
    auto ok = parse_file_header(media_test::hex("464c5601050000000900"));
    BOOST_REQUIRE(ok.ok());
    BOOST_CHECK(ok->has_audio && ok->has_video);
    BOOST_CHECK_EQUAL(ok->version, 1);
    BOOST_CHECK_EQUAL(ok->data_offset, 9u);
    BOOST_CHECK(parse_file_header(media_test::hex("464c560105000000")).error().code ==
                Code::truncated);
    BOOST_CHECK(parse_file_header(media_test::hex("464c5801050000000900")).error().code ==
                Code::invalid);
    BOOST_CHECK(parse_file_header(media_test::hex("464c5601050000000800")).error().code ==
                Code::invalid);
}

BOOST_AUTO_TEST_CASE(tag_header_extended_timestamp_round_trips) {
    // type 9, size 0x000102, timestamp 0x12345678 (0x345678 + extended 0x12), stream id 0
    const util::Bytes bytes = media_test::hex("09 000102 345678 12 000000");
    auto h = parse_tag_header(bytes);
    BOOST_REQUIRE(h.ok());
    BOOST_CHECK_EQUAL(h->type, 9);
    BOOST_CHECK_EQUAL(h->data_size, 0x102u);
    BOOST_CHECK_EQUAL(h->timestamp, 0x12345678u);
    BOOST_CHECK_EQUAL(h->stream_id, 0u);
    std::uint8_t out[kFlvTagHeaderSize];
    write_tag_header(out, *h);
    BOOST_CHECK(util::Bytes(out, out + kFlvTagHeaderSize) == bytes);
    BOOST_CHECK(parse_tag_header(media_test::hex("c9000102345678120000")).error().code ==
                Code::truncated);
    BOOST_CHECK(parse_tag_header(media_test::hex("c9 000102 345678 12 000000")).error().code ==
                Code::invalid);
}

BOOST_AUTO_TEST_CASE(fixtures_parse_whole_bytewise_and_split) {
    for (const auto& fx : kFixtures) {
        BOOST_TEST_CONTEXT(fx.name) {
            const util::Bytes file = fixture(fx.name);
            Parsed whole = parse_pieces(file, {file.size()});
            BOOST_REQUIRE(whole.header.has_value());
            BOOST_CHECK_EQUAL(whole.header->has_audio, (fx.flags & 4) != 0);
            BOOST_CHECK_EQUAL(whole.header->has_video, (fx.flags & 1) != 0);
            BOOST_CHECK(whole.boundary);
            std::map<int, std::size_t> counts;
            std::uint32_t last_ts = 0;
            for (const auto& t : whole.tags) {
                counts[t.header.type]++;
                BOOST_CHECK_EQUAL(t.payload.size(), t.header.data_size);
                BOOST_CHECK_EQUAL(t.header.stream_id, 0u);
                if (t.header.type != 18) last_ts = std::max(last_ts, t.header.timestamp);
            }
            BOOST_CHECK_EQUAL(counts[18], fx.script);
            BOOST_CHECK_EQUAL(counts[9], fx.video);
            BOOST_CHECK_EQUAL(counts[8], fx.audio);
            BOOST_CHECK_EQUAL(whole.tags.size(), fx.script + fx.video + fx.audio);
            // onMetaData comes first: AMF0 string marker 0x02, length 10, "onMetaData".
            BOOST_CHECK_EQUAL(whole.tags[0].header.type, 18);
            BOOST_CHECK(util::Bytes(whole.tags[0].payload.begin(),
                                    whole.tags[0].payload.begin() + 13) ==
                        media_test::hex("02000a6f6e4d65746144617461"));
            BOOST_CHECK(last_ts > 3900 && last_ts < 4100);  // the fixtures last about 4 s

            Parsed bytewise = parse_pieces(file, std::vector<std::size_t>(file.size(), 1));
            BOOST_CHECK(bytewise.boundary);
            BOOST_CHECK(same_tags(whole.tags, bytewise.tags));
            for (std::uint32_t seed = 1; seed <= 5; ++seed) {
                Parsed split = parse_pieces(file, media_test::random_pieces(file.size(), seed,
                                                                            seed * 300));
                BOOST_CHECK(split.boundary);
                BOOST_CHECK(same_tags(whole.tags, split.tags));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(h264_aac_known_tags) {
    const util::Bytes file = fixture("h264_aac.flv");
    Parsed p = parse_pieces(file, {file.size()});
    const FlvTag* first_video = nullptr;
    const FlvTag* last_video = nullptr;
    const FlvTag* first_audio = nullptr;
    for (const auto& t : p.tags) {
        if (t.header.type == 9) {
            if (!first_video) first_video = &t;
            last_video = &t;
        }
        if (t.header.type == 8 && !first_audio) first_audio = &t;
    }
    BOOST_REQUIRE(first_video && first_audio);
    // keyframe + AVC, AVCPacketType 0 (sequence header), cts 0, configurationVersion 1, High (100)
    BOOST_CHECK(util::Bytes(first_video->payload.begin(), first_video->payload.begin() + 7) ==
                media_test::hex("17000000000164"));
    // AVC end of sequence closes the stream
    BOOST_CHECK(util::Bytes(last_video->payload.begin(), last_video->payload.begin() + 2) ==
                media_test::hex("1702"));
    // AAC, 44 kHz, 16 bit, stereo; sequence header; AudioSpecificConfig LC 44100 stereo
    BOOST_CHECK(util::Bytes(first_audio->payload.begin(), first_audio->payload.begin() + 4) ==
                media_test::hex("af001210"));
    BOOST_CHECK_EQUAL(first_video->header.timestamp, 0u);
}

BOOST_AUTO_TEST_CASE(writer_round_trips_fixture_bytes) {
    for (const auto& fx : kFixtures) {
        BOOST_TEST_CONTEXT(fx.name) {
            const util::Bytes file = fixture(fx.name);
            Parsed p = parse_pieces(file, {file.size()});
            util::Bytes out;
            FlvWriter::append_file_header(out, p.header->has_audio, p.header->has_video);
            for (const auto& t : p.tags) {
                auto r = FlvWriter::append_tag(out, t.header.type, t.header.timestamp, t.payload);
                BOOST_REQUIRE(r.ok());
                BOOST_CHECK_EQUAL(*r, kFlvTagHeaderSize + t.payload.size() + 4);
            }
            BOOST_CHECK(out == file);
        }
    }
}

BOOST_AUTO_TEST_CASE(writer_rejects_oversized_payload) {
    util::Bytes out;
    util::Bytes big(kFlvMaxDataSize + 1);
    BOOST_CHECK(FlvWriter::append_tag(out, 9, 0, big).error().code == Code::too_large);
    BOOST_CHECK(out.empty());
}

BOOST_AUTO_TEST_CASE(reader_errors_are_typed_and_sticky) {
    util::Bytes file;
    FlvWriter::append_file_header(file, true, false);
    FlvWriter::append_tag(file, 8, 0x01020304, media_test::hex("af01aabb"));
    auto noop = [](const FlvTag&) {};
    {
        util::Bytes bad = file;
        bad[0] = 'X';
        FlvReader r;
        BOOST_CHECK(r.feed(bad, noop).error().code == Code::invalid);
        BOOST_CHECK(r.feed(file, noop).error().code == Code::invalid);  // stays failed
    }
    {
        util::Bytes bad = file;
        bad.back() ^= 1;  // PreviousTagSize of the tag
        FlvReader strict;
        BOOST_CHECK(strict.feed(bad, noop).error().code == Code::invalid);
        FlvReader lenient(FlvReaderOptions{8 << 20, true, false});
        BOOST_CHECK(lenient.feed(bad, noop).ok());
    }
    {
        FlvReader capped(FlvReaderOptions{3, true, true});
        BOOST_CHECK(capped.feed(file, noop).error().code == Code::too_large);
    }
    {
        FlvReader r;
        std::vector<FlvTag> tags;
        auto res = r.feed(util::ByteView(file.data(), file.size() - 2),
                          [&](const FlvTag& t) { tags.push_back(t); });
        BOOST_CHECK(res.ok());
        BOOST_CHECK_EQUAL(tags.size(), 1u);
        BOOST_CHECK_EQUAL(tags[0].header.timestamp, 0x01020304u);
        BOOST_CHECK(!r.at_tag_boundary());  // the trailing PreviousTagSize is incomplete
    }
}

BOOST_AUTO_TEST_CASE(reader_without_file_header_and_empty_payload) {
    util::Bytes stream;
    FlvWriter::append_tag(stream, 18, 5, {});
    FlvWriter::append_tag(stream, 9, 6, media_test::hex("27"));
    FlvReader r(FlvReaderOptions{1024, false, true});
    std::vector<FlvTag> tags;
    // Without a file header there is no PreviousTagSize0: the stream starts with a tag.
    BOOST_REQUIRE(r.feed(stream, [&](const FlvTag& t) { tags.push_back(t); }).ok());
    BOOST_REQUIRE_EQUAL(tags.size(), 2u);
    BOOST_CHECK(tags[0].payload.empty());
    BOOST_CHECK_EQUAL(tags[1].header.timestamp, 6u);
    BOOST_CHECK(r.at_tag_boundary());
}

BOOST_AUTO_TEST_SUITE_END()
