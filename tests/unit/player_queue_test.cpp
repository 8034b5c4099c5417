// Player output policy: bounded by bytes and media time, drops by priority, resyncs at keyframes.
#include <boost/test/unit_test.hpp>

#include "server/player_queue.h"

using namespace server;

namespace {
MediaMessage msg(MediaKind kind, std::uint32_t ts, bool key = false, std::size_t size = 1000) {
    MediaMessage m;
    m.kind = kind;
    m.timestamp = ts;
    m.keyframe = key;
    m.payload.resize(size);
    return m;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(player_queue)

BOOST_AUTO_TEST_CASE(starts_at_a_keyframe) {
    PlayerQueue q;
    BOOST_CHECK(!q.admit(msg(MediaKind::Video, 0), 0));
    BOOST_CHECK(q.admit(msg(MediaKind::Audio, 0), 0));
    BOOST_CHECK(q.admit(msg(MediaKind::VideoHeader, 0), 0));
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 33, true), 0));
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 66), 0));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 1u);
}

BOOST_AUTO_TEST_CASE(drops_inter_frames_first_then_resyncs_at_keyframe) {
    PlayerQueue q(QueueLimits{100000, 100000});
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 0, true), 0));
    BOOST_CHECK(!q.admit(msg(MediaKind::Video, 33), 60000));   // over half: inter frame dropped
    BOOST_CHECK(q.admit(msg(MediaKind::Audio, 40), 60000));    // audio still fits
    BOOST_CHECK(!q.admit(msg(MediaKind::Video, 66), 0));       // waits for a keyframe now
    BOOST_CHECK(q.admit(msg(MediaKind::VideoHeader, 70), 200000));  // headers are never dropped
    BOOST_CHECK(!q.admit(msg(MediaKind::Video, 99, true), 200000));  // full: keyframe dropped
    BOOST_CHECK(!q.admit(msg(MediaKind::Audio, 99), 200000));
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 132, true), 0));
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 165), 0));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 4u);
}

BOOST_AUTO_TEST_CASE(media_time_bound) {
    PlayerQueue q(QueueLimits{1 << 30, 1000});
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 0, true), 0));
    q.queued(1000, 0);
    std::size_t unsent = 1000;  // nothing is sent while the player stalls
    for (std::uint32_t ts = 33; ts < 500; ts += 33) {
        BOOST_REQUIRE(q.admit(msg(MediaKind::Video, ts), unsent));
        q.queued(1000, ts);
        unsent += 1000;
    }
    BOOST_CHECK_EQUAL(q.queued_ms(unsent), 495u);
    BOOST_CHECK(!q.admit(msg(MediaKind::Video, 630), unsent));  // over half the time bound
    BOOST_CHECK_EQUAL(q.queued_ms(2000), 33u);                  // all but the last two sent
    BOOST_CHECK_EQUAL(q.queued_ms(0), 0u);                      // all sent
}

BOOST_AUTO_TEST_CASE(old_header_timestamps_do_not_count_as_queued_time) {
    // A player joining at 12 s gets headers published at 0 s, then the GOP: nothing is dropped.
    PlayerQueue q(QueueLimits{1 << 30, 10000});
    BOOST_CHECK(q.admit(msg(MediaKind::VideoHeader, 0), 0));
    q.queued(50, 0, true);
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 12000, true), 50));
    q.queued(1000, 12000);
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 12033), 1050));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 0u);
}

BOOST_AUTO_TEST_CASE(audio_slightly_behind_video_is_not_a_huge_span) {
    PlayerQueue q(QueueLimits{1 << 30, 1000});
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 1000, true), 0));
    q.queued(1000, 1000);
    BOOST_CHECK(q.admit(msg(MediaKind::Audio, 990), 1000));  // 10 ms behind: not 2^32 - 10
    q.queued(100, 990);
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 1033), 1100));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 0u);
}

BOOST_AUTO_TEST_CASE(a_joiner_gets_the_whole_gop_cache_however_old_the_gop) {
    // Joining 7 s into a GOP with a 10 s bound: the 7 s burst is queued before the player can
    // read a byte. Without the replay marks, inter frames past 5 s were dropped (issue 10 item 8).
    PlayerQueue q(QueueLimits{1 << 30, 10000});
    std::size_t unsent = 0;
    q.begin_replay(17000);
    for (std::uint32_t ts = 10000; ts <= 17000; ts += 33) {
        BOOST_REQUIRE_MESSAGE(q.admit(msg(MediaKind::Video, ts, ts == 10000), unsent), "ts " << ts);
        q.queued(1000, ts);
        unsent += 1000;
    }
    q.end_replay();
    BOOST_CHECK_EQUAL(q.dropped_messages(), 0u);
    BOOST_CHECK_EQUAL(q.queued_ms(unsent), 0u);  // behind live by nothing but the GOP's age
    // From here on the bounds hold as for any player: live media it does not read counts.
    BOOST_CHECK(q.admit(msg(MediaKind::Video, 21000), unsent));
    q.queued(1000, 21000);
    unsent += 1000;
    BOOST_CHECK_EQUAL(q.queued_ms(unsent), 4000u);
    BOOST_CHECK(!q.admit(msg(MediaKind::Video, 22100), unsent));  // 5.1 s beyond: over half
    BOOST_CHECK_EQUAL(q.dropped_messages(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
