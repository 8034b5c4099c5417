// Stream fan-out bounds: the GOP cache in messages, too-short media at intake, repeated headers.
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
