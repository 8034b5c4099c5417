// Chunk layer: byte-exact vectors, encoder/decoder round trips, hostile input, and every decoder
// test fed whole, one byte at a time and split at random points.
#include <boost/test/unit_test.hpp>

#include <random>

#include "rtmp/chunk_decoder.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/control.h"

using namespace rtmp;
using util::Bytes;

namespace {

enum class Split { Whole, OneByte, Random };

struct Decoded {
    std::vector<Message> messages;
    bool ok = true;
    ChunkErrc error = ChunkErrc::Failed;
};

Decoded decode(const Bytes& in, Split split, ChunkLimits limits = {}, unsigned seed = 1) {
    ChunkDecoder d(limits);
    Decoded out;
    auto on = [&](Message&& m) { out.messages.push_back(std::move(m)); };
    std::mt19937 rng(seed);
    std::size_t pos = 0;
    while (pos < in.size()) {
        std::size_t n = in.size() - pos;
        if (split == Split::OneByte) n = 1;
        if (split == Split::Random) n = std::min<std::size_t>(n, 1 + rng() % 40);
        auto r = d.feed(util::ByteView(in).subspan(pos, n), on);
        if (!r) {
            out.ok = false;
            out.error = r.error().code;
            return out;
        }
        BOOST_REQUIRE_EQUAL(*r, n);
        pos += n;
    }
    return out;
}

// Decodes with all three split strategies and checks they agree; returns the whole-feed result.
Decoded decode_all_ways(const Bytes& in, ChunkLimits limits = {}) {
    Decoded whole = decode(in, Split::Whole, limits);
    for (Split s : {Split::OneByte, Split::Random}) {
        for (unsigned seed = 1; seed <= (s == Split::Random ? 5u : 1u); ++seed) {
            Decoded other = decode(in, s, limits, seed);
            BOOST_REQUIRE_EQUAL(other.ok, whole.ok);
            BOOST_REQUIRE_EQUAL(other.messages.size(), whole.messages.size());
            for (std::size_t i = 0; i < whole.messages.size(); ++i) {
                BOOST_CHECK_EQUAL(other.messages[i].timestamp, whole.messages[i].timestamp);
                BOOST_CHECK(other.messages[i].payload == whole.messages[i].payload);
            }
        }
    }
    return whole;
}

Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = std::uint8_t(i * 7 + seed);
    return b;
}

MessageHeader hdr(std::uint32_t csid, std::uint32_t ts, std::uint8_t type, std::uint32_t sid) {
    MessageHeader h;
    h.csid = csid;
    h.timestamp = ts;
    h.type = type;
    h.stream_id = sid;
    return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(chunk_encoding)

// The length field has 24 bits: a larger payload (re-encoded metadata, silence output) would be
// announced with a truncated length and desynchronise the receiver. Both encoders refuse it.
BOOST_AUTO_TEST_CASE(payload_over_16_mib_minus_1_is_refused) {
    const Bytes largest(kMaxEncodablePayload, 0x11);
    const Bytes too_big(kMaxEncodablePayload + 1, 0x11);
    Bytes out;
    auto ok = encode_message_absolute(hdr(6, 0, 9, 1), largest, 65536, out);
    BOOST_REQUIRE(ok);
    BOOST_TEST(*ok == out.size());
    BOOST_TEST(util::read_be24(out.data() + 4) == 0xFFFFFFu);
    out.clear();
    auto refused = encode_message_absolute(hdr(6, 0, 9, 1), too_big, 65536, out);
    BOOST_REQUIRE(!refused);
    BOOST_TEST(int(refused.error().code) == int(EncodeErrc::PayloadTooLarge));
    BOOST_TEST(out.empty());

    ChunkEncoder enc;
    enc.set_chunk_size(65536);
    BOOST_TEST(!enc.encode(hdr(6, 0, 9, 1), too_big, out));
    BOOST_TEST(out.empty());
    // The refusal left no state: the next message on that chunk stream is a fmt 0 again.
    BOOST_REQUIRE(enc.encode(hdr(6, 10, 9, 1), pattern(10), out));
    BOOST_TEST((out[0] >> 6) == 0);
}

BOOST_AUTO_TEST_CASE(small_message_fmt0_is_byte_exact) {
    Bytes out;
    encode_message_absolute(hdr(3, 0x010203, 20, 1), Bytes{0xAA, 0xBB}, 128, out);
    const Bytes expected = {0x03, 0x01, 0x02, 0x03, 0x00, 0x00, 0x02, 0x14,
                            0x01, 0x00, 0x00, 0x00, 0xAA, 0xBB};
    BOOST_CHECK_EQUAL_COLLECTIONS(out.begin(), out.end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(long_message_gets_type3_continuations) {
    Bytes payload = pattern(300);
    Bytes out;
    encode_message_absolute(hdr(6, 40, 9, 1), payload, 128, out);
    BOOST_REQUIRE_EQUAL(out.size(), 12u + 300u + 2u);
    BOOST_CHECK_EQUAL(out[12 + 128], 0xC6);        // fmt 3, csid 6
    BOOST_CHECK_EQUAL(out[12 + 128 + 1 + 128], 0xC6);
    BOOST_CHECK_EQUAL(encoded_size_absolute(6, 40, 300, 128), out.size());
}

BOOST_AUTO_TEST_CASE(extended_timestamp_is_repeated_in_continuations) {
    Bytes payload = pattern(200);
    Bytes out;
    encode_message_absolute(hdr(4, 0x01000000, 8, 1), payload, 128, out);
    // fmt0: 1 + 11 + 4 ext; continuation: 1 + 4 ext
    BOOST_REQUIRE_EQUAL(out.size(), 16u + 200u + 5u);
    BOOST_CHECK_EQUAL(util::read_be24(out.data() + 1), 0xFFFFFFu);
    BOOST_CHECK_EQUAL(util::read_be32(out.data() + 12), 0x01000000u);
    BOOST_CHECK_EQUAL(out[16 + 128], 0xC4);
    BOOST_CHECK_EQUAL(util::read_be32(out.data() + 16 + 128 + 1), 0x01000000u);
    Decoded d = decode_all_ways(out);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 1u);
    BOOST_CHECK_EQUAL(d.messages[0].timestamp, 0x01000000u);
    BOOST_CHECK(d.messages[0].payload == payload);
}

BOOST_AUTO_TEST_CASE(basic_header_sizes_round_trip) {
    for (std::uint32_t cs : {2u, 3u, 63u, 64u, 65u, 319u, 320u, 321u, 1000u, 65599u}) {
        Bytes out;
        encode_message_absolute(hdr(cs, 5, 9, 1), pattern(10), 128, out);
        std::size_t expected_basic = cs < 64 ? 1 : cs < 320 ? 2 : 3;
        BOOST_CHECK_EQUAL(out.size(), expected_basic + 11 + 10);
        Decoded d = decode_all_ways(out);
        BOOST_REQUIRE(d.ok);
        BOOST_REQUIRE_EQUAL(d.messages.size(), 1u);
        BOOST_CHECK_EQUAL(d.messages[0].csid, cs);
    }
    Bytes three;
    write_basic_header(1, 65599, three);
    BOOST_CHECK(three == (Bytes{0x41, 0xFF, 0xFF}));
    Bytes two;
    write_basic_header(2, 64, two);
    BOOST_CHECK(two == (Bytes{0x80, 0x00}));
}

BOOST_AUTO_TEST_CASE(encoder_compresses_headers) {
    ChunkEncoder enc;
    Bytes out;
    enc.encode(hdr(4, 1000, 8, 1), pattern(10), out);   // fmt 0: 12 + 10
    enc.encode(hdr(4, 1023, 8, 1), pattern(10), out);   // same shape: fmt 2: 4 + 10
    enc.encode(hdr(4, 1046, 8, 1), pattern(10), out);   // same delta: fmt 3: 1 + 10
    enc.encode(hdr(4, 1069, 8, 1), pattern(12), out);   // new length: fmt 1: 8 + 12
    enc.encode(hdr(4, 500, 8, 1), pattern(12), out);    // backwards: fmt 0 again
    BOOST_REQUIRE_EQUAL(out.size(), 22u + 14u + 11u + 20u + 24u);
    BOOST_CHECK_EQUAL(out[22] >> 6, 2);
    BOOST_CHECK_EQUAL(util::read_be24(out.data() + 23), 23u);
    BOOST_CHECK_EQUAL(out[36] >> 6, 3);
    BOOST_CHECK_EQUAL(out[47] >> 6, 1);
    BOOST_CHECK_EQUAL(out[67] >> 6, 0);
    Decoded d = decode_all_ways(out);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 5u);
    const std::uint32_t ts[] = {1000, 1023, 1046, 1069, 500};
    for (int i = 0; i < 5; ++i) BOOST_CHECK_EQUAL(d.messages[i].timestamp, ts[i]);
}

BOOST_AUTO_TEST_CASE(encoder_round_trips_a_mixed_session) {
    std::mt19937 rng(7);
    ChunkEncoder enc;
    enc.set_chunk_size(100);
    Bytes out;
    std::vector<Message> sent;
    std::uint32_t ts = 0xFFFFF000u;  // crosses the 2^32 wrap and the extended range
    for (int i = 0; i < 300; ++i) {
        std::uint32_t cs = 3 + rng() % 4;
        ts += rng() % 3 == 0 ? 0 : rng() % 0x2000000;
        Message m{cs, ts, std::uint8_t(rng() % 2 ? 8 : 9), 1, pattern(rng() % 700, std::uint8_t(i))};
        enc.encode(hdr(m.csid, m.timestamp, m.type, m.stream_id), m.payload, out);
        sent.push_back(m);
    }
    Bytes framed;
    // The decoder must learn the chunk size first, as a real peer would send it.
    encode_message_absolute(hdr(2, 0, 1, 0), set_chunk_size_payload(100), 128, framed);
    framed.insert(framed.end(), out.begin(), out.end());
    Decoded d = decode_all_ways(framed);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), sent.size() + 1);
    for (std::size_t i = 0; i < sent.size(); ++i) {
        BOOST_CHECK_EQUAL(d.messages[i + 1].csid, sent[i].csid);
        BOOST_CHECK_EQUAL(d.messages[i + 1].timestamp, sent[i].timestamp);
        BOOST_CHECK_EQUAL(d.messages[i + 1].type, sent[i].type);
        BOOST_CHECK(d.messages[i + 1].payload == sent[i].payload);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chunk_decoding)

BOOST_AUTO_TEST_CASE(interleaved_chunk_streams) {
    // Audio (csid 4) chunks interleave with a long video message (csid 6).
    Bytes video = pattern(256, 1), audio = pattern(20, 2);
    Bytes in;
    Bytes v, a;
    encode_message_absolute(hdr(6, 10, 9, 1), video, 128, v);
    encode_message_absolute(hdr(4, 11, 8, 1), audio, 128, a);
    in.insert(in.end(), v.begin(), v.begin() + 12 + 128);  // first video chunk
    in.insert(in.end(), a.begin(), a.end());               // whole audio message
    in.insert(in.end(), v.begin() + 12 + 128, v.end());    // rest of video
    Decoded d = decode_all_ways(in);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 2u);
    BOOST_CHECK_EQUAL(d.messages[0].type, 8);
    BOOST_CHECK(d.messages[0].payload == audio);
    BOOST_CHECK(d.messages[1].payload == video);
}

BOOST_AUTO_TEST_CASE(tolerates_missing_extended_timestamp_on_continuation) {
    Bytes payload = pattern(200);
    Bytes in = {0x04, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xC8, 0x08, 0x01, 0x00, 0x00, 0x00,
                0x01, 0x00, 0x00, 0x00};
    in.insert(in.end(), payload.begin(), payload.begin() + 128);
    in.push_back(0xC4);  // continuation without the 4 repeated bytes
    in.insert(in.end(), payload.begin() + 128, payload.end());
    Decoded d = decode_all_ways(in);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 1u);
    BOOST_CHECK_EQUAL(d.messages[0].timestamp, 0x01000000u);
    BOOST_CHECK(d.messages[0].payload == payload);
}

BOOST_AUTO_TEST_CASE(set_chunk_size_applies_to_following_chunks) {
    Bytes in;
    encode_message_absolute(hdr(2, 0, 1, 0), set_chunk_size_payload(4096), 128, in);
    Bytes big = pattern(5000);
    encode_message_absolute(hdr(6, 0, 9, 1), big, 4096, in);
    Decoded d = decode_all_ways(in);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 2u);
    BOOST_CHECK(d.messages[1].payload == big);
}

BOOST_AUTO_TEST_CASE(abort_discards_partial_message) {
    Bytes v;
    encode_message_absolute(hdr(6, 0, 9, 1), pattern(300), 128, v);
    Bytes in(v.begin(), v.begin() + 12 + 128);
    encode_message_absolute(hdr(2, 0, 2, 0), abort_payload(6), 128, in);
    Bytes again;
    encode_message_absolute(hdr(6, 0, 9, 1), pattern(50), 128, again);
    in.insert(in.end(), again.begin(), again.end());
    Decoded d = decode_all_ways(in);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 2u);
    BOOST_CHECK_EQUAL(d.messages[0].type, 2);
    BOOST_CHECK_EQUAL(d.messages[1].payload.size(), 50u);
}

BOOST_AUTO_TEST_CASE(timestamp_deltas_wrap_modulo_2_32) {
    Bytes in = {0x04, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x08, 0x01, 0x00, 0x00, 0x00,
                0xFF, 0xFF, 0xFF, 0xF0, 0xAA,
                // fmt 2, delta 0x20
                0x84, 0x00, 0x00, 0x20, 0xBB,
                // fmt 3, same delta again
                0xC4, 0xCC};
    Decoded d = decode_all_ways(in);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 3u);
    BOOST_CHECK_EQUAL(d.messages[0].timestamp, 0xFFFFFFF0u);
    BOOST_CHECK_EQUAL(d.messages[1].timestamp, 0x10u);
    BOOST_CHECK_EQUAL(d.messages[2].timestamp, 0x30u);
}

BOOST_AUTO_TEST_CASE(zero_length_message_is_delivered) {
    Bytes in = {0x03, 0, 0, 5, 0, 0, 0, 0x14, 0, 0, 0, 0};
    Decoded d = decode_all_ways(in);
    BOOST_REQUIRE(d.ok);
    BOOST_REQUIRE_EQUAL(d.messages.size(), 1u);
    BOOST_CHECK(d.messages[0].payload.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chunk_hostile_input)

BOOST_AUTO_TEST_CASE(chunk_size_zero_and_top_bit_are_fatal) {
    for (std::uint32_t bad : {0u, 0x80000000u, 0xFFFFFFFFu}) {
        Bytes in;
        Bytes p;
        util::append_be32(p, bad);
        encode_message_absolute(hdr(2, 0, 1, 0), p, 128, in);
        Decoded d = decode_all_ways(in);
        BOOST_CHECK(!d.ok);
        BOOST_CHECK(d.error == ChunkErrc::BadChunkSize);
    }
    ChunkLimits small;
    small.max_chunk_size = 65536;
    Bytes in;
    encode_message_absolute(hdr(2, 0, 1, 0), set_chunk_size_payload(0x7FFFFFFF), 128, in);
    BOOST_CHECK(decode(in, Split::Whole).ok);  // allowed by the specification
    BOOST_CHECK(!decode(in, Split::Whole, small).ok);
}

BOOST_AUTO_TEST_CASE(oversized_message_is_refused_before_allocation) {
    ChunkLimits limits;
    limits.max_message_size = 1000;
    Bytes in = {0x06, 0, 0, 0, 0x00, 0x03, 0xE9, 0x09, 1, 0, 0, 0};  // length 1001
    Decoded d = decode_all_ways(in, limits);
    BOOST_CHECK(!d.ok);
    BOOST_CHECK(d.error == ChunkErrc::MessageTooLarge);
}

BOOST_AUTO_TEST_CASE(too_many_chunk_streams) {
    ChunkLimits limits;
    limits.max_chunk_streams = 4;
    Bytes in;
    for (std::uint32_t cs = 3; cs < 10; ++cs) {
        Bytes b = {std::uint8_t(cs), 0, 0, 0, 0, 0, 200, 9, 1, 0, 0, 0};  // each starts a message
        in.insert(in.end(), b.begin(), b.end());
        Bytes first_chunk = pattern(128);
        in.insert(in.end(), first_chunk.begin(), first_chunk.end());
    }
    Decoded d = decode_all_ways(in, limits);
    BOOST_CHECK(!d.ok);
    BOOST_CHECK(d.error == ChunkErrc::TooManyChunkStreams);
}

BOOST_AUTO_TEST_CASE(buffered_bytes_are_capped) {
    ChunkLimits limits;
    limits.max_buffered_bytes = 1000;
    Bytes in;
    for (std::uint32_t cs = 3; cs < 20; ++cs) {  // many partial 100 KB messages, 128 bytes each
        Bytes b = {std::uint8_t(cs), 0, 0, 0, 0x01, 0x86, 0xA0, 9, 1, 0, 0, 0};
        in.insert(in.end(), b.begin(), b.end());
        Bytes p = pattern(128);
        in.insert(in.end(), p.begin(), p.end());
    }
    Decoded d = decode_all_ways(in, limits);
    BOOST_CHECK(!d.ok);
    BOOST_CHECK(d.error == ChunkErrc::BufferLimit);
}

BOOST_AUTO_TEST_CASE(relative_header_without_previous_is_fatal) {
    for (std::uint8_t first : {0x43, 0x83, 0xC3}) {
        Bytes in = {first, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        Decoded d = decode(in, Split::Whole);
        BOOST_CHECK(!d.ok);
        BOOST_CHECK(d.error == ChunkErrc::NoPreviousHeader);
    }
}

BOOST_AUTO_TEST_CASE(decoder_stays_failed) {
    ChunkDecoder d;
    Bytes bad = {0x43, 0, 0, 0, 0, 0, 0, 0};
    BOOST_CHECK(!d.feed(bad, nullptr));
    Bytes good = {0x03, 0, 0, 5, 0, 0, 0, 0x14, 0, 0, 0, 0};
    auto r = d.feed(good, nullptr);
    BOOST_REQUIRE(!r);
    BOOST_CHECK(r.error().code == ChunkErrc::NoPreviousHeader);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(control_messages)

BOOST_AUTO_TEST_CASE(user_control_round_trip) {
    auto p = user_control_payload(UserControlEvent::StreamBegin, 1);
    BOOST_CHECK(p == (Bytes{0, 0, 0, 0, 0, 1}));
    auto uc = read_user_control(set_buffer_length_payload(1, 3000));
    BOOST_REQUIRE(uc);
    BOOST_CHECK(uc->event == UserControlEvent::SetBufferLength);
    BOOST_CHECK_EQUAL(uc->value, 1u);
    BOOST_CHECK_EQUAL(uc->extra, 3000u);
    BOOST_CHECK(!read_user_control(Bytes{0, 3, 0, 0, 0, 1}));  // SetBufferLength too short
    BOOST_CHECK(set_peer_bandwidth_payload(2500000, PeerBandwidthLimit::Dynamic) ==
                (Bytes{0x00, 0x26, 0x25, 0xA0, 0x02}));
}

BOOST_AUTO_TEST_CASE(ack_counter_acks_after_half_window) {
    AckCounter ack;
    ack.set_window(1000);
    BOOST_CHECK(!ack.on_received(400));
    auto seq = ack.on_received(100);
    BOOST_REQUIRE(seq);
    BOOST_CHECK_EQUAL(*seq, 500u);
    BOOST_CHECK(!ack.on_received(499));
    BOOST_CHECK(ack.on_received(1));
}

BOOST_AUTO_TEST_SUITE_END()
