// Unit tests for the WebRTC media path: RTP parsing and RTX, RTCP builders (byte-exact against
// hand-written packets), the compound parser and receive statistics, RTP clocks, the reorder
// buffer, and H.264 depacketization into FLV tags with the fixture stream packetized like a
// browser (tests/unit/webrtc_peer.h).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <random>

#include "media/avc.h"
#include "media/flv.h"
#include "media/video.h"
#include "media_test_util.h"
#include "webrtc/avc_tags.h"
#include "webrtc/h264_depacketizer.h"
#include "webrtc/reorder_buffer.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp_clock.h"
#include "webrtc/rtp_packet.h"
#include "webrtc_peer.h"

using namespace webrtc;
using media_test::hex;
using webrtc_peer::Au;
using webrtc_peer::fixture_stream;
using webrtc_peer::rtp;

namespace {

bool same(util::ByteView a, util::ByteView b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtp_packet)

BOOST_AUTO_TEST_CASE(fixed_header_fields_are_read) {
    const auto bytes = hex("80e6 fffe 01020304 a1b2c3d4 deadbeef");
    auto p = parse_rtp(bytes);
    BOOST_REQUIRE(p.ok());
    BOOST_CHECK(p->marker);
    BOOST_CHECK_EQUAL(p->payload_type, 102);
    BOOST_CHECK_EQUAL(p->sequence, 0xfffe);
    BOOST_CHECK_EQUAL(p->timestamp, 0x01020304u);
    BOOST_CHECK_EQUAL(p->ssrc, 0xa1b2c3d4u);
    BOOST_CHECK(same(p->payload, hex("deadbeef")));
    BOOST_CHECK(!p->twcc_sequence);
}

BOOST_AUTO_TEST_CASE(csrcs_and_one_byte_extension_with_twcc) {
    // CC=2, X=1; extension: id 1 len 1 (2 bytes), a padding byte, id 3 len 2 (twcc 0x1234),
    // then zero padding to the word boundary.
    const auto bytes =
        hex("9266 0001 00000010 00000001 00000002 00000003"
            "bede 0002 11aabb00 31123400 cafe");
    auto p = parse_rtp(bytes, 3);
    BOOST_REQUIRE(p.ok());
    BOOST_CHECK(!p->marker);
    BOOST_CHECK_EQUAL(p->payload_type, 0x66);
    BOOST_REQUIRE(p->twcc_sequence);
    BOOST_CHECK_EQUAL(*p->twcc_sequence, 0x1234);
    BOOST_CHECK(same(p->payload, hex("cafe")));
    // A different id is not picked up; the payload is the same.
    auto other = parse_rtp(bytes, 5);
    BOOST_REQUIRE(other.ok());
    BOOST_CHECK(!other->twcc_sequence);
    BOOST_CHECK(same(other->payload, hex("cafe")));
}

BOOST_AUTO_TEST_CASE(two_byte_extension_with_twcc) {
    // 0x1000 profile: padding byte, id 7 len 0, id 20 len 2 = 0xbeef, id 9 len 3.
    const auto bytes = hex("9066 0001 00000010 00000001 1000 0003 00070014 02beef09 03010203 55");
    auto p = parse_rtp(bytes, 20);
    BOOST_REQUIRE(p.ok());
    BOOST_REQUIRE(p->twcc_sequence);
    BOOST_CHECK_EQUAL(*p->twcc_sequence, 0xbeef);
    BOOST_CHECK(same(p->payload, hex("55")));
}

BOOST_AUTO_TEST_CASE(one_byte_id_15_stops_and_unknown_profiles_are_skipped) {
    const auto stop_bytes = hex("9066 0001 00000010 00000001 bede 0001 f0ffffff 77");
    auto stop = parse_rtp(stop_bytes, 3);
    BOOST_REQUIRE(stop.ok());
    BOOST_CHECK(same(stop->payload, hex("77")));
    const auto other_bytes = hex("9066 0001 00000010 00000001 abcd 0001 ffffffff 77");
    auto other = parse_rtp(other_bytes, 3);
    BOOST_REQUIRE(other.ok());
    BOOST_CHECK(same(other->payload, hex("77")));
    BOOST_CHECK(!other->twcc_sequence);
}

BOOST_AUTO_TEST_CASE(extension_element_past_its_block_is_an_error) {
    // one-byte: id 3 says 4 bytes but the block (1 word) holds 3 after it
    const auto one_bytes = hex("9066 0001 00000010 00000001 bede 0001 33010203 77");
    auto one = parse_rtp(one_bytes, 3);
    BOOST_REQUIRE(!one.ok());
    BOOST_CHECK(one.error().code == RtpErrc::truncated);
    // two-byte: a length byte missing at the end of the block
    const auto two_bytes = hex("9066 0001 00000010 00000001 1000 0001 00000014 77");
    const auto pad_bytes = hex("9066 0001 00000010 00000001 1000 0001 00000000 77");
    BOOST_CHECK(parse_rtp(pad_bytes, 3).ok());
    auto two = parse_rtp(two_bytes, 3);
    BOOST_REQUIRE(!two.ok());  // padding, then an id whose length byte is past the block
    const auto two_bad_bytes = hex("9066 0001 00000010 00000001 1000 0001 00000014");
    auto two_bad = parse_rtp(two_bad_bytes, 3);
    BOOST_REQUIRE(!two_bad.ok());
    const auto two_len_bytes = hex("9066 0001 00000010 00000001 1000 0001 1403aabb");
    auto two_len = parse_rtp(two_len_bytes, 3);
    BOOST_REQUIRE(!two_len.ok());
}

BOOST_AUTO_TEST_CASE(padding_is_removed_and_bounded) {
    const auto p_bytes = hex("a066 0001 00000010 00000001 aabbcc 00000004");
    auto p = parse_rtp(p_bytes);
    BOOST_REQUIRE(p.ok());
    BOOST_CHECK(same(p->payload, hex("aabbcc")));
    const auto all_bytes = hex("a066 0001 00000010 00000001 00000004");
    auto all = parse_rtp(all_bytes);
    BOOST_REQUIRE(all.ok());
    BOOST_CHECK(all->payload.empty());
    const auto zero_bytes = hex("a066 0001 00000010 00000001 aabb00");
    auto zero = parse_rtp(zero_bytes);
    BOOST_REQUIRE(!zero.ok());
    BOOST_CHECK(zero.error().code == RtpErrc::invalid);
    const auto too_long_bytes = hex("a066 0001 00000010 00000001 aabb04");
    auto too_long = parse_rtp(too_long_bytes);
    BOOST_REQUIRE(!too_long.ok());
    BOOST_CHECK(too_long.error().code == RtpErrc::truncated);
    // Padding may not eat into the extension.
    const auto into_ext_bytes = hex("b066 0001 00000010 00000001 bede 0001 31123402");
    auto into_ext = parse_rtp(into_ext_bytes);
    BOOST_REQUIRE(!into_ext.ok());
}

BOOST_AUTO_TEST_CASE(every_truncation_of_the_headers_fails) {
    const auto full = hex("9166 0001 00000010 00000001 00000002 bede 0001 31123400 cafe");
    const std::size_t headers = 12 + 4 + 4 + 4;
    for (std::size_t n = 0; n < full.size(); ++n) {
        BOOST_TEST_CONTEXT("prefix " << n) {
            auto p = parse_rtp(util::ByteView(full).first(n), 3);
            if (n < headers) {
                BOOST_REQUIRE(!p.ok());
                BOOST_CHECK(p.error().code == RtpErrc::truncated);
            } else {
                BOOST_REQUIRE(p.ok());
                BOOST_CHECK_EQUAL(p->payload.size(), n - headers);
                BOOST_CHECK_EQUAL(*p->twcc_sequence, 0x1234);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(version_other_than_2_is_rejected) {
    for (std::uint8_t v : {0x00, 0x40, 0xc0}) {
        auto b = hex("8066 0001 00000010 00000001 aa");
        b[0] = v;
        auto p = parse_rtp(b);
        BOOST_REQUIRE(!p.ok());
        BOOST_CHECK(p.error().code == RtpErrc::invalid);
    }
}

BOOST_AUTO_TEST_CASE(rtx_payload_gives_original_sequence_and_payload) {
    const auto bytes = rtp(true, 103, 500, 9000, 0x11223344, hex("fff1 7c85 0102"));
    auto p = parse_rtp(bytes);
    BOOST_REQUIRE(p.ok());
    BOOST_CHECK_EQUAL(*rtx_original_sequence(p->payload), 0xfff1);
    auto original = unwrap_rtx(*p, 102);
    BOOST_REQUIRE(original);
    BOOST_CHECK_EQUAL(original->sequence, 0xfff1);
    BOOST_CHECK_EQUAL(original->payload_type, 102);
    BOOST_CHECK_EQUAL(original->timestamp, 9000u);
    BOOST_CHECK(original->marker);
    BOOST_CHECK(same(original->payload, hex("7c85 0102")));
    BOOST_CHECK(!rtx_original_sequence(hex("01")));
    BOOST_CHECK(!unwrap_rtx(*parse_rtp(rtp(false, 102, 1, 1, 0x11223344, hex("01"))), 102));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rtcp)

BOOST_AUTO_TEST_CASE(pli_and_fir_are_byte_exact) {
    util::Bytes out;
    append_pli(out, 0x01020304, 0xaabbccdd);
    BOOST_CHECK(out == hex("81ce0002 01020304 aabbccdd"));
    out.clear();
    append_fir(out, 0x01020304, 0xaabbccdd, 7);
    BOOST_CHECK(out == hex("84ce0004 01020304 00000000 aabbccdd 07000000"));
}

BOOST_AUTO_TEST_CASE(nack_packs_pid_and_blp) {
    util::Bytes out;
    const std::uint16_t seqs[] = {10, 11, 13, 26, 27};
    append_nack(out, 1, 2, seqs);
    // PID 10: 11 -> bit 0, 13 -> bit 2, 26 -> bit 15; 27 is 17 past: a new pair.
    BOOST_CHECK(out == hex("81cd0004 00000001 00000002 000a8005 001b0000"));
    out.clear();
    const std::uint16_t wrap[] = {65535, 0, 1, 15};
    append_nack(out, 1, 2, wrap);
    BOOST_CHECK(out == hex("81cd0003 00000001 00000002 ffff8003"));
    out.clear();
    append_nack(out, 1, 2, {});
    BOOST_CHECK(out.empty());
}

BOOST_AUTO_TEST_CASE(remb_encodes_exponent_and_mantissa) {
    util::Bytes out;
    const std::uint32_t ssrcs[] = {0xaabbccdd};
    append_remb(out, 0x01020304, 2'500'000, ssrcs);
    // 2500000 = 156250 << 4: exp 4, mantissa 0x2625a.
    BOOST_CHECK(out == hex("8fce0005 01020304 00000000 52454d42 0112625a aabbccdd"));
    out.clear();
    const std::uint32_t two[] = {1, 2};
    append_remb(out, 9, 100'000, two);
    BOOST_CHECK(out == hex("8fce0006 00000009 00000000 52454d42 020186a0 00000001 00000002"));
}

BOOST_AUTO_TEST_CASE(receiver_report_is_byte_exact) {
    util::Bytes out;
    ReportBlock b{0xaabbccdd, 0x40, -2, 0x0001fff0, 123, 0x11223344, 0x00010000};
    append_receiver_report(out, 0x01020304, &b);
    BOOST_CHECK(out ==
                hex("81c90007 01020304 aabbccdd 40fffffe 0001fff0 0000007b 11223344 00010000"));
    out.clear();
    append_receiver_report(out, 0x01020304, nullptr);
    BOOST_CHECK(out == hex("80c90001 01020304"));
}

BOOST_AUTO_TEST_CASE(compound_sr_sdes_bye_is_parsed) {
    const auto bytes = hex(
        // SR with one report block
        "81c8000c 11223344 e1234567 80000000 00015f90 00000064 00002710"
        "aabbccdd 00000000 00000000 00000000 00000000 00000000"
        // SDES (unknown here): CNAME "ab"
        "81ca0002 11223344 01026162"
        // BYE with two sources
        "82cb0002 11223344 55667788");
    auto items = parse_rtcp(bytes);
    BOOST_REQUIRE(items.ok());
    BOOST_REQUIRE_EQUAL(items->size(), 2u);
    const auto& sr = std::get<SenderReport>((*items)[0]);
    BOOST_CHECK_EQUAL(sr.ssrc, 0x11223344u);
    BOOST_CHECK_EQUAL(sr.ntp_seconds(), 0xe1234567u);
    BOOST_CHECK_EQUAL(sr.ntp_fraction(), 0x80000000u);
    BOOST_CHECK_EQUAL(sr.rtp_timestamp, 90000u);
    BOOST_CHECK_EQUAL(sr.packet_count, 100u);
    BOOST_CHECK_EQUAL(sr.octet_count, 10000u);
    const auto& bye = std::get<Bye>((*items)[1]);
    BOOST_CHECK((bye.ssrcs == std::vector<std::uint32_t>{0x11223344, 0x55667788}));
}

BOOST_AUTO_TEST_CASE(bad_lengths_and_versions_fail) {
    const char* bad[] = {
        "",                                                                // empty
        "81c8",                                                            // short header
        "81c80006 11223344 e1234567 80000000 00015f90 00000064",           // length past the end
        "80c80001 11223344",                                               // SR without sender info
        "81c80006 11223344 e1234567 80000000 00015f90 00000064 00002710",  // RC=1, no block
        "83cb0002 11223344 55667788",                                      // BYE count 3 in 2 words
        "41c90001 11223344",                                               // version 1
        "80c90001 11223344 80",  // trailing partial header
        "a0c90001 11223300",     // padding count 0
        "a0c90001 11223309",     // padding longer than the packet
    };
    for (const char* h : bad) {
        BOOST_TEST_CONTEXT(h) { BOOST_CHECK(!parse_rtcp(hex(h)).ok()); }
    }
    // Unknown types alone parse to nothing.
    auto unknown = parse_rtcp(hex("81cd0002 00000001 00000002 80cc0000"));
    BOOST_REQUIRE(unknown.ok());
    BOOST_CHECK(unknown->empty());
    // Padding on the last packet is allowed.
    auto padded = parse_rtcp(hex("a1cb0002 11223344 00000004"));
    BOOST_REQUIRE(padded.ok());
    BOOST_CHECK(std::get<Bye>((*padded)[0]).ssrcs == std::vector<std::uint32_t>{0x11223344});
}

BOOST_AUTO_TEST_CASE(receive_stats_count_loss_across_a_wrap) {
    ReceiveStats stats(0xabc, 90000);
    long long now = 1000;
    std::uint32_t ts = 0;
    // 65530 .. 65535, 0 .. 9 with 2 and 5 missing, one duplicate of 7
    std::vector<std::uint16_t> seqs;
    for (std::uint32_t s = 65530; s < 65536 + 10; ++s)
        if (s != 65536 + 2 && s != 65536 + 5) seqs.push_back(std::uint16_t(s));
    for (auto s : seqs) {
        stats.on_packet(s, ts, now);
        ts += 3000;
        now += 33;
    }
    BOOST_CHECK_EQUAL(stats.extended_highest_seq(), 65536u + 9);
    BOOST_CHECK_EQUAL(stats.expected(), 16);
    BOOST_CHECK_EQUAL(stats.received(), 14u);
    BOOST_CHECK_EQUAL(stats.lost(), 2);
    auto b = stats.report(now);
    BOOST_CHECK_EQUAL(b.ssrc, 0xabcu);
    BOOST_CHECK_EQUAL(b.cumulative_lost, 2);
    BOOST_CHECK_EQUAL(b.fraction_lost, 2 * 256 / 16);
    BOOST_CHECK_EQUAL(b.extended_highest_seq, 65536u + 9);
    BOOST_CHECK_EQUAL(b.lsr, 0u);
    BOOST_CHECK_EQUAL(b.dlsr, 0u);
    // Nothing lost since: fraction 0, cumulative unchanged.
    stats.on_packet(10, ts, now);
    stats.on_packet(11, ts + 3000, now + 33);
    b = stats.report(now + 40);
    BOOST_CHECK_EQUAL(b.fraction_lost, 0);
    BOOST_CHECK_EQUAL(b.cumulative_lost, 2);
}

BOOST_AUTO_TEST_CASE(receive_stats_jitter_and_lsr_dlsr) {
    ReceiveStats steady(1, 90000);
    for (int i = 0; i < 50; ++i)
        steady.on_packet(std::uint16_t(i), 4'294'960'000u + 3000u * i, 10 + 33 * i / 1);
    // 33 ms arrival vs 3000 ticks (33.33 ms): |D| = 30 ticks every packet.
    BOOST_CHECK_GT(steady.jitter(), 20u);
    BOOST_CHECK_LE(steady.jitter(), 30u);

    ReceiveStats exact(1, 8000);
    for (int i = 0; i < 50; ++i) exact.on_packet(std::uint16_t(i), 160u * i, 20 * i);
    BOOST_CHECK_EQUAL(exact.jitter(), 0u);

    SenderReport sr;
    sr.ntp = 0x0001'2345'8000'0000ULL;
    exact.on_sender_report(sr, 5000);
    auto b = exact.report(5500);
    BOOST_CHECK_EQUAL(b.lsr, 0x23458000u);
    BOOST_CHECK_EQUAL(b.dlsr, 32768u);  // 0.5 s in 1/65536 s
}

BOOST_AUTO_TEST_CASE(receive_stats_count_a_recovered_packet_without_a_jitter_sample) {
    // 8 kHz, 20 ms apart, on time: jitter 0. Packet 5 is lost and comes back by retransmission
    // 300 ms late: it counts as received, and the jitter stays 0 (as a late original would not).
    ReceiveStats stats(1, 8000), late_original(1, 8000);
    for (int i = 0; i < 20; ++i) {
        if (i == 5) continue;
        stats.on_packet(std::uint16_t(i), 160u * i, 20 * i);
        late_original.on_packet(std::uint16_t(i), 160u * i, 20 * i);
        if (i == 15) {
            stats.on_recovered(5);
            late_original.on_packet(5, 160u * 5, 20 * 15);
        }
    }
    BOOST_CHECK_EQUAL(stats.received(), 20u);
    BOOST_CHECK_EQUAL(stats.lost(), 0);
    BOOST_CHECK_EQUAL(stats.extended_highest_seq(), 19u);
    BOOST_CHECK_EQUAL(stats.jitter(), 0u);
    BOOST_CHECK_GT(late_original.jitter(), 100u);  // what feeding it as media would report
    // A stray far-off sequence number is not counted, recovered or not.
    stats.on_recovered(40000);
    BOOST_CHECK_EQUAL(stats.received(), 20u);
}

BOOST_AUTO_TEST_CASE(receive_stats_restart_needs_two_sequential_packets) {
    ReceiveStats stats(1, 90000);
    for (std::uint16_t s = 100; s < 110; ++s) stats.on_packet(s, s * 3000u, s);
    stats.on_packet(40000, 0, 200);  // one stray: ignored
    BOOST_CHECK_EQUAL(stats.extended_highest_seq(), 109u);
    BOOST_CHECK_EQUAL(stats.received(), 10u);
    stats.on_packet(20000, 0, 201);
    stats.on_packet(20001, 3000, 202);  // follows the jump: restart from it (§A.1)
    BOOST_CHECK_EQUAL(stats.extended_highest_seq(), 20001u);
    BOOST_CHECK_EQUAL(stats.received(), 1u);
    stats.on_packet(20002, 6000, 203);
    BOOST_CHECK_EQUAL(stats.received(), 2u);
    BOOST_CHECK_EQUAL(stats.lost(), 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rtp_clock)

BOOST_AUTO_TEST_CASE(timeline_unwraps_and_tolerates_reordering) {
    RtpTimeline t(kVideoClockRate);
    const std::uint32_t start = 0xffffffffu - 2999;  // wraps after one frame
    BOOST_CHECK_EQUAL(t.ms(start), 0);
    BOOST_CHECK_EQUAL(t.ms(start + 6000), 66);  // past the wrap
    BOOST_CHECK_EQUAL(t.ms(start + 3000), 33);  // reordered, still before the newest
    BOOST_CHECK_EQUAL(t.ms(start + 9000), 100);
    BOOST_CHECK_EQUAL(t.unwrap(start + 9000), std::int64_t(start) + 9000);
    BOOST_CHECK_EQUAL(t.ms(start - 90), -1);  // reordered before the first
    RtpTimeline opus(kOpusClockRate), pcm(kG711ClockRate);
    opus.ms(1000);
    BOOST_CHECK_EQUAL(opus.ms(1000 + 960 * 50), 1000);
    pcm.ms(0xffffff00u);
    BOOST_CHECK_EQUAL(pcm.ms(0xffffff00u + 8000 * 3), 3000);
    // Many wraps in small steps keep growing.
    RtpTimeline w(kVideoClockRate);
    std::uint32_t ts = 123;
    std::int64_t last = w.unwrap(ts);
    for (int i = 0; i < 10000; ++i) {
        ts += 1'000'000'000u;
        const std::int64_t e = w.unwrap(ts);
        BOOST_REQUIRE_EQUAL(e - last, 1'000'000'000);
        last = e;
    }
}

BOOST_AUTO_TEST_CASE(sender_reports_put_audio_and_video_on_one_clock) {
    BOOST_CHECK_EQUAL(ntp_to_ms(0x0000000a'80000000ULL), 10500);
    SenderReportSync video(kVideoClockRate), audio(kOpusClockRate);
    BOOST_CHECK(!video.ntp_ms(0));
    const std::uint64_t ntp = (std::uint64_t(1000) << 32);  // 1000 s
    video.on_sender_report(ntp, 0xfffff000u);
    audio.on_sender_report(ntp + (std::uint64_t(1) << 31), 480000);  // 1000.5 s
    // A video frame 90000 ticks after its SR (past the wrap) and an audio frame 24000 ticks
    // after its SR are both at 1001 s.
    BOOST_CHECK_EQUAL(*video.ntp_ms(0xfffff000u + 90000), 1'001'000);
    BOOST_CHECK_EQUAL(*audio.ntp_ms(480000 + 24000), 1'001'000);
    BOOST_CHECK_EQUAL(*audio.ntp_ms(480000 - 48000), 999'500);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reorder_buffer)

namespace {
util::Bytes pkt(std::uint16_t seq) { return {std::uint8_t(seq >> 8), std::uint8_t(seq)}; }
std::vector<std::uint16_t> seqs_of(const std::vector<ReorderedPacket>& v) {
    std::vector<std::uint16_t> s;
    for (const auto& p : v) {
        BOOST_CHECK(p.packet == pkt(p.sequence));
        s.push_back(p.sequence);
    }
    return s;
}
using Seqs = std::vector<std::uint16_t>;
}  // namespace

BOOST_AUTO_TEST_CASE(in_order_packets_pass_at_once_across_a_wrap) {
    ReorderBuffer b;
    std::vector<ReorderedPacket> out;
    for (std::uint16_t s : {65534, 65535, 0, 1}) {
        BOOST_CHECK(b.push(s, pkt(s), 0) == ReorderBuffer::Push::accepted);
        b.pop_ready(0, out);
    }
    BOOST_CHECK((seqs_of(out) == Seqs{65534, 65535, 0, 1}));
    for (const auto& p : out) BOOST_CHECK(!p.after_loss);
    BOOST_CHECK_EQUAL(b.held_packets(), 0u);
}

BOOST_AUTO_TEST_CASE(reordered_packet_fills_the_hole_before_the_wait_ends) {
    ReorderBuffer b;
    std::vector<ReorderedPacket> out;
    b.push(65535, pkt(65535), 0);
    b.push(1, pkt(1), 5);
    b.push(2, pkt(2), 6);
    b.pop_ready(50, out);
    BOOST_CHECK((seqs_of(out) == Seqs{65535}));
    BOOST_CHECK_EQUAL(*b.next_skip_ms(), 105);
    b.push(0, pkt(0), 60);
    b.pop_ready(60, out);
    BOOST_CHECK((seqs_of(out) == Seqs{65535, 0, 1, 2}));
    for (const auto& p : out) BOOST_CHECK(!p.after_loss);
    BOOST_CHECK_EQUAL(b.skipped(), 0u);
}

BOOST_AUTO_TEST_CASE(a_hole_is_waited_for_then_skipped_with_loss_flag) {
    ReorderBuffer b;
    std::vector<ReorderedPacket> out;
    b.push(10, pkt(10), 0);
    b.push(13, pkt(13), 10);  // 11 and 12 missing since t=10
    b.push(14, pkt(14), 20);
    b.pop_ready(109, out);
    BOOST_CHECK((seqs_of(out) == Seqs{10}));
    b.pop_ready(110, out);
    BOOST_CHECK((seqs_of(out) == Seqs{10, 13, 14}));
    BOOST_CHECK(!out[0].after_loss);
    BOOST_CHECK(out[1].after_loss);
    BOOST_CHECK(!out[2].after_loss);
    BOOST_CHECK_EQUAL(b.skipped(), 2u);
    // The late ones are too old now; duplicates are dropped.
    BOOST_CHECK(b.push(11, pkt(11), 120) == ReorderBuffer::Push::too_old);
    BOOST_CHECK(b.push(14, pkt(14), 120) == ReorderBuffer::Push::too_old);
    b.push(16, pkt(16), 120);
    BOOST_CHECK(b.push(16, pkt(16), 121) == ReorderBuffer::Push::duplicate);
    BOOST_CHECK(b.missing(121) == Seqs{15});
}

BOOST_AUTO_TEST_CASE(nacks_are_spaced_capped_and_bounded_per_call) {
    ReorderOptions o;
    o.max_nacks_per_call = 4;
    o.max_wait_ms = 10'000;
    ReorderBuffer b(o);
    b.set_rtt_ms(30);
    b.push(100, pkt(100), 0);
    b.push(107, pkt(107), 0);  // 101..106 missing
    BOOST_CHECK((b.missing(0) == Seqs{101, 102, 103, 104}));
    BOOST_CHECK((b.missing(1) == Seqs{105, 106}));
    BOOST_CHECK(b.missing(2).empty());
    BOOST_CHECK(b.missing(49).empty());  // spacing is 20 ms + 30 ms RTT
    BOOST_CHECK((b.missing(50) == Seqs{101, 102, 103, 104}));
    b.push(102, pkt(102), 55);  // recovered: no longer asked for
    BOOST_CHECK((b.missing(55) == Seqs{105, 106}));
    BOOST_CHECK((b.missing(100) == Seqs{101, 103, 104}));  // 105, 106: only 45 ms ago
    BOOST_CHECK(b.missing(104).empty());
    BOOST_CHECK((b.missing(105) == Seqs{105, 106}));
    // Three NACKs each: no more.
    BOOST_CHECK(b.missing(1000).empty());
    std::vector<ReorderedPacket> out;
    b.pop_ready(20'000, out);
    BOOST_CHECK((seqs_of(out) == Seqs{100, 102, 107}));
    BOOST_CHECK(out[1].after_loss && out[2].after_loss);
}

BOOST_AUTO_TEST_CASE(capacity_bound_skips_ahead) {
    ReorderOptions o;
    o.capacity = 8;
    ReorderBuffer b(o);
    std::vector<ReorderedPacket> out;
    b.push(65530, pkt(65530), 0);
    b.pop_ready(0, out);
    // 65531 never comes; 65532..(65532+20) do, within the wait.
    for (std::uint16_t s = 65532, i = 0; i < 20; ++s, ++i) {
        b.push(s, pkt(s), 1);
        b.pop_ready(1, out);
        BOOST_CHECK_LE(b.held_packets(), 8u);
    }
    Seqs want{65530};
    for (std::uint16_t s = 65532, i = 0; i < 20; ++s, ++i) want.push_back(s);
    BOOST_CHECK(seqs_of(out) == want);
    BOOST_CHECK(out[1].after_loss);
    BOOST_CHECK_EQUAL(b.skipped(), 1u);
    BOOST_CHECK_EQUAL(b.held_packets(), 0u);

    // A consumer that never pops: what waits stays within twice the capacity, in order.
    ReorderBuffer lazy(o);
    for (std::uint16_t s = 0; s < 100; ++s) {
        lazy.push(std::uint16_t(s * 2), pkt(std::uint16_t(s * 2)), 0);
        BOOST_CHECK_LE(lazy.held_packets(), 16u);
    }
    out.clear();
    lazy.pop_ready(0, out);
    BOOST_REQUIRE_GE(out.size(), 8u);
    for (std::size_t i = 1; i < out.size(); ++i) {
        BOOST_CHECK(seq_newer(out[i].sequence, out[i - 1].sequence));
        BOOST_CHECK(out[i].after_loss);
    }
    BOOST_CHECK_EQUAL(out.back().sequence, 190);  // 192..198 still wait for their holes
    out.clear();
    lazy.pop_ready(100, out);
    BOOST_CHECK((seqs_of(out) == Seqs{192, 194, 196, 198}));
}

BOOST_AUTO_TEST_CASE(seq_newer_wraps) {
    BOOST_CHECK(seq_newer(0, 65535));
    BOOST_CHECK(seq_newer(100, 65000));
    BOOST_CHECK(!seq_newer(65535, 0));
    BOOST_CHECK(!seq_newer(7, 7));
    BOOST_CHECK(seq_newer(32767, 0));
    BOOST_CHECK(!seq_newer(32768, 0));
}

BOOST_AUTO_TEST_CASE(a_far_jump_restarts_only_when_followed) {
    ReorderBuffer b;
    std::vector<ReorderedPacket> out;
    for (std::uint16_t s = 1; s <= 3; ++s) b.push(s, pkt(s), 0);
    b.push(5, pkt(5), 0);  // 4 missing
    BOOST_CHECK(b.push(30000, pkt(30000), 1) == ReorderBuffer::Push::held_for_restart);
    BOOST_CHECK(b.push(6, pkt(6), 1) == ReorderBuffer::Push::accepted);  // stray forgotten
    BOOST_CHECK(b.push(40000, pkt(40000), 2) == ReorderBuffer::Push::held_for_restart);
    BOOST_CHECK(b.push(40001, pkt(40001), 2) == ReorderBuffer::Push::restarted);
    b.push(40002, pkt(40002), 3);
    b.pop_ready(3, out);
    BOOST_CHECK((seqs_of(out) == Seqs{1, 2, 3, 5, 6, 40000, 40001, 40002}));
    BOOST_CHECK(out[3].after_loss);  // 4 was given up
    BOOST_CHECK(out[5].after_loss);  // the restart is a discontinuity
    BOOST_CHECK(!out[6].after_loss);
}

BOOST_AUTO_TEST_CASE(byte_budget_gives_up_the_oldest) {
    ReorderOptions o;
    o.max_bytes = 10;
    ReorderBuffer b(o);
    std::vector<ReorderedPacket> out;
    b.push(1, util::Bytes(4, 1), 0);
    b.pop_ready(0, out);
    for (std::uint16_t s = 3; s < 8; ++s) b.push(s, util::Bytes(4, std::uint8_t(s)), 0);
    BOOST_CHECK_LE(b.held_packets(), 2u);
    b.pop_ready(0, out);
    BOOST_REQUIRE_EQUAL(out.size(), 3u);
    BOOST_CHECK_EQUAL(out[1].sequence, 6);
    BOOST_CHECK(out[1].after_loss);
    BOOST_CHECK_EQUAL(out[2].sequence, 7);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
// H.264: the fixture stream (640x360 High, keyframe every 30 frames) packetized at MTU 1200.

namespace {

constexpr std::size_t kMtu = 1200;

// Packetizes like a browser (webrtc_peer::h264_payloads), the marker on each access unit's
// last packet.
std::vector<util::Bytes> packetize(const std::vector<Au>& aus, std::uint16_t seq, std::uint32_t ts,
                                   std::uint32_t ts_step = 3000, std::size_t mtu = kMtu) {
    webrtc_peer::VideoSender sender{
        .pt = 102, .ssrc = 0x11223344, .seq = seq, .ts0 = ts, .ts_step = ts_step, .mtu = mtu};
    std::vector<util::Bytes> out;
    for (std::size_t i = 0; i < aus.size(); ++i)
        for (auto& p : sender.packets(aus[i], i)) out.push_back(std::move(p));
    return out;
}

struct Pipeline {
    H264Depacketizer depack;
    AvcTagWriter writer;
    std::vector<AccessUnit> aus;
    std::vector<VideoTag> tags;
    std::vector<H264Status> statuses;

    void feed(util::ByteView packet, bool after_loss) {
        auto p = parse_rtp(packet);
        BOOST_REQUIRE(p.ok());
        std::vector<AccessUnit> done;
        statuses.push_back(depack.push(p->payload, p->timestamp, p->marker, after_loss, done));
        for (auto& au : done) {
            writer.push(au, tags);
            aus.push_back(std::move(au));
        }
    }
};

// Parses an FLV AVC NALU payload back into its NALs.
std::vector<util::Bytes> flv_nals(util::ByteView body) {
    std::vector<util::Bytes> nals;
    util::Reader r(body);
    std::uint32_t len;
    util::ByteView nal;
    while (r.be32(len) && r.bytes(len, nal)) nals.emplace_back(nal.begin(), nal.end());
    BOOST_CHECK(r.empty());
    return nals;
}

void check_whole_stream(const Pipeline& p, const webrtc_peer::H264Stream& s, std::uint32_t ts0) {
    BOOST_REQUIRE_EQUAL(p.aus.size(), s.aus.size());
    for (std::size_t i = 0; i < s.aus.size(); ++i) {
        BOOST_TEST_CONTEXT("AU " << i) {
            BOOST_CHECK(p.aus[i].nals == s.aus[i]);
            BOOST_CHECK_EQUAL(p.aus[i].keyframe, bool(s.keyframes[i]));
            BOOST_CHECK_EQUAL(p.aus[i].rtp_timestamp, std::uint32_t(ts0 + 3000 * i));
        }
    }
    // One sequence header, then one frame per AU whose body equals the FLV original.
    BOOST_REQUIRE_EQUAL(p.tags.size(), s.aus.size() + 1);
    BOOST_CHECK(p.tags[0].header);
    auto vh = media::parse_video_tag_header(p.tags[0].payload);
    BOOST_REQUIRE(vh.ok());
    BOOST_CHECK(vh->sequence_header);
    auto config = media::parse_avc_decoder_config(util::ByteView(p.tags[0].payload).subspan(5));
    BOOST_REQUIRE(config.ok());
    BOOST_CHECK(config->sps.at(0) == s.sps);
    BOOST_CHECK(config->pps.at(0) == s.pps);
    BOOST_CHECK_EQUAL(config->nalu_length_size, 4);
    auto sps = media::parse_sps(config->sps.at(0));
    BOOST_REQUIRE(sps.ok());
    BOOST_CHECK_EQUAL(sps->width, 640u);
    BOOST_CHECK_EQUAL(sps->height, 360u);
    for (std::size_t i = 0; i < s.aus.size(); ++i) {
        BOOST_TEST_CONTEXT("tag " << i) {
            const auto& tag = p.tags[i + 1];
            BOOST_CHECK(!tag.header);
            auto h = media::parse_video_tag_header(tag.payload);
            BOOST_REQUIRE(h.ok());
            BOOST_CHECK_EQUAL(h->keyframe, bool(s.keyframes[i]));
            BOOST_CHECK_EQUAL(h->packet_type, 1);
            BOOST_CHECK_EQUAL(h->composition_time, 0);
            BOOST_CHECK(same(util::ByteView(tag.payload).subspan(5), s.flv_bodies[i]));
            auto nals = flv_nals(util::ByteView(tag.payload).subspan(5));
            const std::size_t params = s.keyframes[i] ? 2 : 0;
            BOOST_CHECK(std::equal(nals.begin(), nals.end(), s.aus[i].begin() + long(params),
                                   s.aus[i].end()));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(h264_depacketizer)

BOOST_AUTO_TEST_CASE(fixture_stream_survives_packetization_in_order) {
    const auto& s = fixture_stream();
    BOOST_REQUIRE_GE(s.aus.size(), 100u);
    const std::uint32_t ts0 = 0xffffffffu - 3000 * 20;  // the timestamp wraps too
    // At MTU 1200 every frame of this stream needs FU-A; jumbo packets give single NALs.
    for (std::size_t mtu : {kMtu, std::size_t(9000)}) {
        BOOST_TEST_CONTEXT("MTU " << mtu) {
            const auto packets = packetize(s.aus, 65500, ts0, 3000, mtu);
            int kinds[32] = {};
            for (const auto& pk : packets) ++kinds[pk[12] & 0x1F];
            BOOST_CHECK_GT(kinds[kNalStapA], 0);
            BOOST_CHECK_GT(mtu == kMtu ? kinds[kNalFuA] : kinds[1] + kinds[5], 0);
            BOOST_CHECK_GT(packets.size(), 36u);  // the sequence number wraps
            Pipeline p;
            for (const auto& pk : packets) p.feed(pk, false);
            for (auto st : p.statuses) BOOST_CHECK(st == H264Status::ok);
            BOOST_CHECK(!p.depack.needs_keyframe());
            check_whole_stream(p, s, ts0);
        }
    }
}

BOOST_AUTO_TEST_CASE(reordered_and_duplicated_packets_through_the_reorder_buffer) {
    const auto& s = fixture_stream();
    const std::uint32_t ts0 = 0xfffff000u;
    auto packets = packetize(s.aus, 65500, ts0);
    // Shuffle within windows of 6 and send every 7th packet twice (once later). The very
    // first packet stays first: the buffer releases it at once and cannot go back before it.
    std::mt19937 rng(7);
    std::vector<util::Bytes> wire;
    for (std::size_t i = 1; i < packets.size(); i += 6) {
        const std::size_t end = std::min(packets.size(), i + 6);
        std::shuffle(packets.begin() + long(i), packets.begin() + long(end), rng);
    }
    for (std::size_t i = 0; i < packets.size(); ++i) {
        wire.push_back(packets[i]);
        if (i % 7 == 3 && i >= 10) wire.push_back(packets[i - 9]);
    }
    ReorderBuffer buffer;
    Pipeline p;
    long long now = 0;
    int duplicates = 0;
    std::vector<ReorderedPacket> ready;
    for (const auto& pk : wire) {
        auto parsed = parse_rtp(pk);
        BOOST_REQUIRE(parsed.ok());
        auto r = buffer.push(parsed->sequence, pk, now);
        if (r != ReorderBuffer::Push::accepted) ++duplicates;
        buffer.pop_ready(now, ready);
        now += 1;
    }
    buffer.pop_ready(now + 1000, ready);
    BOOST_CHECK_GT(duplicates, 50);
    BOOST_CHECK_EQUAL(buffer.skipped(), 0u);
    for (const auto& r : ready) {
        BOOST_CHECK(!r.after_loss);
        p.feed(r.packet, r.after_loss);
    }
    check_whole_stream(p, s, ts0);
}

BOOST_AUTO_TEST_CASE(lost_fu_fragment_drops_until_the_next_idr) {
    const auto& s = fixture_stream();
    // The first inter frame after the second keyframe with at least three fragments.
    std::size_t victim = 0, next_idr = 0;
    for (std::size_t i = 31; i < s.aus.size() && !victim; ++i)
        if (!s.keyframes[i] && s.aus[i].back().size() > 3 * kMtu) victim = i;
    BOOST_REQUIRE(victim);
    for (std::size_t i = victim; i < s.aus.size() && !next_idr; ++i)
        if (s.keyframes[i]) next_idr = i;
    BOOST_REQUIRE(next_idr);
    // Packet index of the victim's middle fragment.
    const auto before = packetize({s.aus.begin(), s.aus.begin() + long(victim)}, 0, 0);
    const auto packets = packetize(s.aus, 65000, 1000);
    const std::size_t lost = before.size() + 1;
    BOOST_REQUIRE_EQUAL(packets[lost][12] & 0x1F, kNalFuA);
    BOOST_REQUIRE_EQUAL(packets[lost][13] & 0xC0, 0);  // neither start nor end

    ReorderBuffer buffer;
    Pipeline p;
    std::vector<ReorderedPacket> ready;
    std::size_t aus_at_idr = 0;
    bool needs_keyframe_seen = false;
    long long now = 0;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        if (i != lost) buffer.push(std::uint16_t(65000 + i), packets[i], now);
        BOOST_CHECK(buffer.missing(now).size() <= 1);
        now += 10;  // the hole is given up after 100 ms, i.e. ten packets later
        ready.clear();
        buffer.pop_ready(now, ready);
        for (const auto& r : ready) {
            p.feed(r.packet, r.after_loss);
            if (p.depack.needs_keyframe()) needs_keyframe_seen = true;
            if (p.aus.size() == victim && p.depack.needs_keyframe() && !aus_at_idr)
                aus_at_idr = p.aus.size();
        }
    }
    buffer.pop_ready(now + 1000, ready);
    BOOST_CHECK(needs_keyframe_seen);
    BOOST_CHECK(!p.depack.needs_keyframe());
    BOOST_CHECK_EQUAL(buffer.skipped(), 1u);
    // Everything before the victim, nothing from it to the next IDR, everything after.
    const std::size_t dropped = next_idr - victim;
    BOOST_REQUIRE_EQUAL(p.aus.size(), s.aus.size() - dropped);
    BOOST_CHECK_EQUAL(p.depack.dropped_access_units(), dropped);
    for (std::size_t i = 0; i < p.aus.size(); ++i) {
        const std::size_t src = i < victim ? i : i + dropped;
        BOOST_TEST_CONTEXT("AU " << i) { BOOST_CHECK(p.aus[i].nals == s.aus[src]); }
    }
    BOOST_CHECK(p.aus[victim].keyframe);
    // The tags still start with one header, and no inter frame follows the loss before the IDR.
    BOOST_CHECK_EQUAL(p.tags.size(), p.aus.size() + 1);
}

BOOST_AUTO_TEST_CASE(a_4k_sized_idr_passes_through_fu_a) {
    std::mt19937 rng(4);
    util::Bytes idr(1'500'000);
    for (auto& b : idr) b = std::uint8_t(rng());
    idr[0] = 0x65;
    const Au au{{0x67, 0x64, 0x00, 0x33, 0xac}, {0x68, 0xee, 0x3c, 0x80}, idr};
    const auto packets = packetize({au, {{0x41, 0x9a, 0x01}}}, 100, 5000);
    BOOST_CHECK_GT(packets.size(), 1250u);
    Pipeline p;
    for (const auto& pk : packets) p.feed(pk, false);
    BOOST_REQUIRE_EQUAL(p.aus.size(), 2u);
    BOOST_CHECK(p.aus[0].nals == au);
    BOOST_CHECK(p.aus[0].keyframe);
    BOOST_REQUIRE_EQUAL(p.tags.size(), 3u);
    BOOST_CHECK(p.tags[0].header);
    BOOST_CHECK_EQUAL(p.tags[1].payload.size(), 5 + 4 + idr.size());
    BOOST_CHECK_EQUAL(p.tags[2].payload[0], 0x27);
}

BOOST_AUTO_TEST_CASE(limits_drop_oversized_units) {
    H264Limits limits;
    limits.max_nal_bytes = 5000;
    limits.max_au_bytes = 8000;
    limits.max_nals = 3;
    auto run = [&](const std::vector<Au>& aus) {
        H264Depacketizer d(limits);
        std::vector<AccessUnit> out;
        std::vector<H264Status> st;
        for (const auto& pk : packetize(aus, 1, 1)) {
            auto p = parse_rtp(pk);
            st.push_back(d.push(p->payload, p->timestamp, p->marker, false, out));
        }
        return std::make_pair(out, st);
    };
    const util::Bytes big_idr = [] {
        util::Bytes b(5001, 7);
        b[0] = 0x65;
        return b;
    }();
    const util::Bytes idr = [] {
        util::Bytes b(4000, 7);
        b[0] = 0x65;
        return b;
    }();
    auto [o1, s1] = run({{big_idr}});
    BOOST_CHECK(o1.empty());
    BOOST_CHECK(std::find(s1.begin(), s1.end(), H264Status::too_large) != s1.end());
    auto [o2, s2] = run({{idr, idr, idr}});  // 12000 bytes in one unit
    BOOST_CHECK(o2.empty());
    auto [o3, s3] = run({{{0x65, 1}, {0x65, 2}, {0x65, 3}, {0x65, 4}}});  // 4 NALs
    BOOST_CHECK(o3.empty());
    auto [o4, s4] = run({{idr, {0x65, 9}}, {{0x41, 1}}});
    BOOST_REQUIRE_EQUAL(o4.size(), 2u);
}

BOOST_AUTO_TEST_CASE(other_packet_types_and_broken_aggregates_are_rejected) {
    struct Case {
        const char* payload;
        H264Status status;
    } cases[] = {
        {"19 0002 6501", H264Status::unsupported},       // STAP-B
        {"1a 0000 0002 6501", H264Status::unsupported},  // MTAP16
        {"1b 0000 0002 6501", H264Status::unsupported},  // MTAP24
        {"1d 85 0000 01", H264Status::unsupported},      // FU-B
        {"18 0003 6501", H264Status::malformed},         // STAP-A size past the end
        {"18 0002 6501 00", H264Status::malformed},      // trailing partial size
        {"18 0000", H264Status::malformed},              // empty NAL in STAP-A
        {"18", H264Status::malformed},                   // STAP-A without NALs
        {"1c", H264Status::malformed},                   // FU-A without its header
        {"7c 05 0102", H264Status::lost},                // FU-A continuation, no start
        {"e5 01", H264Status::malformed},                // forbidden bit
        {"18 0002 e501", H264Status::malformed},         // forbidden bit inside STAP-A
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.payload) {
            H264Depacketizer d;
            std::vector<AccessUnit> out;
            // An IDR first, in the same unit: the whole unit must be dropped.
            BOOST_CHECK(d.push(hex("6501"), 10, false, false, out) == H264Status::ok);
            BOOST_CHECK(d.push(hex(c.payload), 10, true, false, out) == c.status);
            BOOST_CHECK(out.empty());
            BOOST_CHECK(d.needs_keyframe());
            BOOST_CHECK_EQUAL(d.dropped_access_units(), 1u);
            // The next IDR recovers.
            BOOST_CHECK(d.push(hex("6502"), 20, true, false, out) == H264Status::ok);
            BOOST_REQUIRE_EQUAL(out.size(), 1u);
            BOOST_CHECK(!d.needs_keyframe());
        }
    }
    // Reserved types 0, 30, 31 are ignored without harming the unit.
    H264Depacketizer d;
    std::vector<AccessUnit> out;
    BOOST_CHECK(d.push(hex("6501"), 10, false, false, out) == H264Status::ok);
    BOOST_CHECK(d.push(hex("1e 00"), 10, false, false, out) == H264Status::ok);
    BOOST_CHECK(d.push(hex("00"), 10, true, false, out) == H264Status::ok);
    BOOST_REQUIRE_EQUAL(out.size(), 1u);
    BOOST_CHECK(out[0].nals == std::vector<util::Bytes>{hex("6501")});
}

BOOST_AUTO_TEST_CASE(missing_fu_end_and_missing_marker) {
    H264Depacketizer d;
    std::vector<AccessUnit> out;
    // An IDR whose FU-A never ends: the next timestamp closes the unit, which is dropped.
    d.push(hex("7c 85 0102"), 10, false, false, out);
    d.push(hex("7c 05 0304"), 10, false, false, out);
    d.push(hex("6503"), 20, true, false, out);
    BOOST_REQUIRE_EQUAL(out.size(), 1u);
    BOOST_CHECK(out[0].nals == std::vector<util::Bytes>{hex("6503")});
    BOOST_CHECK_EQUAL(d.dropped_access_units(), 1u);
    // A unit without a marker is completed by the next timestamp; a FU-A start while one is
    // open is a loss; a FU-A with start and end in one packet is accepted.
    d.push(hex("4101"), 30, false, false, out);
    d.push(hex("7c 81 0a"), 40, false, false, out);
    BOOST_REQUIRE_EQUAL(out.size(), 2u);
    BOOST_CHECK(out[1].nals == std::vector<util::Bytes>{hex("4101")});
    BOOST_CHECK(d.push(hex("7c 81 0b"), 40, true, false, out) == H264Status::lost);
    BOOST_CHECK(d.needs_keyframe());
    d.push(hex("7c c5 0c"), 50, true, false, out);
    BOOST_REQUIRE_EQUAL(out.size(), 3u);
    BOOST_CHECK(out[2].nals == std::vector<util::Bytes>{hex("650c")});
    // A non-IDR unit starts fine, then a loss is reported inside it.
    d.push(hex("4102"), 60, false, false, out);
    BOOST_CHECK(d.push(hex("4103"), 60, true, true, out) == H264Status::lost);
    BOOST_CHECK_EQUAL(out.size(), 3u);
    BOOST_CHECK(d.needs_keyframe());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(avc_tags)

namespace {
AccessUnit au(std::uint32_t ts, std::vector<util::Bytes> nals) {
    AccessUnit a{ts, std::move(nals), false};
    for (const auto& n : a.nals) a.keyframe |= (n[0] & 0x1f) == 5;
    return a;
}
}  // namespace

BOOST_AUTO_TEST_CASE(sequence_header_layout) {
    const auto h = avc_sequence_header(hex("6742c01f aa"), hex("68ce3c80"));
    BOOST_CHECK(h == hex("1700000000 01 42c01f ff e1 0005 6742c01faa 01 0004 68ce3c80"));
}

BOOST_AUTO_TEST_CASE(no_frame_before_header_and_keyframe) {
    AvcTagWriter w;
    std::vector<VideoTag> out;
    w.push(au(1, {hex("4101")}), out);                   // inter before anything
    w.push(au(2, {hex("6501")}), out);                   // keyframe, no parameters known
    w.push(au(3, {hex("6742c01f"), hex("4102")}), out);  // SPS, but no PPS and no keyframe
    BOOST_CHECK(out.empty());
    BOOST_CHECK(!w.started());
    w.push(au(4, {hex("09f0"), hex("6742c01f"), hex("68ce3c80"), hex("0601"), hex("6503")}), out);
    BOOST_REQUIRE_EQUAL(out.size(), 2u);
    BOOST_CHECK(out[0].header && !out[0].keyframe);
    BOOST_CHECK_EQUAL(out[0].rtp_timestamp, 4u);
    BOOST_CHECK(out[0].payload == avc_sequence_header(hex("6742c01f"), hex("68ce3c80")));
    // AUD, SPS and PPS are left out of the frame.
    BOOST_CHECK(out[1].payload == hex("1701000000 00000002 0601 00000002 6503"));
    BOOST_CHECK(out[1].keyframe && !out[1].header);
    w.push(au(5, {hex("09f0"), hex("4104")}), out);
    BOOST_REQUIRE_EQUAL(out.size(), 3u);
    BOOST_CHECK(out[2].payload == hex("2701000000 00000002 4104"));
    // Only parameter sets: no frame.
    w.push(au(6, {hex("6742c01f"), hex("68ce3c80")}), out);
    BOOST_CHECK_EQUAL(out.size(), 3u);
}

BOOST_AUTO_TEST_CASE(changed_parameters_give_a_new_header_at_the_next_keyframe) {
    AvcTagWriter w;
    std::vector<VideoTag> out;
    w.push(au(1, {hex("6742c01f"), hex("68ce3c80"), hex("6501")}), out);
    w.push(au(2, {hex("6742c01f"), hex("68ce3c80"), hex("6502")}), out);  // same: no header
    BOOST_REQUIRE_EQUAL(out.size(), 3u);
    BOOST_CHECK(!out[2].header);
    w.push(au(3, {hex("674d0028"), hex("4103")}), out);  // new SPS mid-GOP: waits
    BOOST_REQUIRE_EQUAL(out.size(), 4u);
    BOOST_CHECK(!out[3].header);
    w.push(au(4, {hex("6504")}), out);
    BOOST_REQUIRE_EQUAL(out.size(), 6u);
    BOOST_CHECK(out[4].header);
    BOOST_CHECK(out[4].payload == avc_sequence_header(hex("674d0028"), hex("68ce3c80")));
    BOOST_CHECK(out[5].keyframe);
}

BOOST_AUTO_TEST_SUITE_END()
