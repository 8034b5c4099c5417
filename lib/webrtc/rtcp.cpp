// RTCP builders, compound parser and RFC 3550 receive statistics.
#include "webrtc/rtcp.h"

#include <algorithm>
#include <string>

namespace webrtc {
namespace {

RtpError fail(RtpErrc code, const char* what) {
    return RtpError{code, std::string("RTCP: ") + what, false};
}

// Common header: V=2, no padding, count/FMT, packet type, length in 32-bit words minus one.
void append_header(util::Bytes& out, std::uint8_t count_or_fmt, std::uint8_t type,
                   std::size_t total_bytes) {
    out.push_back(std::uint8_t(0x80 | (count_or_fmt & 0x1F)));
    out.push_back(type);
    util::append_be16(out, std::uint32_t(total_bytes / 4 - 1));
}

constexpr std::uint32_t kMaxDropout = 3000;  // RFC 3550 §A.1
constexpr std::uint32_t kMaxMisorder = 100;
constexpr std::uint32_t kSeqMod = 1u << 16;

}  // namespace

void append_receiver_report(util::Bytes& out, std::uint32_t sender_ssrc, const ReportBlock* block) {
    append_header(out, block ? 1 : 0, kRtcpReceiverReport, block ? 32 : 8);
    util::append_be32(out, sender_ssrc);
    if (!block) return;
    util::append_be32(out, block->ssrc);
    const std::int32_t lost = std::clamp<std::int32_t>(block->cumulative_lost, -0x800000, 0x7FFFFF);
    out.push_back(block->fraction_lost);
    util::append_be24(out, std::uint32_t(lost) & 0xFFFFFF);
    util::append_be32(out, block->extended_highest_seq);
    util::append_be32(out, block->jitter);
    util::append_be32(out, block->lsr);
    util::append_be32(out, block->dlsr);
}

void append_pli(util::Bytes& out, std::uint32_t sender_ssrc, std::uint32_t media_ssrc) {
    append_header(out, 1, kRtcpPayloadFeedback, 12);
    util::append_be32(out, sender_ssrc);
    util::append_be32(out, media_ssrc);
}

void append_fir(util::Bytes& out, std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                std::uint8_t seq_nr) {
    append_header(out, 4, kRtcpPayloadFeedback, 20);
    util::append_be32(out, sender_ssrc);
    util::append_be32(out, 0);  // RFC 5104 §4.3.1.2: media source SSRC unused, the FCI names it
    util::append_be32(out, media_ssrc);
    out.push_back(seq_nr);
    util::append_be24(out, 0);
}

void append_nack(util::Bytes& out, std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                 std::span<const std::uint16_t> seqs) {
    if (seqs.empty()) return;
    std::vector<std::pair<std::uint16_t, std::uint16_t>> pairs;  // PID, BLP
    for (std::uint16_t seq : seqs) {
        bool placed = false;
        for (auto& [pid, blp] : pairs) {
            const std::uint16_t d = std::uint16_t(seq - pid);  // wrap-around distance
            if (d == 0)
                placed = true;
            else if (d <= 16) {
                blp = std::uint16_t(blp | (1u << (d - 1)));
                placed = true;
            }
            if (placed) break;
        }
        if (!placed) pairs.emplace_back(seq, 0);
    }
    append_header(out, 1, kRtcpTransportFeedback, 12 + 4 * pairs.size());
    util::append_be32(out, sender_ssrc);
    util::append_be32(out, media_ssrc);
    for (const auto& [pid, blp] : pairs) {
        util::append_be16(out, pid);
        util::append_be16(out, blp);
    }
}

void append_remb(util::Bytes& out, std::uint32_t sender_ssrc, std::uint64_t bitrate_bps,
                 std::span<const std::uint32_t> ssrcs) {
    const std::size_t n = std::min<std::size_t>(ssrcs.size(), 255);
    // 6-bit exponent, 18-bit mantissa: the smallest exponent that makes the mantissa fit.
    std::uint32_t exp = 0;
    while ((bitrate_bps >> exp) > 0x3FFFF && exp < 63) ++exp;
    const std::uint32_t mantissa =
        std::uint32_t(std::min<std::uint64_t>(bitrate_bps >> exp, 0x3FFFF));
    append_header(out, 15, kRtcpPayloadFeedback, 20 + 4 * n);
    util::append_be32(out, sender_ssrc);
    util::append_be32(out, 0);
    out.insert(out.end(), {'R', 'E', 'M', 'B'});
    out.push_back(std::uint8_t(n));
    out.push_back(std::uint8_t((exp << 2) | (mantissa >> 16)));
    util::append_be16(out, mantissa & 0xFFFF);
    for (std::size_t i = 0; i < n; ++i) util::append_be32(out, ssrcs[i]);
}

RtpResult<std::vector<RtcpItem>> parse_rtcp(util::ByteView compound) {
    if (compound.empty()) return fail(RtpErrc::truncated, "empty packet");
    std::vector<RtcpItem> items;
    std::size_t pos = 0;
    while (pos < compound.size()) {
        if (compound.size() - pos < 4) return fail(RtpErrc::truncated, "short header");
        const std::uint8_t* h = compound.data() + pos;
        if ((h[0] >> 6) != 2) return fail(RtpErrc::invalid, "version is not 2");
        const std::size_t count = h[0] & 0x1F;
        const std::uint8_t type = h[1];
        const std::size_t length = (std::size_t(util::read_be16(h + 2)) + 1) * 4;
        if (length > compound.size() - pos) return fail(RtpErrc::truncated, "length past the end");
        std::size_t body_end = length;  // within this packet
        if (h[0] & 0x20) {
            const std::size_t padding = h[length - 1];
            if (padding == 0 || padding > length - 4) return fail(RtpErrc::invalid, "padding");
            body_end -= padding;
        }
        if (type == kRtcpSenderReport) {
            // header, SSRC, sender info (20 bytes), then `count` 24-byte report blocks
            if (body_end < 28 + 24 * count) return fail(RtpErrc::truncated, "sender report");
            SenderReport sr;
            sr.ssrc = util::read_be32(h + 4);
            sr.ntp = (std::uint64_t(util::read_be32(h + 8)) << 32) | util::read_be32(h + 12);
            sr.rtp_timestamp = util::read_be32(h + 16);
            sr.packet_count = util::read_be32(h + 20);
            sr.octet_count = util::read_be32(h + 24);
            items.emplace_back(sr);
        } else if (type == kRtcpBye) {
            if (body_end < 4 + 4 * count) return fail(RtpErrc::truncated, "BYE source list");
            Bye bye;
            for (std::size_t i = 0; i < count; ++i)
                bye.ssrcs.push_back(util::read_be32(h + 4 + 4 * i));
            items.emplace_back(std::move(bye));
        }
        pos += length;
    }
    return items;
}

ReceiveStats::ReceiveStats(std::uint32_t ssrc, std::uint32_t clock_rate)
    : ssrc_(ssrc), clock_rate_(clock_rate) {}

void ReceiveStats::restart(std::uint16_t seq) {
    max_seq_ = seq;
    cycles_ = 0;
    base_seq_ = seq;
    bad_seq_ = kSeqMod + 1;
    received_ = 0;
    expected_prior_ = 0;
    received_prior_ = 0;
    have_transit_ = false;
}

bool ReceiveStats::count(std::uint16_t seq) {
    if (!started_) {
        restart(seq);
        started_ = true;
    } else {
        const std::uint16_t udelta = std::uint16_t(seq - max_seq_);
        if (udelta < kMaxDropout) {
            if (seq < max_seq_) cycles_ += kSeqMod;  // in order, wrapped
            max_seq_ = seq;
        } else if (udelta <= kSeqMod - kMaxMisorder) {
            // A big jump: the source restarted if the next packet follows this one.
            if (seq != bad_seq_) {
                bad_seq_ = (std::uint32_t(seq) + 1) & (kSeqMod - 1);
                return false;
            }
            restart(seq);
        }  // else a duplicate or a reordered packet: counted below
    }
    ++received_;
    return true;
}

void ReceiveStats::on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, long long now_ms) {
    if (!count(seq)) return;
    // Interarrival jitter (§A.8) in timestamp units; 32-bit modular arithmetic absorbs wraps.
    const std::uint32_t arrival = std::uint32_t(std::uint64_t(now_ms) * clock_rate_ / 1000);
    const std::uint32_t transit = arrival - rtp_timestamp;
    if (have_transit_) {
        const std::int32_t d = std::int32_t(transit - transit_);
        const std::uint64_t ad = d < 0 ? std::uint64_t(-std::int64_t(d)) : std::uint64_t(d);
        jitter_q4_ = jitter_q4_ + ad - ((jitter_q4_ + 8) >> 4);
    }
    transit_ = transit;
    have_transit_ = true;
}

void ReceiveStats::on_sender_report(const SenderReport& sr, long long now_ms) {
    have_sr_ = true;
    lsr_ = std::uint32_t(sr.ntp >> 16);
    sr_received_ms_ = now_ms;
}

std::int64_t ReceiveStats::expected() const {
    if (!started_) return 0;
    return std::int64_t(extended_highest_seq()) - std::int64_t(base_seq_) + 1;
}

ReportBlock ReceiveStats::report(long long now_ms) {
    ReportBlock b;
    b.ssrc = ssrc_;
    b.extended_highest_seq = extended_highest_seq();
    const std::int64_t exp = expected();
    b.cumulative_lost = std::int32_t(std::clamp<std::int64_t>(lost(), -0x800000, 0x7FFFFF));
    const std::int64_t expected_interval = exp - expected_prior_;
    const std::int64_t received_interval = std::int64_t(received_ - received_prior_);
    const std::int64_t lost_interval = expected_interval - received_interval;
    expected_prior_ = exp;
    received_prior_ = received_;
    if (expected_interval > 0 && lost_interval > 0)
        b.fraction_lost =
            std::uint8_t(std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
    b.jitter = jitter();
    if (have_sr_) {
        b.lsr = lsr_;
        // Clamped first so the scaling cannot overflow (the field saturates after ~18 h anyway).
        const long long delay = std::clamp(now_ms - sr_received_ms_, 0LL, 100'000'000LL);
        b.dlsr = std::uint32_t(std::min<long long>(delay * 65536 / 1000, 0xFFFFFFFFLL));
    }
    return b;
}

}  // namespace webrtc
