// FLV recording: file names from the record_path template (sanitising of the peer's parts), the
// segmenter (file boundaries at keyframes, timestamps from 0, headers at each file's start, the
// onMetaData patch) and the writer thread (.part, rename, no overwrite, failures, the bound).
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "media/flv.h"
#include "record/file_writer.h"
#include "record/flv_segmenter.h"
#include "record/record_name.h"
#include "rtmp/amf0.h"
#include "rtmp/command.h"
#include "server/recording_decision.h"

#include <nlohmann/json.hpp>

using record::FileSummary;
using record::FlvSegmenter;
using record::Frame;
using record::TagKind;
namespace amf = rtmp::amf;
namespace fs = std::filesystem;

namespace {

// --- names

bool escapes(const std::string& path, const std::string& fixed_dir) {
    if (path.rfind(fixed_dir + "/", 0) != 0) return true;
    std::string rest = path.substr(fixed_dir.size() + 1);
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = rest.find('/', start);
        const std::string part = rest.substr(start, slash - start);
        if (part.empty() || part == "." || part == ".." || part[0] == '.') return true;
        for (unsigned char c : part)
            if (c < 0x20 || c == 0x7F) return true;
        if (slash == std::string::npos) return false;
        start = slash + 1;
    }
}

// --- segmenter input: an H.264/AAC-like stream; the segmenter reads only kinds and flags.

util::Bytes filled(std::initializer_list<std::uint8_t> head, std::size_t total, std::uint8_t fill) {
    util::Bytes b(head);
    b.resize(std::max(total, b.size()), fill);
    return b;
}

struct Stream {
    std::vector<util::Bytes> payloads;  // kept alive for the frames' views
    std::vector<Frame> frames;
    Frame& add(TagKind kind, std::uint8_t type, std::uint32_t ts, bool key, util::Bytes payload) {
        payloads.push_back(std::move(payload));
        frames.push_back(Frame{kind, type, ts, key, {}});
        return frames.back();
    }
    void metadata(std::uint32_t ts) {
        add(TagKind::Metadata, 18, ts, false,
            rtmp::encode_data("onMetaData", {amf::Value::ecma_array({
                                                {"duration", amf::Value::number(0)},
                                                {"width", amf::Value::number(640)},
                                                {"filesize", amf::Value::number(0)},
                                                {"encoder", amf::Value::string("test")},
                                            })}));
    }
    void video_header(std::uint32_t ts, std::uint8_t version = 1) {
        add(TagKind::VideoHeader, 9, ts, true, {0x17, 0x00, 0, 0, 0, version, 0x64, 0x00, 0x1F});
    }
    void audio_header(std::uint32_t ts) { add(TagKind::AudioHeader, 8, ts, false, {0xAF, 0x00, 0x12, 0x10}); }
    void keyframe(std::uint32_t ts, std::size_t size = 64) {
        add(TagKind::Video, 9, ts, true, filled({0x17, 0x01, 0, 0, 0}, size, std::uint8_t(ts)));
    }
    void inter(std::uint32_t ts, std::size_t size = 32) {
        add(TagKind::Video, 9, ts, false, filled({0x27, 0x01, 0, 0, 0}, size, std::uint8_t(ts)));
    }
    void audio(std::uint32_t ts) { add(TagKind::Audio, 8, ts, false, filled({0xAF, 0x01}, 12, std::uint8_t(ts))); }
    // Views are taken once every payload is in place (the vector may have moved them).
    std::vector<Frame> views() const {
        std::vector<Frame> out = frames;
        for (std::size_t i = 0; i < out.size(); ++i) out[i].payload = payloads[i];
        return out;
    }
};

// Video at 25 fps from 40 ms with a keyframe every second, AAC every 23 ms from 0, until `end`.
Stream av_stream(std::uint32_t end) {
    Stream s;
    s.metadata(0);
    s.video_header(0);
    s.audio_header(0);
    std::uint32_t v = 40, a = 0;
    while (v <= end || a <= end) {
        if (v <= end && v <= a) {
            if ((v - 40) % 1000 == 0) s.keyframe(v); else s.inter(v);
            v += 40;
        } else {
            s.audio(a);
            a += 23;
        }
    }
    return s;
}

struct Files {
    std::vector<util::Bytes> bytes;
    std::vector<FileSummary> summaries;
    std::vector<std::size_t> finished_before;  // frame index at which each split happened
};

Files run(FlvSegmenter& seg, const std::vector<Frame>& frames) {
    Files f;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto out = seg.push(frames[i]);
        if (out.finished) {
            f.summaries.push_back(*out.finished);
            f.finished_before.push_back(i);
            BOOST_REQUIRE(out.started);  // a split always starts the next file at once
        }
        if (out.started) f.bytes.emplace_back();
        if (!out.bytes.empty()) {
            BOOST_REQUIRE(!f.bytes.empty());
            f.bytes.back().insert(f.bytes.back().end(), out.bytes.begin(), out.bytes.end());
        }
        if (!f.bytes.empty() && seg.in_file()) BOOST_REQUIRE_EQUAL(seg.current().size, f.bytes.back().size());
    }
    util::Bytes tail;
    if (auto end = seg.finish(tail)) {
        f.bytes.back().insert(f.bytes.back().end(), tail.begin(), tail.end());
        f.summaries.push_back(*end);
        BOOST_REQUIRE_EQUAL(end->size, f.bytes.back().size());
    }
    return f;
}

std::vector<media::FlvTag> tags_of(const util::Bytes& file) {
    media::FlvReader reader;
    std::vector<media::FlvTag> tags;
    auto r = reader.feed(file, [&](const media::FlvTag& t) { tags.push_back(t); });
    BOOST_REQUIRE_MESSAGE(r.ok(), "not FLV: " + (r.ok() ? "" : r.error().message));
    BOOST_REQUIRE(reader.at_tag_boundary());
    return tags;
}

bool is_video_header(const media::FlvTag& t) { return t.header.type == 9 && t.payload.size() > 1 && t.payload[1] == 0; }
bool is_audio_header(const media::FlvTag& t) { return t.header.type == 8 && t.payload.size() > 1 && t.payload[1] == 0; }
bool is_keyframe(const media::FlvTag& t) {
    return t.header.type == 9 && (t.payload[0] >> 4) == 1 && t.payload.size() > 1 && t.payload[1] == 1;
}

// Every file: FLV header, onMetaData, the headers, then a keyframe (or audio) at 0.
void check_file_head(const util::Bytes& file, bool video, bool audio = true) {
    BOOST_REQUIRE(file.size() > 13);
    BOOST_TEST(file[0] == 'F');
    const auto tags = tags_of(file);
    BOOST_REQUIRE(tags.size() >= 2u + video + audio);
    BOOST_TEST(tags[0].header.type == 18);
    BOOST_TEST(tags[0].header.timestamp == 0u);
    std::size_t i = 1;
    if (video) {
        BOOST_TEST(is_video_header(tags[i]));
        BOOST_TEST(tags[i++].header.timestamp == 0u);
    }
    if (audio) {
        BOOST_TEST(is_audio_header(tags[i]));
        BOOST_TEST(tags[i++].header.timestamp == 0u);
    }
    if (video) BOOST_TEST(is_keyframe(tags[i]));
    else BOOST_TEST((tags[i].header.type == 8 && tags[i].payload[1] == 1));
    BOOST_TEST(tags[i].header.timestamp == 0u);
    std::map<int, std::uint32_t> last;  // per track: from 0, never back
    for (const auto& t : tags) {
        BOOST_TEST(t.header.timestamp >= last[t.header.type]);
        last[t.header.type] = t.header.timestamp;
    }
}

amf::Value metadata_of(const util::Bytes& file) {
    const auto tags = tags_of(file);
    auto values = amf::decode_all(tags.at(0).payload);
    BOOST_REQUIRE(values.ok());
    BOOST_REQUIRE(values->size() == 2u);
    BOOST_TEST((*values)[0].as_string() == "onMetaData");
    return (*values)[1];
}

std::size_t count_key(const amf::Value& v, const std::string& key) {
    std::size_t n = 0;
    for (const auto& [k, value] : v.properties()) n += k == key;
    return n;
}

// --- writer

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/record_test.XXXXXX";
        BOOST_REQUIRE(mkdtemp(tmpl));
        path = tmpl;
    }
    ~TempDir() { fs::remove_all(path); }
    std::string operator/(const std::string& rel) const { return (path / rel).string(); }
};

std::vector<record::WriterEvent> wait_events(record::FileWriter& w, std::size_t want) {
    std::vector<record::WriterEvent> got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
        pollfd p{w.event_fd(), POLLIN, 0};
        poll(&p, 1, 100);
        for (auto& e : w.take_events()) got.push_back(std::move(e));
    }
    BOOST_REQUIRE_EQUAL(got.size(), want);
    return got;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

util::Bytes text_bytes(const std::string& s) { return util::Bytes(s.begin(), s.end()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(record_names)

BOOST_AUTO_TEST_CASE(peer_parts_become_one_safe_component) {
    using record::safe_name_part;
    BOOST_TEST(safe_name_part("cam1") == "cam1");
    BOOST_TEST(safe_name_part("..") == "_.");
    BOOST_TEST(safe_name_part("../../etc/passwd") == "_._.._etc_passwd");
    BOOST_TEST(safe_name_part("/abs") == "_abs");
    BOOST_TEST(safe_name_part("a\\b") == "a_b");
    BOOST_TEST(safe_name_part(".hidden") == "_hidden");
    BOOST_TEST(safe_name_part("") == "_");
    BOOST_TEST(safe_name_part(std::string("a\0b\nc\x7f", 6)) == "a_b_c_");
    BOOST_TEST(safe_name_part("bad\xff\xfeutf8") == "bad__utf8");
    BOOST_TEST(safe_name_part("caf\xc3\xa9") == "caf\xc3\xa9");  // valid UTF-8 stays
    BOOST_TEST(safe_name_part(std::string(300, 'n')) == std::string(record::kMaxNamePartBytes, 'n'));
    // Cut at a character boundary: 40 two-byte characters keep 32 of them.
    std::string wide;
    for (int i = 0; i < 40; ++i) wide += "\xc3\xa9";
    BOOST_TEST(safe_name_part(wide).size() == 64u);
    BOOST_TEST(safe_name_part(std::string(63, 'a') + "\xc3\xa9").size() == 63u);
}

BOOST_AUTO_TEST_CASE(templates_expand_inside_their_directory) {
    record::NameFields f;
    f.app = "live";
    f.stream_name = "cam1";
    f.media_session_id = "0c8f4e7a-5b1e-4c39-9f2a-1d2e3f4a5b6c";
    f.start_ms = 1796171405123;  // 2026-12-02T00:30:05.123Z
    BOOST_TEST(record::utc_stamp(f.start_ms) == "20261202-003005");
    BOOST_TEST(record::utc_stamp(0) == "19700101-000000");
    const std::string tmpl = "recordings/{app}/{streamName}-{startTime}.flv";
    BOOST_TEST(record::expand_template(tmpl, f) == "recordings/live/cam1-20261202-003005.flv");
    BOOST_TEST(record::expand_template("/srv/{mediaSessionId}.flv", f) ==
               "/srv/0c8f4e7a-5b1e-4c39-9f2a-1d2e3f4a5b6c.flv");
    const std::vector<std::string> hostiles = {"..", "../..", "../../../etc/cron.d/x", "/", ".",
                                               "a/../../b", std::string("\n\r\0", 3),
                                               std::string(500, '.'), ""};
    for (const std::string& hostile : hostiles) {
        f.app = hostile;
        f.stream_name = hostile;
        const std::string path = record::expand_template(tmpl, f);
        BOOST_TEST(!escapes(path, "recordings"), path);
        BOOST_TEST(record::directory_of(path).find('/', 11) == std::string::npos, path);
    }
}

BOOST_AUTO_TEST_CASE(bad_templates_are_refused) {
    BOOST_TEST(!record::bad_template("recordings/{app}/{streamName}-{startTime}.flv"));
    BOOST_TEST(!record::bad_template("/var/lib/rtmpkit/{app}/{mediaSessionId}.flv"));
    BOOST_TEST(!record::bad_template("x.flv"));
    for (const char* bad : {"", "recordings/", "../x.flv", "a/./b.flv", "a//b.flv", "a/..",
                            "{app", "{foo}.flv", "a\nb.flv", "{streamname}.flv"})
        BOOST_TEST(record::bad_template(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(numbered_names_keep_the_extension) {
    BOOST_TEST(record::numbered_name("a/b.flv", 0) == "a/b.flv");
    BOOST_TEST(record::numbered_name("a/b.flv", 2) == "a/b-2.flv");
    BOOST_TEST(record::numbered_name("a/b", 1) == "a/b-1");
    BOOST_TEST(record::numbered_name("a.d/b", 1) == "a.d/b-1");
    BOOST_TEST(record::numbered_name("d/.flv", 1) == "d/.flv-1");
    BOOST_TEST(record::directory_of("a/b/c.flv") == "a/b");
    BOOST_TEST(record::directory_of("c.flv") == "");
    BOOST_TEST(record::directory_of("/c.flv") == "/");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(flv_segmenter)

BOOST_AUTO_TEST_CASE(files_split_at_the_first_keyframe_past_the_duration) {
    const Stream s = av_stream(4500);
    FlvSegmenter seg({2000, 0});
    const Files f = run(seg, s.views());
    // Keyframes at 40, 1040, 2040, 3040, 4040: 2040 is the first 2 s after 40, 4040 after 2040.
    BOOST_REQUIRE_EQUAL(f.bytes.size(), 3u);
    BOOST_REQUIRE_EQUAL(f.summaries.size(), 3u);
    const std::uint32_t firsts[] = {40, 2040, 4040};
    for (std::size_t i = 0; i < 3; ++i) {
        check_file_head(f.bytes[i], true);
        BOOST_TEST(f.summaries[i].first_timestamp == firsts[i]);
        BOOST_TEST(f.summaries[i].size == f.bytes[i].size());
        if (i < 2) {
            BOOST_TEST(f.summaries[i].last_timestamp < firsts[i + 1]);
            BOOST_TEST(f.summaries[i].last_timestamp >= firsts[i + 1] - 40);
        }
    }
    // The audio at 0 and 23 came before the first keyframe: left out, as the inter frames would be.
    BOOST_TEST(seg.skipped() == 2u);
    // Every tag of the stream from the first keyframe on is in exactly one file.
    std::size_t media = 0;
    for (const auto& file : f.bytes)
        for (const auto& t : tags_of(file)) media += t.header.type != 18 && !is_video_header(t) && !is_audio_header(t);
    std::size_t want = 0;
    for (const auto& fr : s.frames) want += (fr.kind == TagKind::Audio || fr.kind == TagKind::Video) && fr.timestamp >= 40;
    BOOST_TEST(media == want);
}

BOOST_AUTO_TEST_CASE(files_split_by_size_only_at_keyframes) {
    Stream s;  // video only: a split needs no audio to catch up
    s.video_header(0);
    s.keyframe(0, 2000);  // one keyframe already passes the bound
    s.inter(40);          // no split here: not a keyframe
    s.keyframe(80, 100);  // split
    s.inter(120);
    s.keyframe(160, 100);  // not yet 1500 bytes: no split
    s.keyframe(200, 2000);
    s.keyframe(240, 100);  // split
    FlvSegmenter seg({0, 1500});
    const Files f = run(seg, s.views());
    BOOST_REQUIRE_EQUAL(f.bytes.size(), 3u);
    BOOST_TEST(f.summaries[0].first_timestamp == 0u);
    BOOST_TEST(f.summaries[1].first_timestamp == 80u);
    BOOST_TEST(f.summaries[2].first_timestamp == 240u);
    for (const auto& file : f.bytes) check_file_head(file, true, false);
    BOOST_TEST(f.bytes[0].size() >= 1500u);
    BOOST_TEST(f.bytes[1].size() >= 1500u);
}

BOOST_AUTO_TEST_CASE(audio_only_streams_split_on_time) {
    Stream s;
    s.metadata(0);
    s.audio_header(0);
    for (std::uint32_t a = 0; a <= 3000; a += 23) s.audio(a);
    FlvSegmenter seg({1000, 0});
    const Files f = run(seg, s.views());
    BOOST_REQUIRE_EQUAL(f.bytes.size(), 3u);
    BOOST_TEST(f.summaries[0].first_timestamp == 0u);
    BOOST_TEST(f.summaries[1].first_timestamp == 1012u);  // 44 * 23: the first at or past 1 s
    BOOST_TEST(f.summaries[2].first_timestamp == 2024u);
    for (const auto& file : f.bytes) {
        check_file_head(file, false);
        BOOST_TEST(file[4] == 0x04);  // FLV header flags: audio, no video
    }
}

BOOST_AUTO_TEST_CASE(metadata_is_patched_with_duration_and_size) {
    const Stream s = av_stream(2500);
    FlvSegmenter seg({0, 0});
    Files f = run(seg, s.views());
    BOOST_REQUIRE_EQUAL(f.bytes.size(), 1u);
    util::Bytes& file = f.bytes[0];
    const FileSummary& sum = f.summaries[0];
    BOOST_TEST(sum.duration_ms() == sum.last_timestamp - 40);
    // Before the patch: zeros, at slots that hold the AMF0 numbers of the two keys.
    amf::Value before = metadata_of(file);
    BOOST_TEST(before.get("duration")->as_number() == 0.0);
    for (auto [offset, key] : {std::pair{sum.slots.duration_offset, std::string("duration")},
                               std::pair{sum.slots.filesize_offset, std::string("filesize")}}) {
        BOOST_REQUIRE(offset >= key.size() + 1 && offset + 8 <= file.size());
        BOOST_TEST(file[offset - 1] == 0x00);  // number marker
        BOOST_TEST(std::string(file.begin() + std::ptrdiff_t(offset - 1 - key.size()),
                               file.begin() + std::ptrdiff_t(offset - 1)) == key);
    }
    for (const record::Patch& p : record::metadata_patches(sum))
        std::copy(p.bytes.begin(), p.bytes.end(), file.begin() + std::ptrdiff_t(p.offset));
    amf::Value after = metadata_of(file);
    BOOST_TEST(after.get("duration")->as_number() == sum.duration_ms() / 1000.0);
    BOOST_TEST(after.get("filesize")->as_number() == double(file.size()));
    // The publisher's other properties stay; its own duration and filesize do not.
    BOOST_TEST(after.get("width")->as_number() == 640.0);
    BOOST_TEST(after.get("encoder")->as_string() == "test");
    BOOST_TEST(count_key(after, "duration") == 1u);
    BOOST_TEST(count_key(after, "filesize") == 1u);
    // Without any published metadata there is still one to patch.
    const record::MetadataTag bare = record::file_metadata({});
    auto v = amf::decode_all(bare.payload);
    BOOST_REQUIRE(v.ok());
    BOOST_TEST((*v)[1].properties().size() == 2u);
}

BOOST_AUTO_TEST_CASE(timestamps_start_at_zero_and_never_go_back) {
    Stream s;
    s.video_header(0);
    s.audio_header(0);
    s.keyframe(100000);
    s.audio(99995);  // interleaved a little behind the keyframe that opened the first file
    s.inter(100040);
    s.audio(100017);
    FlvSegmenter seg({0, 0});
    const Files f = run(seg, s.views());
    const auto tags = tags_of(f.bytes.at(0));
    std::vector<std::pair<int, std::uint32_t>> got;
    for (const auto& t : tags) got.emplace_back(t.header.type, t.header.timestamp);
    const std::vector<std::pair<int, std::uint32_t>> want = {{18, 0}, {9, 0}, {8, 0}, {9, 0}, {9, 40}, {8, 17}};
    BOOST_CHECK(got == want);
    BOOST_TEST(seg.skipped() == 1u);  // the audio from before the file
}

BOOST_AUTO_TEST_CASE(at_a_split_late_audio_ends_the_previous_file) {
    Stream s;
    s.video_header(0);
    s.audio_header(0);
    s.keyframe(0);
    s.audio(10);
    s.keyframe(1000);  // past 1 s: the next file's first frame, held ...
    s.audio(990);      // ... as audio stamped before it still goes to this file
    s.inter(1040);
    s.audio(1013);     // audio reaches the keyframe: the split happens here
    s.inter(1080);
    s.keyframe(2000);  // past 1 s again; audio stalls from here
    for (std::uint32_t v = 2040; v < 3000; v += 40) s.inter(v);
    s.inter(3000);     // 1 s of held video: the split goes ahead without audio
    s.keyframe(4000);  // held when the recording ends: it stays in the last file
    FlvSegmenter seg({1000, 0});
    const Files f = run(seg, s.views());
    BOOST_REQUIRE_EQUAL(f.bytes.size(), 3u);
    auto stamps = [&](std::size_t i) {
        std::vector<std::pair<int, std::uint32_t>> out;
        for (const auto& t : tags_of(f.bytes[i]))
            if (t.header.type != 18 && !is_video_header(t) && !is_audio_header(t))
                out.emplace_back(t.header.type, t.header.timestamp);
        return out;
    };
    const std::vector<std::pair<int, std::uint32_t>> first = {{9, 0}, {8, 10}, {8, 990}};
    BOOST_CHECK(stamps(0) == first);
    const std::vector<std::pair<int, std::uint32_t>> second = {{9, 0}, {9, 40}, {8, 13}, {9, 80}};
    BOOST_CHECK(stamps(1) == second);
    const auto third = stamps(2);
    BOOST_REQUIRE_EQUAL(third.size(), 27u);  // the keyframe, 24 held, the one at 3000, 4000
    BOOST_TEST(third.front().second == 0u);
    BOOST_TEST(third[25].second == 1000u);
    BOOST_TEST(third.back().second == 2000u);
    BOOST_TEST(f.summaries[2].last_timestamp == 4000u);
    for (std::size_t i = 0; i < 3; ++i) check_file_head(f.bytes[i], true);
}

BOOST_AUTO_TEST_CASE(a_new_header_mid_file_is_written_and_video_after_audio_waits_for_a_keyframe) {
    Stream s;
    s.audio_header(0);
    s.audio(0);       // no video seen: the file starts here
    s.audio(23);
    s.video_header(300, 2);
    s.inter(340);     // no keyframe in this file yet: left out
    s.keyframe(380);
    s.inter(420);
    s.video_header(500, 3);  // a changed header mid-file
    s.keyframe(540);
    FlvSegmenter seg({0, 0});
    const Files f = run(seg, s.views());
    const auto tags = tags_of(f.bytes.at(0));
    std::vector<std::pair<std::uint8_t, std::uint32_t>> got;
    for (const auto& t : tags) got.emplace_back(t.header.type, t.header.timestamp);
    const std::vector<std::pair<std::uint8_t, std::uint32_t>> want = {
        {18, 0}, {8, 0}, {8, 0}, {8, 23}, {9, 300}, {9, 380}, {9, 420}, {9, 500}, {9, 540}};
    BOOST_CHECK(got == want);
    BOOST_TEST(tags.at(7).payload.at(5) == 3u);  // the changed header, as published
    BOOST_TEST(seg.skipped() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(file_writer)

BOOST_AUTO_TEST_CASE(writes_part_then_renames_with_patches) {
    TempDir dir;
    const std::string name = dir / "live/sub/cam.flv";
    record::FileWriter w;
    const record::FileId id = w.open(name, 1 << 20);
    auto opened = wait_events(w, 1);
    BOOST_TEST((opened[0].kind == record::WriterEvent::Kind::Opened));
    BOOST_TEST(opened[0].path == name);
    BOOST_TEST(fs::exists(name + ".part"));  // directories were made
    BOOST_TEST(!fs::exists(name));
    BOOST_TEST((w.append(id, text_bytes("hello, ")) == record::Queued::Yes));
    BOOST_TEST((w.append(id, text_bytes("world")) == record::Queued::Yes));
    record::Patch p;
    p.offset = 0;
    std::copy_n("HELLO!!!", 8, p.bytes.begin());
    record::Patch beyond;  // outside the file: not written
    beyond.offset = 100;
    w.finish(id, {p, beyond});
    auto done = wait_events(w, 1);
    BOOST_TEST((done[0].kind == record::WriterEvent::Kind::Finished));
    BOOST_TEST(done[0].path == name);
    BOOST_TEST(done[0].size == 12u);
    BOOST_TEST(read_file(name) == "HELLO!!!orld");
    BOOST_TEST(!fs::exists(name + ".part"));
    BOOST_TEST(w.idle());
}

BOOST_AUTO_TEST_CASE(never_overwrites_an_existing_file) {
    TempDir dir;
    const std::string name = dir / "cam.flv";
    std::ofstream(name) << "old";
    std::ofstream(dir / "cam-1.flv.part") << "another recording's";
    record::FileWriter w;
    const record::FileId id = w.open(name, 1 << 20);
    auto opened = wait_events(w, 1);
    BOOST_TEST(opened[0].path == dir / "cam-2.flv");
    // Taken while being written: the rename moves on instead of replacing.
    std::ofstream(dir / "cam-2.flv") << "late";
    w.append(id, text_bytes("new"));
    w.finish(id, {});
    auto done = wait_events(w, 1);
    BOOST_TEST((done[0].kind == record::WriterEvent::Kind::Finished));
    BOOST_TEST(done[0].path != dir / "cam-2.flv");
    BOOST_TEST(read_file(done[0].path) == "new");
    BOOST_TEST(read_file(name) == "old");
    BOOST_TEST(read_file(dir / "cam-2.flv") == "late");
    BOOST_TEST(read_file(dir / "cam-1.flv.part") == "another recording's");
}

BOOST_AUTO_TEST_CASE(a_file_that_cannot_be_made_fails_with_the_reason) {
    TempDir dir;
    std::ofstream(dir / "plain") << "x";  // a file where a directory should be (root or not)
    record::FileWriter w;
    const record::FileId id = w.open(dir / "plain/live/cam.flv", 1 << 20);
    auto failed = wait_events(w, 1);
    BOOST_TEST((failed[0].kind == record::WriterEvent::Kind::Failed));
    BOOST_TEST(failed[0].error.find("Not a directory") != std::string::npos, failed[0].error);
    BOOST_TEST((w.append(id, text_bytes("x")) == record::Queued::Failed));
    w.finish(id, {});  // nothing to finish: no second event
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!w.idle() && std::chrono::steady_clock::now() < deadline) poll(nullptr, 0, 10);
    BOOST_TEST(w.idle());  // an event would keep it busy until taken
    BOOST_TEST(w.take_events().empty());
}

BOOST_AUTO_TEST_CASE(the_queue_is_bounded_in_bytes) {
    TempDir dir;
    record::FileWriter w(true);  // a disk that takes nothing yet
    const record::FileId id = w.open(dir / "cam.flv", 100);
    BOOST_TEST((w.append(id, util::Bytes(150, 1)) == record::Queued::Yes));  // alone: taken
    BOOST_TEST((w.append(id, util::Bytes(1, 2)) == record::Queued::Full));
    BOOST_TEST(w.queued_bytes(id) == 150u);
    w.release();
    w.finish(id, {});
    auto events = wait_events(w, 2);
    BOOST_TEST((events[1].kind == record::WriterEvent::Kind::Finished));
    BOOST_TEST(events[1].size == 150u);
    BOOST_TEST(w.queued_bytes(id) == 0u);
    const record::FileId second = w.open(dir / "cam.flv", 100);
    wait_events(w, 1);
    BOOST_TEST((w.append(second, util::Bytes(60, 1)) == record::Queued::Yes));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recording_decision)

BOOST_AUTO_TEST_CASE(config_and_stream_parameters_decide_first) {
    server::Config c;
    url::Params asked, other, no;
    asked.items = {{"token", "x"}, {"record", "true"}};
    other.items = {{"record", "false"}};
    BOOST_TEST(!server::recording_wanted(c, asked));  // default: none
    c.record = server::RecordMode::All;
    BOOST_TEST(server::recording_wanted(c, no));
    c.record = server::RecordMode::Param;
    BOOST_TEST(server::recording_wanted(c, asked));
    BOOST_TEST(!server::recording_wanted(c, other));
    BOOST_TEST(!server::recording_wanted(c, no));
}

BOOST_AUTO_TEST_CASE(a_hook_turns_recording_on_or_off_with_a_boolean_only) {
    using nlohmann::json;
    std::string why;
    bool record = false;
    server::apply_overwritten_record(json{{"record", true}}, {}, record, why);
    BOOST_TEST(record);
    server::apply_overwritten_record(json{{"record", false}}, {}, record, why);
    BOOST_TEST(!record);
    BOOST_TEST(why.empty());
    record = true;
    server::apply_overwritten_record(json::object(), {}, record, why);  // not answered: unchanged
    BOOST_TEST(record);
    server::apply_overwritten_record(json::object(), {"record"}, record, why);
    BOOST_TEST(record);
    BOOST_TEST(why == "overwritten record is not a boolean");
}

BOOST_AUTO_TEST_SUITE_END()
