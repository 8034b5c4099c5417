// libFuzzer target for the WebRTC video receive path: the input is a sequence of records
// [time step u8][length be16][RTP packet] driven through parse_rtp, ReceiveStats, the reorder
// buffer (NACK list included), RTX unwrapping, the H.264 depacketizer and AvcTagWriter; the
// whole input is also parsed as compound RTCP. Invariants: no crash, sane sizes, order kept.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "webrtc/avc_tags.h"
#include "webrtc/h264_depacketizer.h"
#include "webrtc/reorder_buffer.h"
#include "webrtc/rtcp.h"
#include "webrtc/rtp_clock.h"
#include "webrtc/rtp_packet.h"

namespace {

constexpr std::uint8_t kRtxPayloadType = 103;
constexpr std::uint8_t kVideoPayloadType = 102;

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const util::ByteView in(data, size);

    auto items = webrtc::parse_rtcp(in);
    if (items) {
        for (const auto& item : *items)
            if (const auto* bye = std::get_if<webrtc::Bye>(&item)) check(bye->ssrcs.size() <= 31);
    }

    // Small limits so the fuzzer reaches the bounds quickly.
    webrtc::ReorderOptions options;
    options.capacity = 64;
    options.max_bytes = 64 << 10;
    webrtc::ReorderBuffer buffer(options);
    webrtc::H264Limits limits{1 << 16, 1 << 17, 64};
    webrtc::H264Depacketizer depack(limits);
    webrtc::AvcTagWriter writer;
    webrtc::ReceiveStats stats(1, webrtc::kVideoClockRate);
    webrtc::RtpTimeline timeline(webrtc::kVideoClockRate);
    webrtc::SenderReportSync sync(webrtc::kVideoClockRate);
    if (items)
        for (const auto& item : *items)
            if (const auto* sr = std::get_if<webrtc::SenderReport>(&item)) {
                stats.on_sender_report(*sr, 0);
                sync.on_sender_report(sr->ntp, sr->rtp_timestamp);
            }

    long long now = 0;
    std::vector<webrtc::ReorderedPacket> ready;
    std::vector<webrtc::AccessUnit> aus;
    std::vector<webrtc::VideoTag> tags;
    util::Reader r(in);
    std::uint8_t step;
    std::uint32_t len;
    util::ByteView packet;
    while (r.u8(step) && r.be16(len) && r.bytes(len, packet)) {
        now += step;
        auto p = webrtc::parse_rtp(packet, 3);
        if (!p) continue;
        check(p->payload.size() <= packet.size());
        util::Bytes bytes(packet.begin(), packet.end());
        if (p->payload_type == kRtxPayloadType) {
            auto original = webrtc::unwrap_rtx(*p, kVideoPayloadType);
            if (!original) continue;
            // Rebuild a plain packet with the original sequence number, as a receiver would.
            bytes.assign(packet.begin(), packet.begin() + (p->payload.data() - packet.data()));
            util::put_be16(bytes.data() + 2, original->sequence);
            bytes[1] = std::uint8_t((bytes[1] & 0x80) | kVideoPayloadType);
            bytes.insert(bytes.end(), original->payload.begin(), original->payload.end());
            bytes[0] &= ~0x20;  // padding was removed with the RTX header
            p->sequence = original->sequence;
        } else {
            stats.on_packet(p->sequence, p->timestamp, now);
            (void)timeline.ms(p->timestamp);
            (void)sync.ntp_ms(p->timestamp);
        }
        buffer.push(p->sequence, std::move(bytes), now);
        check(buffer.held_packets() <= 2 * options.capacity);
        const auto nacks = buffer.missing(now);
        check(nacks.size() <= options.max_nacks_per_call);
        util::Bytes feedback;
        webrtc::append_nack(feedback, 1, 2, nacks);
        check(webrtc::parse_rtcp(feedback).ok() || nacks.empty());
        ready.clear();
        buffer.pop_ready(now, ready);
        for (std::size_t i = 1; i < ready.size(); ++i)
            check(webrtc::seq_newer(ready[i].sequence, ready[i - 1].sequence) ||
                  ready[i].after_loss);
        for (const auto& rp : ready) {
            auto again = webrtc::parse_rtp(rp.packet, 3);
            check(again.ok());
            aus.clear();
            depack.push(again->payload, again->timestamp, again->marker, rp.after_loss, aus);
            for (const auto& au : aus) {
                check(!au.nals.empty() && au.nals.size() <= limits.max_nals);
                std::size_t total = 0;
                for (const auto& nal : au.nals) {
                    check(!nal.empty() && nal.size() <= limits.max_nal_bytes);
                    total += nal.size();
                }
                check(total <= limits.max_au_bytes);
                tags.clear();
                writer.push(au, tags);
                for (const auto& tag : tags) check(tag.payload.size() >= 5);
            }
        }
    }
    util::Bytes rr;
    const auto block = stats.report(now);
    webrtc::append_receiver_report(rr, 9, &block);
    check(rr.size() == 32);
    return 0;
}
