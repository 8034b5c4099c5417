// Write merging that adapts to the load (server/merge_delay.h).
#include <boost/test/unit_test.hpp>

#include "server/merge_delay.h"

using server::MergeDelay;

BOOST_AUTO_TEST_CASE(few_players_are_written_at_once) {
    MergeDelay m;
    m.set_limit(50);
    BOOST_CHECK_EQUAL(m.next_ms(), 0);  // nothing known yet: no wait
    for (int i = 0; i < 50; ++i) m.batch_done(1);
    BOOST_CHECK_EQUAL(m.next_ms(), 0);  // one player: 0.5 ms rounds to none
}

BOOST_AUTO_TEST_CASE(the_wait_grows_with_the_players_and_stops_at_the_limit) {
    MergeDelay m;
    m.set_limit(50);
    for (int i = 0; i < 100; ++i) m.batch_done(20);
    // 20 of 100 players: a fifth of 50 ms (the smoothed count nears 20 from below).
    BOOST_CHECK(m.next_ms() >= 9 && m.next_ms() <= 10);
    for (int i = 0; i < 100; ++i) m.batch_done(1000);
    BOOST_CHECK_EQUAL(m.next_ms(), 50);
    BOOST_CHECK_CLOSE(m.effective_ms(), 50.0, 1.0);
    // One quiet period does not undo it; a sustained quiet does.
    m.batch_done(1);
    BOOST_CHECK_EQUAL(m.next_ms(), 50);
    for (int i = 0; i < 100; ++i) m.batch_done(1);
    BOOST_CHECK_EQUAL(m.next_ms(), 0);
}

BOOST_AUTO_TEST_CASE(no_limit_means_no_wait) {
    MergeDelay m;
    m.set_limit(0);
    for (int i = 0; i < 10; ++i) m.batch_done(5000);
    BOOST_CHECK_EQUAL(m.next_ms(), 0);
    m.set_limit(-5);
    BOOST_CHECK_EQUAL(m.limit_ms(), 0);
}
