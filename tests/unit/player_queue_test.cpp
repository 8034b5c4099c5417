// Player output policy: bounded by bytes and media time, drops by priority, resyncs at keyframes.
#include <boost/test/unit_test.hpp>

#include "server/player_queue.h"

using namespace server;

namespace {
MediaMessage msg(MediaKind kind, std::uint32_t ts, bool key = false, std::size_t size = 1000) {
    static std::uint64_t serial = 0;
    MediaMessage m;
    m.kind = kind;
    m.timestamp = ts;
    m.keyframe = key;
    m.payload.resize(size);
    m.serial = ++serial;
    return m;
}
bool admitted(PlayerQueue& q, const MediaMessage& m, std::size_t unsent) {
    return q.admit(m, unsent) == QueueDecision::Queue;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(player_queue)

BOOST_AUTO_TEST_CASE(starts_at_a_keyframe) {
    PlayerQueue q;
    BOOST_CHECK(!admitted(q, msg(MediaKind::Video, 0), 0));
    BOOST_CHECK(admitted(q, msg(MediaKind::Audio, 0), 0));
    BOOST_CHECK(admitted(q, msg(MediaKind::VideoHeader, 0), 0));
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 33, true), 0));
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 66), 0));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 1u);
}

BOOST_AUTO_TEST_CASE(drops_inter_frames_first_then_resyncs_at_keyframe) {
    PlayerQueue q(QueueLimits{100000, 100000});
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 0, true), 0));
    BOOST_CHECK(!admitted(q, msg(MediaKind::Video, 33), 60000));   // over half: inter frame dropped
    BOOST_CHECK(admitted(q, msg(MediaKind::Audio, 40), 60000));    // audio still fits
    BOOST_CHECK(!admitted(q, msg(MediaKind::Video, 66), 0));       // waits for a keyframe now
    // A header is never dropped; past the byte bound it closes the player instead of growing.
    BOOST_CHECK(q.admit(msg(MediaKind::VideoHeader, 70), 200000) == QueueDecision::Close);
    BOOST_CHECK(admitted(q, msg(MediaKind::VideoHeader, 70), 60000));
    BOOST_CHECK(!admitted(q, msg(MediaKind::Video, 99, true), 200000));  // full: keyframe dropped
    BOOST_CHECK(!admitted(q, msg(MediaKind::Audio, 99), 200000));
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 132, true), 0));
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 165), 0));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 4u);
}

BOOST_AUTO_TEST_CASE(media_time_bound) {
    PlayerQueue q(QueueLimits{1 << 30, 1000});
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 0, true), 0));
    q.queued(1000, 0);
    std::size_t unsent = 1000;  // nothing is sent while the player stalls
    for (std::uint32_t ts = 33; ts < 500; ts += 33) {
        BOOST_REQUIRE(admitted(q, msg(MediaKind::Video, ts), unsent));
        q.queued(1000, ts);
        unsent += 1000;
    }
    BOOST_CHECK_EQUAL(q.queued_ms(unsent), 495u);
    BOOST_CHECK(!admitted(q, msg(MediaKind::Video, 630), unsent));  // over half the time bound
    BOOST_CHECK_EQUAL(q.queued_ms(2000), 33u);                  // all but the last two sent
    BOOST_CHECK_EQUAL(q.queued_ms(0), 0u);                      // all sent
}

BOOST_AUTO_TEST_CASE(old_header_timestamps_do_not_count_as_queued_time) {
    // A player joining at 12 s gets headers published at 0 s, then the GOP: nothing is dropped.
    PlayerQueue q(QueueLimits{1 << 30, 10000});
    BOOST_CHECK(admitted(q, msg(MediaKind::VideoHeader, 0), 0));
    q.queued_header(50, msg(MediaKind::VideoHeader, 0));
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 12000, true), 50));
    q.queued(1000, 12000);
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 12033), 1050));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 0u);
}

BOOST_AUTO_TEST_CASE(audio_slightly_behind_video_is_not_a_huge_span) {
    PlayerQueue q(QueueLimits{1 << 30, 1000});
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 1000, true), 0));
    q.queued(1000, 1000);
    BOOST_CHECK(admitted(q, msg(MediaKind::Audio, 990), 1000));  // 10 ms behind: not 2^32 - 10
    q.queued(100, 990);
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 1033), 1100));
    BOOST_CHECK_EQUAL(q.dropped_messages(), 0u);
}

BOOST_AUTO_TEST_CASE(a_header_still_unsent_is_not_queued_again) {
    // Pause/unpause replays the same headers: while the first copy waits unsent, skip them.
    PlayerQueue q(QueueLimits{1 << 20, 10000});
    const MediaMessage meta = msg(MediaKind::Metadata, 0, false, 300);
    const MediaMessage avc = msg(MediaKind::VideoHeader, 0, false, 40);
    std::size_t unsent = 0;
    for (const MediaMessage* h : {&meta, &avc}) {
        BOOST_REQUIRE(admitted(q, *h, unsent));
        q.queued_header(h->payload.size() + 12, *h);
        unsent += h->payload.size() + 12;
    }
    for (int replay = 0; replay < 1000; ++replay) {
        BOOST_CHECK(q.admit(meta, unsent) == QueueDecision::Skip);
        BOOST_CHECK(q.admit(avc, unsent) == QueueDecision::Skip);
    }
    // Once sent, a replay is queued again (a player after a real pause needs them).
    BOOST_CHECK(admitted(q, meta, 0));
    // A new header of the same kind (new bytes, new serial) is queued whatever waits.
    q.queued_header(312, meta);
    BOOST_CHECK(admitted(q, msg(MediaKind::Metadata, 5, false, 300), 312));
}

BOOST_AUTO_TEST_CASE(headers_count_against_the_byte_bound) {
    // Every frame a header (AVC packet type 0 each time): a stalled player is closed once its
    // queue passes the byte bound, never grown past it.
    PlayerQueue q(QueueLimits{100000, 10000, 16384, 1 << 20});
    std::size_t unsent = 0;
    int queued = 0;
    QueueDecision a = QueueDecision::Queue;
    for (int i = 0; i < 10000 && a == QueueDecision::Queue; ++i) {
        const MediaMessage h = msg(MediaKind::VideoHeader, std::uint32_t(i * 33), true, 1000);
        a = q.admit(h, unsent);
        if (a != QueueDecision::Queue) break;
        q.queued_header(1012, h);
        unsent += 1012;
        ++queued;
    }
    BOOST_CHECK(a == QueueDecision::Close);
    BOOST_CHECK_LE(unsent, 100000u + 1012u);
    BOOST_CHECK_GE(queued, 90);
}

BOOST_AUTO_TEST_CASE(unsent_headers_are_bounded_in_number) {
    // Tiny headers pass the byte bound for long: their number is bounded too.
    PlayerQueue q(QueueLimits{8 << 20, 10000, 16384, 64});
    std::size_t unsent = 0;
    for (int i = 0; i < 64; ++i) {
        const MediaMessage h = msg(MediaKind::AudioHeader, std::uint32_t(i), false, 4);
        BOOST_REQUIRE(admitted(q, h, unsent));
        q.queued_header(16, h);
        unsent += 16;
    }
    BOOST_CHECK(q.admit(msg(MediaKind::AudioHeader, 64, false, 4), unsent) == QueueDecision::Close);
    // A player that caught up is fine again.
    BOOST_CHECK(admitted(q, msg(MediaKind::AudioHeader, 65, false, 4), 0));
}

BOOST_AUTO_TEST_CASE(unsent_messages_are_bounded_in_number) {
    // Small audio messages all at one timestamp pass the byte and time bounds: count them.
    PlayerQueue q(QueueLimits{64 << 20, 10000, 1000, 64});
    std::size_t unsent = 0;
    int queued = 0;
    for (int i = 0; i < 5000; ++i) {
        if (!admitted(q, msg(MediaKind::Audio, 0, false, 3), unsent)) continue;
        q.queued(15, 0);
        unsent += 15;
        ++queued;
    }
    BOOST_CHECK_EQUAL(queued, 1000);
    BOOST_CHECK_EQUAL(q.dropped_messages(), 4000u);
}

BOOST_AUTO_TEST_CASE(a_joiner_gets_the_whole_gop_cache_however_old_the_gop) {
    // Joining 7 s into a GOP with a 10 s bound: the 7 s burst is queued before the player can
    // read a byte. Without the replay marks, inter frames past 5 s were dropped (issue 10 item 8).
    PlayerQueue q(QueueLimits{1 << 30, 10000});
    std::size_t unsent = 0;
    q.begin_replay(17000);
    for (std::uint32_t ts = 10000; ts <= 17000; ts += 33) {
        BOOST_REQUIRE_MESSAGE(admitted(q, msg(MediaKind::Video, ts, ts == 10000), unsent), "ts " << ts);
        q.queued(1000, ts);
        unsent += 1000;
    }
    q.end_replay();
    BOOST_CHECK_EQUAL(q.dropped_messages(), 0u);
    BOOST_CHECK_EQUAL(q.queued_ms(unsent), 0u);  // behind live by nothing but the GOP's age
    // From here on the bounds hold as for any player: live media it does not read counts.
    BOOST_CHECK(admitted(q, msg(MediaKind::Video, 21000), unsent));
    q.queued(1000, 21000);
    unsent += 1000;
    BOOST_CHECK_EQUAL(q.queued_ms(unsent), 4000u);
    BOOST_CHECK(!admitted(q, msg(MediaKind::Video, 22100), unsent));  // 5.1 s beyond: over half
    BOOST_CHECK_EQUAL(q.dropped_messages(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
