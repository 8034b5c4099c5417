// lib/server/session without sockets: the probe's sans-IO client plays the peer (publisher or
// player), memory plays the transport, a fake clock the time and a scripted backend the hooks.
// Publish, play, pause, conflicts, garbage, the deadlines of the state table, and hooks that
// decide later; several sessions against one registry.
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>

#include "media_test_util.h"
#include "probe/client_session.h"
#include "probe/flv_source.h"
#include "rtmp/command_replies.h"
#include "net/log.h"
#include "server/session.h"
#include "server_harness.h"

using server::Session;
using server::SessionState;
using namespace server_harness;

namespace server {
std::ostream& operator<<(std::ostream& os, SessionState s) { return os << state_name(s); }
}  // namespace server
namespace probe {
std::ostream& operator<<(std::ostream& os, SessionState s) { return os << state_name(s); }
}  // namespace probe

namespace {

// Warnings and errors only: the sessions' info lines would bury a failure's output.
struct QuietLog {
    QuietLog() { net::logger().configure(net::LogLevel::Warn, net::LogFormat::Human); }
};
BOOST_TEST_GLOBAL_FIXTURE(QuietLog);

void fill(std::uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(i * 13 + 5);
}

std::shared_ptr<const server::Config> config_with(std::function<void(server::Config&)> change = {}) {
    server::Config c;
    if (change) change(c);
    return std::make_shared<const server::Config>(c);
}

// One client (the probe's session) against one server session.
struct Peer {
    struct Listener : probe::SessionListener {
        Peer* peer = nullptr;
        void on_message(const rtmp::Message& m, std::uint64_t) override { peer->received.push_back(m); }
    };
    Listener listener;  // before the client, which is given its address
    MemoryIo io;
    std::unique_ptr<Session> server;
    probe::ClientSession client;
    util::Bytes to_server;
    bool stalled = false;  // the peer reads nothing
    std::vector<rtmp::Message> received;

    static probe::ClientConfig client_config(probe::Mode mode, const std::string& stream) {
        probe::ClientConfig c;
        c.mode = mode;
        c.app = "live";
        c.tc_url = "rtmp://127.0.0.1/live";
        c.stream = stream;
        return c;
    }

    Peer(TestHost& host, std::shared_ptr<const server::Config> config, std::uint64_t id,
         probe::Mode mode, const std::string& stream)
        : client(client_config(mode, stream), fill, &listener) {
        listener.peer = this;
        server = std::make_unique<Session>(host, io, std::move(config), id,
                                           server::SessionPeer{"127.0.0.1:5000" + std::to_string(id),
                                                               "127.0.0.1:1935", false},
                                           fill);
        io.session = server.get();
        client.start(0, to_server);
    }

    // Moves bytes both ways until neither side has anything more to say.
    void pump() {
        for (int round = 0; round < 100; ++round) {
            bool moved = false;
            if (!to_server.empty() && !io.done && server->wants_input()) {
                const std::size_t used = server->receive(to_server);
                to_server.erase(to_server.begin(), to_server.begin() + std::ptrdiff_t(used));
                moved = used > 0;
            }
            if (!stalled && io.unsent() > 0) {
                util::Bytes in = io.take_all();
                if (!client.failure()) (void)client.feed(in, 0, to_server);
                moved = true;
            }
            if (!moved) return;
        }
    }

    bool got_status(std::string_view code) const {
        for (const auto& s : client.statuses())
            if (s.code == code) return true;
        return false;
    }
    std::size_t media_received() const {
        std::size_t n = 0;
        for (const auto& m : received) n += (m.type == 8 || m.type == 9);
        return n;
    }
};

std::vector<media::FlvTag> fixture_tags() {
    auto tags = probe::parse_flv_file(media_test::fixture("h264_aac.flv"));
    BOOST_REQUIRE(tags);
    return *tags;
}

// Publishes the first `count` tags of the fixture.
void publish_tags(Peer& publisher, std::size_t count) {
    const auto tags = fixture_tags();
    for (std::size_t i = 0; i < count && i < tags.size(); ++i)
        publisher.client.send_media(tags[i].header.type, tags[i].header.timestamp, tags[i].payload,
                                    publisher.to_server);
    publisher.pump();
}

}  // namespace

BOOST_AUTO_TEST_CASE(publish_and_play_share_each_message_by_reference) {
    TestHost host;
    auto config = config_with();
    Peer pub(host, config, 1, probe::Mode::Publish, "cam");
    pub.pump();
    BOOST_TEST(pub.client.active());
    BOOST_TEST(pub.server->state() == SessionState::Publishing);
    BOOST_TEST(host.reg.publisher_of({"live", "cam"}) == pub.server.get());
    BOOST_TEST(host.started == std::vector<std::string>{"live/cam"});
    publish_tags(pub, 60);

    Peer a(host, config, 2, probe::Mode::Play, "cam");
    Peer b(host, config, 3, probe::Mode::Play, "cam");
    a.pump();
    b.pump();
    BOOST_TEST(a.client.active());
    BOOST_TEST(a.got_status(rtmp::status::kPlayStart));
    BOOST_TEST(a.server->state() == SessionState::Playing);
    BOOST_TEST(a.io.player);
    BOOST_TEST(a.io.flushes_now >= 1);  // a joiner's GOP goes out at once
    const std::size_t replayed = a.media_received();
    BOOST_TEST(replayed > 0u);          // the GOP cache from its keyframe

    const std::size_t shared_before = a.io.shared_appends + b.io.shared_appends;
    publish_tags(pub, 120);  // the same tags again: live now
    a.pump();
    b.pump();
    BOOST_TEST(a.media_received() > replayed);
    BOOST_TEST(a.media_received() == b.media_received());
    // Each live message reached each player as a reference to the one chunked copy.
    BOOST_TEST(a.io.shared_appends + b.io.shared_appends - shared_before ==
               2 * (a.media_received() - replayed));
    BOOST_TEST(host.reg.find({"live", "cam"})->player_count() == 2u);

    // The publisher leaves: one call; the players stay (unpublish_notify_delay is the host's).
    pub.server->close_by_operator();
    pub.pump();
    BOOST_TEST(pub.io.done);
    BOOST_TEST(host.reg.publisher_of({"live", "cam"}) == nullptr);
    BOOST_TEST(host.ended == std::vector<std::string>{"live/cam"});
    BOOST_TEST(host.reg.find({"live", "cam"}) != nullptr);  // two players still hold it
    a.server.reset();
    b.server.reset();
    BOOST_TEST(host.reg.find({"live", "cam"}) == nullptr);  // released with its last player
}

BOOST_AUTO_TEST_CASE(a_second_publisher_is_refused_with_bad_name) {
    TestHost host;
    auto config = config_with();
    Peer first(host, config, 1, probe::Mode::Publish, "cam");
    first.pump();
    Peer second(host, config, 2, probe::Mode::Publish, "cam");
    second.pump();
    BOOST_TEST(second.got_status(rtmp::status::kPublishBadName));
    BOOST_TEST(second.io.done);
    BOOST_TEST(first.server->state() == SessionState::Publishing);
    BOOST_TEST(host.counters.command_failures.at("already_published") == 1u);
}

BOOST_AUTO_TEST_CASE(publish_conflict_replace_hands_the_stream_over) {
    TestHost host;
    auto config = config_with([](server::Config& c) { c.publish_conflict = server::PublishConflict::Replace; });
    Peer first(host, config, 1, probe::Mode::Publish, "cam");
    first.pump();
    Peer second(host, config, 2, probe::Mode::Publish, "cam");
    second.pump();
    first.pump();
    BOOST_TEST(second.client.active());
    BOOST_TEST(first.got_status(rtmp::status::kPublishBadName));
    BOOST_TEST(first.io.done);
    BOOST_TEST(host.reg.publisher_of({"live", "cam"}) == second.server.get());
}

BOOST_AUTO_TEST_CASE(pause_and_unpause_are_states) {
    TestHost host;
    auto config = config_with();
    Peer pub(host, config, 1, probe::Mode::Publish, "cam");
    pub.pump();
    publish_tags(pub, 40);
    Peer player(host, config, 2, probe::Mode::Play, "cam");
    player.pump();
    auto pause = [&](bool on) {
        rtmp::MessageHeader h;
        h.type = std::uint8_t(rtmp::MessageType::CommandAmf0);
        h.stream_id = player.client.stream_id();
        const util::Bytes payload = rtmp::encode_command(
            "pause", 0, {rtmp::amf::Value::null(), rtmp::amf::Value::boolean(on), rtmp::amf::Value::number(0)});
        // The probe announced a chunk size of 4096 at connect.
        (void)rtmp::encode_message_absolute(h, payload, 4096, player.to_server);
        player.pump();
    };
    pause(true);
    BOOST_TEST(player.server->state() == SessionState::Paused);
    BOOST_TEST(player.got_status(rtmp::status::kPauseNotify));
    const std::size_t before = player.media_received();
    publish_tags(pub, 40);
    player.pump();
    BOOST_TEST(player.media_received() == before);  // nothing while paused
    pause(false);
    BOOST_TEST(player.server->state() == SessionState::Playing);
    BOOST_TEST(player.got_status(rtmp::status::kUnpauseNotify));
    BOOST_TEST(player.media_received() > before);   // the GOP again, from its keyframe
}

BOOST_AUTO_TEST_CASE(garbage_after_the_handshake_ends_that_session_only) {
    TestHost host;
    auto config = config_with();
    Peer pub(host, config, 1, probe::Mode::Publish, "cam");
    pub.pump();
    Peer player(host, config, 2, probe::Mode::Play, "cam");
    player.pump();
    publish_tags(pub, 30);
    player.pump();
    const std::size_t got = player.media_received();

    Peer bad(host, config, 3, probe::Mode::Play, "cam");
    bad.pump();
    std::mt19937 rng(7);
    for (int i = 0; i < 20 && !bad.io.done; ++i) {
        util::Bytes junk(512);
        for (auto& b : junk) b = std::uint8_t(rng());
        junk[0] = 0x02;  // a chunk header on csid 2 to start with
        bad.server->receive(junk);
    }
    BOOST_TEST(bad.io.done);
    BOOST_TEST(pub.server->state() == SessionState::Publishing);
    publish_tags(pub, 30);
    player.pump();
    BOOST_TEST(player.media_received() > got);
}

BOOST_AUTO_TEST_CASE(a_command_before_connect_closes) {
    TestHost host;
    MemoryIo io;
    Session s(host, io, config_with(), 1, {"127.0.0.1:1", "127.0.0.1:1935", false}, fill);
    io.session = &s;
    // Handshake by hand, then a play command without connect.
    rtmp::ClientHandshake hs(fill, 0, true);
    util::Bytes c;
    hs.start(c);
    s.receive(c);
    util::Bytes reply = io.take_all();
    util::Bytes c2;
    BOOST_REQUIRE(hs.feed(reply, c2));
    s.receive(c2);
    util::Bytes msg;
    rtmp::MessageHeader h;
    h.type = std::uint8_t(rtmp::MessageType::CommandAmf0);
    (void)rtmp::encode_message_absolute(
        h, rtmp::encode_command("play", 2, {rtmp::amf::Value::null(), rtmp::amf::Value::string("x")}),
        128, msg);
    s.receive(msg);
    BOOST_TEST(io.done);
    BOOST_TEST(host.counters.command_failures.at("before_connect") == 1u);
}

BOOST_AUTO_TEST_CASE(the_handshake_deadline_comes_from_the_state_table) {
    TestHost host;
    MemoryIo io;
    auto config = config_with();
    Session s(host, io, config, 1, {"127.0.0.1:1", "127.0.0.1:1935", false}, fill);
    io.session = &s;
    BOOST_TEST(s.state() == SessionState::Handshake);
    BOOST_REQUIRE(io.deadline);
    BOOST_TEST(*io.deadline == host.now + config->handshake_timeout.count());
    host.now += config->handshake_timeout.count() - 1;
    s.on_deadline();  // early: nothing happens
    BOOST_TEST(!io.done);
    host.now += 1;
    s.on_deadline();
    BOOST_TEST(io.done);
    BOOST_TEST(host.counters.handshake_failures.at("timeout") == 1u);
}

BOOST_AUTO_TEST_CASE(idle_after_connect_and_play_wait_deadlines) {
    TestHost host;
    auto config = config_with([](server::Config& c) {
        c.idle_timeout = server::Duration{5000};
        c.play_wait_timeout = server::Duration{3000};
    });
    Peer player(host, config, 1, probe::Mode::Play, "absent");
    player.pump();
    BOOST_TEST(player.server->state() == SessionState::Playing);
    BOOST_REQUIRE(player.io.deadline);
    host.now = *player.io.deadline;
    player.server->on_deadline();
    player.pump();
    BOOST_TEST(player.got_status(rtmp::status::kPlayStreamNotFound));
    BOOST_TEST(player.io.done);

    // A connection that never publishes or plays: idle_timeout after its connect.
    probe::ClientConfig cc = Peer::client_config(probe::Mode::Play, "x");
    MemoryIo io;
    Session s(host, io, config, 2, {"127.0.0.1:2", "127.0.0.1:1935", false}, fill);
    io.session = &s;
    probe::ClientSession client(cc, fill);
    util::Bytes out;
    client.start(0, out);
    // Only the handshake and connect: stop feeding once connect is answered.
    for (int i = 0; i < 10 && !(s.state() == SessionState::Connected); ++i) {
        s.receive(out);
        out.clear();
        util::Bytes in = io.take_all();
        (void)client.feed(in, 0, out);
        if (client.state() == probe::SessionState::CreatingStream) break;
    }
    BOOST_TEST(s.state() == SessionState::Connected);
    host.now += 5000;
    s.on_deadline();
    BOOST_TEST(io.done);
}

BOOST_AUTO_TEST_CASE(a_player_that_takes_nothing_hits_write_timeout) {
    TestHost host;
    auto config = config_with([](server::Config& c) { c.write_timeout = server::Duration{2000}; });
    Peer pub(host, config, 1, probe::Mode::Publish, "cam");
    pub.pump();
    Peer player(host, config, 2, probe::Mode::Play, "cam");
    player.pump();
    player.stalled = true;
    publish_tags(pub, 50);
    BOOST_TEST(player.io.unsent() > 0u);
    for (int i = 0; i < 5 && !player.io.done; ++i) {
        host.now += 1000;
        if (player.io.deadline && host.now >= *player.io.deadline) player.server->on_deadline();
    }
    BOOST_TEST(player.io.done);
    BOOST_TEST(pub.server->state() == SessionState::Publishing);
}

BOOST_AUTO_TEST_CASE(a_silent_publisher_hits_idle_publisher_timeout) {
    TestHost host;
    auto config = config_with([](server::Config& c) { c.idle_publisher_timeout = server::Duration{4000}; });
    Peer pub(host, config, 1, probe::Mode::Publish, "cam");
    pub.pump();
    BOOST_REQUIRE(pub.io.deadline);
    host.now += 3000;
    publish_tags(pub, 5);  // input resets the bound; the armed deadline only re-checks
    host.now += 1500;
    pub.server->on_deadline();
    BOOST_TEST(!pub.io.done);
    BOOST_REQUIRE(pub.io.deadline);
    host.now = *pub.io.deadline;
    pub.server->on_deadline();
    BOOST_TEST(pub.io.done);
    BOOST_TEST(host.reg.find({"live", "cam"}) == nullptr);
}

BOOST_AUTO_TEST_CASE(hooks_decide_later_and_reading_waits) {
    TestHost host;
    ScriptedHooks hooks;
    host.scripted = &hooks;
    auto config = config_with();
    Peer pub(host, config, 1, probe::Mode::Publish, "cam?token=abc");
    pub.pump();
    BOOST_TEST(pub.server->state() == SessionState::AwaitingHook);
    BOOST_TEST(!pub.io.reading);
    BOOST_REQUIRE(hooks.waiting.size() == 1u);
    BOOST_TEST(hooks.waiting[0].method == "connect");
    host.now += 100;
    BOOST_REQUIRE(hooks.decide(true));
    BOOST_TEST(pub.io.reading);
    pub.pump();
    BOOST_REQUIRE(hooks.waiting.size() == 1u);
    BOOST_TEST(hooks.waiting[0].method == "publishStream");
    BOOST_TEST(hooks.waiting[0].payload["custom"]["token"] == "abc");
    BOOST_REQUIRE(hooks.decide(true, {{"name", "renamed"}}));
    pub.pump();
    BOOST_TEST(pub.client.active());
    BOOST_TEST(host.reg.publisher_of({"live", "renamed"}) == pub.server.get());
    BOOST_TEST(hooks.has_event("ConnectionStatusEvent", "ESTABLISHED"));

    // A play the backend refuses: NetStream.Play.Failed with its reason, then the close.
    Peer player(host, config, 2, probe::Mode::Play, "renamed");
    player.pump();
    BOOST_REQUIRE(hooks.decide(true));  // connect
    player.pump();
    BOOST_REQUIRE(hooks.decide(false));  // playStream
    player.pump();
    BOOST_TEST(player.got_status(rtmp::status::kPlayFailed));
    BOOST_TEST(player.io.done);
    BOOST_TEST(host.counters.command_failures.at("play_refused") == 1u);

    // A session that closes while its hook is pending cancels the request.
    Peer gone(host, config, 3, probe::Mode::Play, "renamed");
    gone.pump();
    BOOST_TEST(hooks.waiting.size() == 1u);
    gone.server->on_peer_closed();
    BOOST_TEST(hooks.waiting.empty());
}

BOOST_AUTO_TEST_CASE(every_split_of_a_publish_session_gives_the_same_stream) {
    // The server session fed in random pieces (as TCP may deliver them) publishes the same
    // messages as when fed whole.
    const auto tags = fixture_tags();
    auto run = [&](std::uint32_t seed) {
        TestHost host;
        auto config = config_with();
        probe::ClientConfig cc = Peer::client_config(probe::Mode::Publish, "cam");
        MemoryIo io;
        Session s(host, io, config, 1, {"127.0.0.1:1", "127.0.0.1:1935", false}, fill);
        io.session = &s;
        probe::ClientSession client(cc, fill);
        util::Bytes out;
        client.start(0, out);
        std::mt19937 rng(seed);
        for (int round = 0; round < 50 && !client.active(); ++round) {
            std::size_t at = 0;
            while (at < out.size()) {
                const std::size_t n = seed == 0 ? out.size() : 1 + rng() % 200;
                const std::size_t piece = std::min(n, out.size() - at);
                BOOST_REQUIRE(s.receive(util::ByteView(out.data() + at, piece)) == piece);
                at += piece;
            }
            out.clear();
            util::Bytes in = io.take_all();
            (void)client.feed(in, 0, out);
        }
        BOOST_REQUIRE(client.active());
        for (std::size_t i = 0; i < 80; ++i)
            client.send_media(tags[i].header.type, tags[i].header.timestamp, tags[i].payload, out);
        std::size_t at = 0;
        while (at < out.size()) {
            const std::size_t n = seed == 0 ? out.size() : 1 + rng() % 300;
            const std::size_t piece = std::min(n, out.size() - at);
            s.receive(util::ByteView(out.data() + at, piece));
            at += piece;
        }
        const server::Stream* st = host.reg.find({"live", "cam"});
        BOOST_REQUIRE(st);
        return std::make_pair(st->info().video_frames, st->info().audio_frames);
    };
    const auto whole = run(0);
    BOOST_TEST(whole.first > 0u);
    for (std::uint32_t seed = 1; seed < 6; ++seed) BOOST_TEST((run(seed) == whole));
}
