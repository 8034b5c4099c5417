// The stream timestamp rule: monotonic per track, rebased at discontinuities and new publishers.
#include <boost/test/unit_test.hpp>

#include "server/timestamp_normalizer.h"

using server::TimestampNormalizer;
using Track = TimestampNormalizer::Track;

BOOST_AUTO_TEST_SUITE(timestamp_normalizer)

BOOST_AUTO_TEST_CASE(steady_stream_passes_unchanged) {
    TimestampNormalizer n;
    BOOST_CHECK_EQUAL(n.normalize(0, Track::Video), 0u);
    BOOST_CHECK_EQUAL(n.normalize(23, Track::Audio), 23u);
    BOOST_CHECK_EQUAL(n.normalize(33, Track::Video), 33u);
    BOOST_CHECK_EQUAL(n.normalize(46, Track::Audio), 46u);
    BOOST_CHECK_EQUAL(n.normalize(40, Track::Audio), 46u);  // a step back within a track is raised
    BOOST_CHECK_EQUAL(n.normalize(66, Track::Video), 66u);
}

BOOST_AUTO_TEST_CASE(interleaving_differences_are_kept) {
    TimestampNormalizer n;
    n.normalize(1000, Track::Video);
    BOOST_CHECK_EQUAL(n.normalize(990, Track::Audio), 990u);  // audio a little behind video
}

BOOST_AUTO_TEST_CASE(jump_back_is_rebased_after_latest) {
    TimestampNormalizer n;
    n.normalize(50000, Track::Video);
    n.normalize(50033, Track::Video);
    BOOST_CHECK_EQUAL(n.normalize(0, Track::Video), 50034u);
    BOOST_CHECK_EQUAL(n.normalize(33, Track::Video), 50067u);
}

BOOST_AUTO_TEST_CASE(new_publisher_continues_after_the_old_one) {
    TimestampNormalizer n;
    n.normalize(100, Track::Video);
    n.normalize(133, Track::Video);
    n.new_source();
    BOOST_CHECK_EQUAL(n.normalize(5000, Track::Video), 134u);
    BOOST_CHECK_EQUAL(n.normalize(5033, Track::Video), 167u);
}

BOOST_AUTO_TEST_CASE(wrap_of_2_32_is_continuous) {
    TimestampNormalizer n;
    n.normalize(0xFFFFFFF0u, Track::Video);
    BOOST_CHECK_EQUAL(n.normalize(0x10, Track::Video), 0x10u);  // +32 ms, modulo 2^32
}

BOOST_AUTO_TEST_CASE(huge_forward_jump_is_rebased) {
    TimestampNormalizer n;
    n.normalize(1000, Track::Video);
    BOOST_CHECK_EQUAL(n.normalize(1000 + 3600000, Track::Video), 1001u);
}

BOOST_AUTO_TEST_SUITE_END()
