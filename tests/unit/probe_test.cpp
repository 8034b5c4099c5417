// lib/probe: the client session against a scripted server (built from the server-side pieces
// of lib/rtmp), fed whole, byte by byte and in random splits; stream analysis of a fixture;
// timestamp checks; pacing; chunk tracing; report text; load percentiles.
#include <boost/test/unit_test.hpp>

#include <random>

#include "media_test_util.h"
#include "probe/chunk_trace.h"
#include "probe/client_session.h"
#include "probe/flv_source.h"
#include "probe/load_stats.h"
#include "probe/report.h"
#include "probe/stream_analyzer.h"
#include "probe/track_timing.h"
#include "rtmp/command_replies.h"
#include "rtmp/control.h"

using namespace probe;
namespace amf = rtmp::amf;

namespace probe {
std::ostream& operator<<(std::ostream& os, ProbeErrc c) { return os << errc_name(c); }
std::ostream& operator<<(std::ostream& os, SessionState s) { return os << state_name(s); }
}  // namespace probe

namespace {

void fill(std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(i * 7 + 3);
}

// The server end, from lib/rtmp's server handshake, chunk decoder and encoder.
struct FakeServer {
    rtmp::ServerHandshake hs{fill, 0};
    rtmp::ChunkDecoder dec;
    rtmp::ChunkEncoder enc;
    std::vector<rtmp::Command> commands;
    std::vector<rtmp::Message> messages;
    util::Bytes to_client;

    void from_client(const util::Bytes& bytes) {
        util::ByteView in(bytes);
        if (!hs.done()) {
            auto r = hs.feed(in, to_client);
            BOOST_REQUIRE(r);
            in = in.subspan(*r);
        }
        auto r = dec.feed(in, [&](rtmp::Message&& m) {
            if (m.type == 20) commands.push_back(*rtmp::decode_command(m.payload, false));
            messages.push_back(std::move(m));
        });
        BOOST_REQUIRE(r);
    }
    void send(std::uint8_t type, std::uint32_t stream_id, const util::Bytes& payload,
              std::uint32_t ts = 0, std::uint32_t csid = 3) {
        rtmp::MessageHeader h{csid, ts, std::uint32_t(payload.size()), type, stream_id};
        enc.encode(h, payload, to_client);
    }
    const rtmp::Command* last(const std::string& name) const {
        for (auto it = commands.rbegin(); it != commands.rend(); ++it)
            if (it->name == name) return &*it;
        return nullptr;
    }
};

enum class Split { Whole, Bytes, Random };

// Moves the server's pending bytes into the client, in the given split; returns false when
// the client failed.
bool deliver(FakeServer& s, ClientSession& c, Split split, std::mt19937& rng,
             std::uint64_t now = 5) {
    util::Bytes in;
    in.swap(s.to_client);
    util::Bytes out;
    std::size_t pos = 0;
    bool ok = true;
    while (pos < in.size()) {
        std::size_t n = in.size() - pos;
        if (split == Split::Bytes) n = 1;
        if (split == Split::Random) n = std::min<std::size_t>(n, 1 + rng() % 700);
        auto r = c.feed(util::ByteView(in).subspan(pos, n), now, out);
        if (!r) {
            ok = false;
            break;
        }
        BOOST_REQUIRE_EQUAL(*r, n);
        pos += n;
    }
    if (!out.empty()) s.from_client(out);
    return ok;
}

ClientConfig play_config() {
    auto u = url::parse_rtmp_url("rtmp://127.0.0.1:1935/live?tok=a/cam?k=v");
    BOOST_REQUIRE(u);
    auto c = config_from_url(*u, Mode::Play);
    BOOST_REQUIRE(c);
    return *c;
}

// Runs the client up to the play command: handshake, connect, createStream.
void run_to_play(FakeServer& s, ClientSession& c, Split split, std::mt19937& rng) {
    util::Bytes out;
    c.start(1, out);
    s.from_client(out);
    BOOST_REQUIRE(deliver(s, c, split, rng));  // S0 S1 S2 -> C2, set chunk size, connect
    const rtmp::Command* connect = s.last("connect");
    BOOST_REQUIRE(connect);
    BOOST_CHECK_EQUAL(c.state(), SessionState::Connecting);
    s.send(5, 0, rtmp::window_ack_size_payload(5000000), 0, 2);
    s.send(20, 0, rtmp::connect_result(connect->transaction_id, 0));
    BOOST_REQUIRE(deliver(s, c, split, rng));
    const rtmp::Command* create = s.last("createStream");
    BOOST_REQUIRE(create);
    s.send(20, 0, rtmp::create_stream_result(create->transaction_id, 1));
    BOOST_REQUIRE(deliver(s, c, split, rng));
    BOOST_REQUIRE(s.last("play"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_session)

BOOST_AUTO_TEST_CASE(config_keeps_queries_where_ffmpeg_sends_them) {
    ClientConfig c = play_config();
    BOOST_CHECK_EQUAL(c.app, "live?tok=a");
    BOOST_CHECK_EQUAL(c.tc_url, "rtmp://127.0.0.1:1935/live?tok=a");
    BOOST_CHECK_EQUAL(c.stream, "cam?k=v");
    auto flv = config_from_url(*url::parse_rtmp_url("rtmp://h/live/cam.flv"), Mode::Play);
    BOOST_CHECK_EQUAL(flv->stream, "cam");  // as ffmpeg renames it
    auto u = url::parse_rtmp_url("rtmp://h/live/cam");
    auto extra = config_from_url(*u, Mode::Play, {{"auth", "x y"}});
    BOOST_REQUIRE(extra);
    BOOST_CHECK_EQUAL(extra->app, "live?auth=x%20y");
    BOOST_CHECK_EQUAL(extra->tc_url, "rtmp://h/live?auth=x%20y");
    auto no_stream = url::parse_rtmp_url("rtmp://h/live");
    BOOST_CHECK(!config_from_url(*no_stream, Mode::Play));
}

BOOST_AUTO_TEST_CASE(plays_through_every_split) {
    for (Split split : {Split::Whole, Split::Bytes, Split::Random}) {
        std::mt19937 rng(42);
        FakeServer s;
        ClientSession c(play_config(), fill);
        run_to_play(s, c, split, rng);
        const rtmp::Command* connect = s.last("connect");
        const amf::Value& obj = connect->args.at(0);
        BOOST_CHECK_EQUAL(obj.get("app")->as_string(), "live?tok=a");
        BOOST_CHECK_EQUAL(obj.get("tcUrl")->as_string(), "rtmp://127.0.0.1:1935/live?tok=a");
        const rtmp::Command* play = s.last("play");
        BOOST_CHECK_EQUAL(play->args.at(1).as_string(), "cam?k=v");
        BOOST_CHECK(play->args.at(2).as_number() < 0);  // live
        BOOST_CHECK_EQUAL(s.messages.back().type, 4);   // SetBufferLength after play
        BOOST_CHECK_EQUAL(c.state(), SessionState::Starting);
        BOOST_CHECK_EQUAL(c.stream_id(), 1u);

        util::Bytes status = rtmp::on_status("status", "NetStream.Play.Start", "go");
        s.send(20, 1, status);
        BOOST_REQUIRE(deliver(s, c, split, rng, 9));
        BOOST_CHECK(c.active());
        BOOST_CHECK_EQUAL(*c.times().active, 9u);
        BOOST_CHECK_EQUAL(c.connect_answer().fms_ver, "FMS/3,0,1,123");
        BOOST_CHECK_EQUAL(c.connect_answer().capabilities, 31);
        BOOST_REQUIRE_EQUAL(c.statuses().size(), 2u);
        BOOST_CHECK_EQUAL(c.statuses()[1].code, "NetStream.Play.Start");
        BOOST_CHECK_EQUAL(c.statuses()[1].stream_id, 1u);

        s.send(20, 1, rtmp::on_status("status", "NetStream.Play.UnpublishNotify", ""));
        BOOST_REQUIRE(deliver(s, c, split, rng));
        BOOST_CHECK(c.stream_ended());
    }
}

BOOST_AUTO_TEST_CASE(replies_are_matched_by_transaction_id) {
    std::mt19937 rng(1);
    FakeServer s;
    ClientSession c(play_config(), fill);
    util::Bytes out;
    c.start(0, out);
    s.from_client(out);
    deliver(s, c, Split::Whole, rng);
    double txn = s.last("connect")->transaction_id;
    s.send(20, 0, rtmp::connect_result(txn + 7, 0));  // someone else's reply
    deliver(s, c, Split::Whole, rng);
    BOOST_CHECK_EQUAL(c.state(), SessionState::Connecting);
    BOOST_CHECK(!s.last("createStream"));
    s.send(20, 0, rtmp::connect_result(txn, 0));
    deliver(s, c, Split::Whole, rng);
    BOOST_CHECK_EQUAL(c.state(), SessionState::CreatingStream);
}

BOOST_AUTO_TEST_CASE(rejected_connect_and_missing_stream_are_told_apart) {
    std::mt19937 rng(1);
    {
        FakeServer s;
        ClientSession c(play_config(), fill);
        util::Bytes out;
        c.start(0, out);
        s.from_client(out);
        BOOST_CHECK_EQUAL(c.closed_error().code, ProbeErrc::HandshakeFailed);
        deliver(s, c, Split::Whole, rng);
        BOOST_CHECK_EQUAL(c.closed_error().code, ProbeErrc::ConnectRejected);
        s.send(20, 0, rtmp::connect_rejected(s.last("connect")->transaction_id, "no entry"));
        BOOST_CHECK(!deliver(s, c, Split::Whole, rng));
        BOOST_REQUIRE(c.failure());
        BOOST_CHECK_EQUAL(c.failure()->code, ProbeErrc::ConnectRejected);
        BOOST_CHECK(c.failure()->message.find("no entry") != std::string::npos);
        BOOST_CHECK_EQUAL(c.state(), SessionState::Failed);
    }
    {
        FakeServer s;
        ClientSession c(play_config(), fill);
        run_to_play(s, c, Split::Whole, rng);
        s.send(20, 1, rtmp::on_status("error", "NetStream.Play.StreamNotFound", "no cam"));
        BOOST_CHECK(!deliver(s, c, Split::Whole, rng));
        BOOST_CHECK_EQUAL(c.failure()->code, ProbeErrc::StreamNotFound);
        util::Bytes out;
        BOOST_CHECK(!c.feed(util::Bytes{1, 2, 3}, 0, out));  // stays failed
    }
}

BOOST_AUTO_TEST_CASE(bad_server_version_fails_the_handshake) {
    ClientSession c(play_config(), fill);
    util::Bytes out;
    c.start(0, out);
    util::Bytes s0(1537, 0);
    s0[0] = 6;
    auto r = c.feed(s0, 0, out);
    BOOST_REQUIRE(!r);
    BOOST_CHECK_EQUAL(r.error().code, ProbeErrc::HandshakeFailed);
}

BOOST_AUTO_TEST_CASE(answers_ping_and_acknowledges_the_window) {
    std::mt19937 rng(3);
    FakeServer s;
    ClientSession c(play_config(), fill);
    run_to_play(s, c, Split::Whole, rng);
    s.messages.clear();
    s.send(4, 0, rtmp::user_control_payload(rtmp::UserControlEvent::PingRequest, 1234), 0, 2);
    // 5000000 window: an ack is due after half of it.
    util::Bytes audio(1000002, 0x17);  // AAC raw frames of 1 MB
    audio[0] = 0xAF;
    audio[1] = 1;
    for (int i = 0; i < 3; ++i) s.send(8, 1, audio, std::uint32_t(i * 20), 4);
    deliver(s, c, Split::Random, rng);
    bool pong = false, ack = false;
    for (const auto& m : s.messages) {
        if (m.type == 4) {
            auto uc = rtmp::read_user_control(m.payload);
            pong |= uc && uc->event == rtmp::UserControlEvent::PingResponse && uc->value == 1234;
        }
        ack |= m.type == 3;
    }
    BOOST_CHECK(pong);
    BOOST_CHECK(ack);
}

BOOST_AUTO_TEST_CASE(publishes_with_set_data_frame) {
    std::mt19937 rng(5);
    FakeServer s;
    auto u = url::parse_rtmp_url("rtmp://h/live/cam?key=1");
    ClientSession c(*config_from_url(*u, Mode::Publish), fill);
    util::Bytes out;
    c.start(0, out);
    s.from_client(out);
    deliver(s, c, Split::Whole, rng);
    BOOST_CHECK_EQUAL(s.last("connect")->args[0].get("type")->as_string(), "nonprivate");
    s.send(20, 0, rtmp::connect_result(s.last("connect")->transaction_id, 0));
    deliver(s, c, Split::Whole, rng);
    BOOST_REQUIRE(s.last("releaseStream") && s.last("FCPublish") && s.last("createStream"));
    s.send(20, 0, rtmp::create_stream_result(s.last("createStream")->transaction_id, 1));
    deliver(s, c, Split::Whole, rng);
    const rtmp::Command* publish = s.last("publish");
    BOOST_REQUIRE(publish);
    BOOST_CHECK_EQUAL(publish->args.at(1).as_string(), "cam?key=1");
    BOOST_CHECK_EQUAL(publish->args.at(2).as_string(), "live");
    s.send(20, 1, rtmp::on_status("status", "NetStream.Publish.Start", ""));
    deliver(s, c, Split::Whole, rng);
    BOOST_REQUIRE(c.active());
    out.clear();
    util::Bytes meta = rtmp::encode_data("onMetaData", {amf::Value::ecma_array({{"width", amf::Value::number(2)}})});
    c.send_media(18, 0, meta, out);
    c.send_media(9, 40, util::Bytes{0x17, 1, 0, 0, 0}, out);
    s.messages.clear();
    s.from_client(out);
    BOOST_REQUIRE_EQUAL(s.messages.size(), 2u);
    auto data = rtmp::decode_data(s.messages[0].payload, false);
    BOOST_REQUIRE(data);
    BOOST_CHECK_EQUAL((*data)[0].as_string(), "@setDataFrame");
    BOOST_CHECK_EQUAL((*data)[1].as_string(), "onMetaData");
    BOOST_CHECK_EQUAL(s.messages[1].timestamp, 40u);
    BOOST_CHECK_EQUAL(s.messages[1].stream_id, 1u);
    s.send(20, 1, rtmp::on_status("error", "NetStream.Publish.BadName", "taken"));
    BOOST_CHECK(!deliver(s, c, Split::Whole, rng));
    BOOST_CHECK_EQUAL(c.failure()->code, ProbeErrc::PublishRejected);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(analysis)

namespace {
std::vector<rtmp::Message> fixture_messages(const std::string& name) {
    auto tags = parse_flv_file(media_test::fixture(name));
    BOOST_REQUIRE(tags);
    std::vector<rtmp::Message> out;
    for (const auto& t : *tags)
        out.push_back({6, t.header.timestamp, t.header.type, 1, t.payload});
    return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(describes_the_h264_aac_fixture_like_ffprobe) {
    // ffprobe: h264 High level 30 640x360 30/1; aac LC 44100 Hz stereo; 4.067 s.
    StreamAnalyzer a;
    auto msgs = fixture_messages("h264_aac.flv");
    std::size_t ready_after = 0;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        a.on_message(msgs[i], 100 + i);
        if (!ready_after && a.ready()) ready_after = i + 1;
    }
    BOOST_CHECK(ready_after > 0 && ready_after < 10);
    BOOST_REQUIRE(a.video() && a.audio() && a.metadata());
    BOOST_CHECK_EQUAL(a.video()->codec, "h264");
    BOOST_CHECK_EQUAL(a.video()->profile, "High");
    BOOST_CHECK_EQUAL(a.video()->level, 30);
    BOOST_CHECK_EQUAL(a.video()->width, 640u);
    BOOST_CHECK_EQUAL(a.video()->height, 360u);
    BOOST_CHECK_EQUAL(a.audio()->codec, "aac");
    BOOST_CHECK_EQUAL(a.audio()->profile, "LC");
    BOOST_CHECK_EQUAL(a.audio()->sample_rate, 44100u);
    BOOST_CHECK_EQUAL(a.audio()->channels, 2);
    BOOST_CHECK_EQUAL(a.metadata()->get("width")->as_number(), 640);
    BOOST_REQUIRE(a.first_media().size() >= 3);
    BOOST_CHECK_EQUAL(a.first_media()[0], "video-header");
    BOOST_CHECK_CLOSE(a.video_timing().frame_rate(), 30.0, 1.0);
    BOOST_CHECK_EQUAL(a.video_timing().gaps() + a.video_timing().jumps(), 0u);
    BOOST_CHECK(a.keyframes() >= 2);
    KeyframeInterval k = a.keyframe_interval();
    BOOST_CHECK_EQUAL(k.count, a.keyframes() - 1);
    BOOST_CHECK(k.min_ms > 0 && k.min_ms <= k.avg_ms && k.avg_ms <= k.max_ms);
    BOOST_CHECK(a.av_drift().measured);
    BOOST_CHECK(std::abs(a.av_drift().drift_ms()) < 100);
    // ffprobe's format bit_rate is 833382 over the whole file; the tracks' sum is close.
    double total = a.video_timing().bitrate() + a.audio_timing().bitrate();
    BOOST_CHECK(total > 700000 && total < 900000);
}

BOOST_AUTO_TEST_CASE(video_only_is_ready_without_audio_and_audio_only_without_video) {
    StreamAnalyzer v;
    for (const auto& m : fixture_messages("h264_only.flv")) v.on_message(m, 0);
    BOOST_CHECK(v.ready());
    BOOST_CHECK(!v.audio());
    StreamAnalyzer a;
    auto msgs = fixture_messages("aac_only.flv");
    BOOST_CHECK(!a.ready());
    BOOST_CHECK_EQUAL(a.waiting_for(), "media");
    for (const auto& m : msgs) a.on_message(m, 0);
    BOOST_CHECK(a.ready());
    BOOST_CHECK(!a.video());
    BOOST_CHECK_EQUAL(a.audio()->codec, "aac");
}

BOOST_AUTO_TEST_CASE(g711_needs_no_sequence_header) {
    StreamAnalyzer a;
    for (const auto& m : fixture_messages("h264_pcma.flv")) a.on_message(m, 0);
    BOOST_CHECK(a.ready());
    BOOST_REQUIRE(a.audio());
    BOOST_CHECK_EQUAL(a.audio()->codec, "pcm_alaw");
}

BOOST_AUTO_TEST_CASE(waits_for_the_first_keyframe) {
    StreamAnalyzer a;
    a.on_message({6, 0, 18, 1, rtmp::encode_data("onMetaData", {amf::Value::ecma_array({{"videocodecid", amf::Value::number(7)}})})}, 0);
    BOOST_CHECK_EQUAL(a.waiting_for(), "media");
    a.on_message({6, 0, 9, 1, {0x27, 1, 0, 0, 0, 0xAA}}, 0);  // inter frame first
    BOOST_CHECK_EQUAL(a.waiting_for(), "the video sequence header");
    BOOST_CHECK_EQUAL(a.first_media()[0], "video-inter");
}

BOOST_AUTO_TEST_CASE(classifies_media_kinds) {
    BOOST_CHECK(*classify_media(9, util::Bytes{0x17, 0, 0, 0, 0}) == MediaKind::VideoHeader);
    BOOST_CHECK(*classify_media(9, util::Bytes{0x17, 1, 0, 0, 0}) == MediaKind::VideoKey);
    BOOST_CHECK(*classify_media(9, util::Bytes{0x27, 1, 0, 0, 0}) == MediaKind::VideoInter);
    BOOST_CHECK(*classify_media(8, util::Bytes{0xAF, 0, 0x12, 0x10}) == MediaKind::AudioHeader);
    BOOST_CHECK(*classify_media(8, util::Bytes{0xAF, 1, 0x21}) == MediaKind::Audio);
    BOOST_CHECK(!classify_media(20, util::Bytes{2}));
    BOOST_CHECK(!classify_media(9, util::Bytes{}));
}

BOOST_AUTO_TEST_CASE(track_timing_counts_gaps_jumps_and_reorderings) {
    TrackTiming t;
    std::uint32_t ts = 0xFFFFFF00u;  // crosses the 32-bit wrap
    for (int i = 0; i < 20; ++i, ts += 40) t.add(ts, 100);
    BOOST_CHECK_EQUAL(t.gaps() + t.jumps() + t.reorderings(), 0u);
    BOOST_CHECK_EQUAL(t.last_ts() - t.first_ts(), 19 * 40);
    BOOST_CHECK_CLOSE(t.frame_rate(), 25.0, 0.01);
    ts += 400;  // a 440 ms gap
    t.add(ts, 100);
    BOOST_CHECK_EQUAL(t.gaps(), 1u);
    BOOST_CHECK_EQUAL(t.largest_gap_ms(), 440);
    t.add(ts - 20, 100);  // back 20 ms
    BOOST_CHECK_EQUAL(t.reorderings(), 1u);
    t.add(ts + 10000, 100);  // forward 10 s
    t.add(ts - 30000, 100);  // back 30 s
    BOOST_CHECK_EQUAL(t.jumps(), 2u);
    BOOST_CHECK_EQUAL(t.frames(), 24u);
    BOOST_CHECK_EQUAL(t.bytes(), 2400u);
    BOOST_CHECK_CLOSE(t.usual_delta_ms(), 40.0, 0.01);  // gaps do not move it
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tools)

BOOST_AUTO_TEST_CASE(paced_source_hands_out_tags_by_time_and_loops) {
    std::vector<media::FlvTag> tags;
    for (std::uint32_t ts : {1000u, 1000u, 1040u, 1080u})
        tags.push_back({{std::uint8_t(ts == 1000 && tags.empty() ? 18 : 9), false, 1, ts, 0}, {0x17}});
    PacedSource s(tags, true);
    std::vector<std::uint32_t> sent;
    auto h = [&](std::uint8_t, std::uint32_t ts, util::ByteView) { sent.push_back(ts); };
    s.emit_due(0, h);
    BOOST_CHECK_EQUAL(sent.size(), 2u);  // both tags at 0
    BOOST_CHECK_EQUAL(s.next_due_ms(), 40u);
    s.emit_due(79, h);
    BOOST_CHECK_EQUAL(sent.size(), 3u);
    s.emit_due(200, h);
    // pass length 80 + 40: second pass starts at 120 without the script tag.
    std::vector<std::uint32_t> want = {0, 0, 40, 80, 120, 160, 200};
    BOOST_CHECK_EQUAL_COLLECTIONS(sent.begin(), sent.end(), want.begin(), want.end());
    BOOST_CHECK_EQUAL(s.loops(), 1u);
    BOOST_CHECK(!s.finished());
    PacedSource once(tags, false);
    once.emit_due(1000, h);
    BOOST_CHECK(once.finished());
}

BOOST_AUTO_TEST_CASE(tracer_follows_the_encoder_and_chunk_size_changes) {
    rtmp::ChunkEncoder enc;
    util::Bytes wire;
    enc.encode({2, 0, 4, 1, 0}, rtmp::set_chunk_size_payload(100), wire);
    enc.set_chunk_size(100);
    util::Bytes payload(250, 0x55);
    enc.encode({6, 1000, 250, 9, 1}, payload, wire);
    enc.encode({6, 1040, 250, 9, 1}, payload, wire);
    enc.encode({6, 0x2000000, 250, 9, 1}, payload, wire);  // extended delta
    for (std::size_t piece : {wire.size(), std::size_t(1), std::size_t(7)}) {
        ChunkTracer tracer;
        std::vector<ChunkTrace> seen;
        for (std::size_t pos = 0; pos < wire.size(); pos += piece)
            tracer.feed(util::ByteView(wire).subspan(pos, std::min(piece, wire.size() - pos)),
                        [&](const ChunkTrace& t) { seen.push_back(t); });
        BOOST_CHECK(!tracer.failed());
        BOOST_CHECK_EQUAL(tracer.chunk_size(), 100u);
        BOOST_REQUIRE_EQUAL(seen.size(), 1u + 3 * 3);  // 250 bytes = 3 chunks of <= 100
        BOOST_CHECK_EQUAL(seen[0].type, 1);
        BOOST_CHECK_EQUAL(seen[1].fmt, 0u);
        BOOST_CHECK_EQUAL(seen[1].timestamp, 1000u);
        BOOST_CHECK_EQUAL(seen[1].chunk_payload, 100u);
        BOOST_CHECK_EQUAL(seen[3].chunk_payload, 50u);
        BOOST_CHECK_EQUAL(seen[2].fmt, 3u);
        BOOST_CHECK(!seen[2].first_chunk);
        BOOST_CHECK(seen[4].first_chunk);
        BOOST_CHECK_EQUAL(seen[4].timestamp, 1040u);
        BOOST_CHECK(seen[4].fmt == 1u || seen[4].fmt == 2u);
        BOOST_CHECK_EQUAL(seen[7].timestamp, 0x2000000u);
        BOOST_CHECK(seen[7].extended);
        BOOST_CHECK(seen[8].extended);  // repeated in continuation chunks
    }
}

BOOST_AUTO_TEST_CASE(report_text_aligns_keys) {
    nlohmann::ordered_json j = {{"url", "rtmp://h/a/s"},
                                {"video", {{"codec", "h264"}, {"width", 640}}},
                                {"first_media", {"video-header", "video-key"}},
                                {"capabilities", 31.0}};
    std::string text = report_text(j);
    BOOST_CHECK_EQUAL(text,
                      "url:          rtmp://h/a/s\n"
                      "video:\n"
                      "  codec: h264\n"
                      "  width: 640\n"
                      "first_media:  video-header, video-key\n"
                      "capabilities: 31\n");
}

BOOST_AUTO_TEST_CASE(load_percentiles_by_nearest_rank) {
    std::vector<double> v;
    for (int i = 100; i >= 1; --i) v.push_back(i);
    BOOST_CHECK_EQUAL(percentile(v, 50), 50);
    BOOST_CHECK_EQUAL(percentile(v, 90), 90);
    BOOST_CHECK_EQUAL(percentile(v, 99), 99);
    BOOST_CHECK_EQUAL(percentile(v, 100), 100);
    std::vector<double> empty;
    BOOST_CHECK_EQUAL(percentile(empty, 50), 0);
    LoadSummary s;
    s.clients = 3;
    s.connected = 2;
    s.failures["timed_out"] = 1;
    s.socket_bytes = 1000000;
    s.duration_s = 2;
    auto j = s.to_json();
    BOOST_CHECK_EQUAL(j["failed"], 1);
    BOOST_CHECK_EQUAL(j["throughput_mbit_s"], 4.0);
}

BOOST_AUTO_TEST_SUITE_END()
