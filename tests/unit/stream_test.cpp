// Stream fan-out bounds: the GOP cache in messages, too-short media at intake, repeated headers;
// the deferred fan-out (a batch per merge period, given player by player).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "server/stream.h"

using namespace server;

namespace {
struct CountingPlayer : Player {
    std::size_t messages = 0, headers = 0;
    void send_media(const MediaPtr& m) override {
        ++messages;
        if (m->is_header()) ++headers;
    }
    void on_publish_start(Stream&, bool) override {}
    void on_publish_stop(Stream&) override {}
};

// Records every message (by serial) and the publish events, in order.
struct RecordingPlayer : Player {
    std::vector<std::string> log;
    std::vector<std::uint64_t> serials;
    std::function<void(const MediaPtr&)> also;
    void send_media(const MediaPtr& m) override {
        serials.push_back(m->serial);
        log.push_back(std::string(m->is_header() ? "header" : m->is_video() ? "video" : "audio"));
        if (also) also(m);
    }
    void on_publish_start(Stream&, bool) override { log.push_back("start"); }
    void on_publish_stop(Stream&) override { log.push_back("stop"); }
};

const util::Bytes kInterFrame = {0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41};

const util::Bytes kAvcHeader = {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f};
const util::Bytes kKeyframe = {0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65};
const util::Bytes kAacFrame = {0xAF, 0x01, 0x21};
}  // namespace

BOOST_AUTO_TEST_SUITE(stream)

BOOST_AUTO_TEST_CASE(gop_cache_is_bounded_in_messages) {
    // One keyframe then audio only: frames and bytes stay small, messages do not.
    Stream s("live", "s", 4096, GopLimits{true, 1800, 64 << 20, 100});
    s.start_publishing();
    s.publish(9, 0, kAvcHeader);
    s.publish(9, 0, kKeyframe);
    for (std::uint32_t i = 0; i < 5000; ++i) s.publish(8, i, kAacFrame);
    CountingPlayer p;
    s.replay_to(p);
    // Past 100 messages the cache is given up until the next keyframe: just the header.
    BOOST_CHECK_LE(p.messages, 101u);
    BOOST_CHECK_EQUAL(p.headers, 1u);
}

BOOST_AUTO_TEST_CASE(media_too_short_for_its_tag_header_is_refused) {
    Stream s("live", "s", 4096, GopLimits{});
    s.start_publishing();
    CountingPlayer p;
    s.add_player(&p);
    BOOST_CHECK(!s.publish(8, 0, {}));                   // empty audio
    BOOST_CHECK(!s.publish(9, 0, {}));                   // empty video
    BOOST_CHECK(!s.publish(8, 0, {0xAF}));               // AAC without its packet type
    BOOST_CHECK(!s.publish(9, 0, {0x17, 0x01, 0, 0}));   // AVC without all of its CTS
    BOOST_CHECK(s.publish(8, 0, {0x2F}));                // MP3 tag header alone is well-formed
    BOOST_CHECK(s.publish(9, 0, kKeyframe));
    BOOST_CHECK_EQUAL(s.refused_messages(), 4u);
    BOOST_CHECK_EQUAL(p.messages, 2u);
}

BOOST_AUTO_TEST_CASE(a_repeated_header_is_not_sent_again) {
    Stream s("live", "s", 4096, GopLimits{});
    s.start_publishing();
    CountingPlayer p;
    s.add_player(&p);
    for (int i = 0; i < 100; ++i) s.publish(9, std::uint32_t(i), kAvcHeader);
    BOOST_CHECK_EQUAL(p.headers, 1u);
    util::Bytes changed = kAvcHeader;
    changed[8] = 0x28;  // another level: a real change reaches the players
    s.publish(9, 200, changed);
    BOOST_CHECK_EQUAL(p.headers, 2u);
}

BOOST_AUTO_TEST_CASE(deferred_fan_out_waits_for_the_batch_and_keeps_order) {
    Stream s("live", "s", 4096, GopLimits{});
    int scheduled = 0;
    s.set_deliver_later([&](Stream&) { ++scheduled; });
    s.start_publishing();
    RecordingPlayer a, b;
    s.add_player(&a);
    s.add_player(&b);
    s.publish(9, 0, kAvcHeader);
    s.publish(9, 0, kKeyframe);
    s.publish(8, 10, kAacFrame);
    s.publish(9, 33, kInterFrame);
    BOOST_TEST(scheduled == 1);  // once per batch, not per message
    BOOST_TEST(a.serials.empty());
    BOOST_TEST(s.pending_messages() == 4u);
    s.deliver_pending();
    BOOST_TEST(s.pending_messages() == 0u);
    BOOST_TEST(a.log == (std::vector<std::string>{"header", "video", "audio", "video"}));
    BOOST_TEST(b.serials == a.serials);
    BOOST_TEST(std::is_sorted(a.serials.begin(), a.serials.end()));
    s.publish(8, 20, kAacFrame);
    BOOST_TEST(scheduled == 2);  // the next batch
    s.deliver_pending();
    BOOST_TEST(a.serials.size() == 5u);
}

BOOST_AUTO_TEST_CASE(a_player_joining_mid_batch_gets_each_message_once) {
    Stream s("live", "s", 4096, GopLimits{});
    s.set_deliver_later([](Stream&) {});
    s.start_publishing();
    RecordingPlayer early;
    s.add_player(&early);
    s.publish(9, 0, kAvcHeader);
    s.publish(9, 0, kKeyframe);
    s.publish(8, 10, kAacFrame);
    // Joins now: its replay sends the header and the GOP, which hold the whole batch so far.
    RecordingPlayer joiner;
    s.add_player(&joiner);
    s.replay_to(joiner);
    BOOST_TEST(joiner.log == (std::vector<std::string>{"header", "video", "audio"}));
    s.publish(9, 33, kInterFrame);  // after its replay, in the same batch
    s.deliver_pending();
    BOOST_TEST(joiner.log == (std::vector<std::string>{"header", "video", "audio", "video"}));
    BOOST_TEST(joiner.serials == early.serials);
    // The next batch reaches it whole.
    s.publish(8, 40, kAacFrame);
    s.deliver_pending();
    BOOST_TEST(joiner.serials == early.serials);
}

BOOST_AUTO_TEST_CASE(a_joiner_without_a_gop_cache_still_gets_the_batch_after_its_headers) {
    Stream s("live", "s", 4096, GopLimits{false, 0, 0, 0});
    s.set_deliver_later([](Stream&) {});
    s.start_publishing();
    s.publish(9, 0, kAvcHeader);
    s.publish(9, 0, kKeyframe);
    RecordingPlayer joiner;
    s.add_player(&joiner);
    s.replay_to(joiner);  // the header only: nothing is cached
    BOOST_TEST(joiner.log == (std::vector<std::string>{"header"}));
    s.deliver_pending();  // the keyframe published after the header: not skipped
    BOOST_TEST(joiner.log == (std::vector<std::string>{"header", "video"}));
}

BOOST_AUTO_TEST_CASE(the_batch_goes_before_the_publisher_changes_and_not_to_leavers) {
    Stream s("live", "s", 4096, GopLimits{});
    s.set_deliver_later([](Stream&) {});
    s.start_publishing();
    RecordingPlayer stays, leaves;
    s.add_player(&stays);
    s.add_player(&leaves);
    s.publish(9, 0, kKeyframe);
    s.remove_player(&leaves);
    s.stop_publishing();  // the old publisher's last messages first
    BOOST_TEST(stays.log == (std::vector<std::string>{"video"}));
    BOOST_TEST(leaves.log.empty());
    s.start_publishing();
    s.publish(9, 0, kKeyframe);
    s.start_publishing();  // another publisher takes over: the batch still goes first
    BOOST_TEST(stays.log == (std::vector<std::string>{"video", "start", "video", "start"}));
}

BOOST_AUTO_TEST_CASE(a_player_that_leaves_while_taking_the_batch_gets_no_more) {
    Stream s("live", "s", 4096, GopLimits{});
    s.set_deliver_later([](Stream&) {});
    s.start_publishing();
    RecordingPlayer first, second;
    // The first player's second message makes the second player leave (a close, say).
    first.also = [&](const MediaPtr&) {
        if (first.serials.size() == 2) s.remove_player(&second);
    };
    s.add_player(&first);
    s.add_player(&second);
    s.publish(9, 0, kKeyframe);
    s.publish(8, 10, kAacFrame);
    s.publish(8, 20, kAacFrame);
    s.deliver_pending();
    BOOST_TEST(first.serials.size() == 3u);
    BOOST_TEST(second.serials.empty());
}

BOOST_AUTO_TEST_SUITE_END()
