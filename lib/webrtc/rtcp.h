// RTCP for a receiving endpoint: builders for the feedback we send (RR, PLI, FIR, generic NACK,
// REMB; plain RTCP, the caller encrypts) and a parser for the compound packets a sender sends.
#pragma once

#include <cstdint>
#include <span>
#include <variant>
#include <vector>

#include "util/bytes.h"
#include "webrtc/rtp_packet.h"

namespace webrtc {

inline constexpr std::uint8_t kRtcpSenderReport = 200;
inline constexpr std::uint8_t kRtcpReceiverReport = 201;
inline constexpr std::uint8_t kRtcpBye = 203;
inline constexpr std::uint8_t kRtcpTransportFeedback = 205;  // RTPFB (RFC 4585)
inline constexpr std::uint8_t kRtcpPayloadFeedback = 206;    // PSFB (RFC 4585)

// One RFC 3550 §6.4.1 report block.
struct ReportBlock {
    std::uint32_t ssrc = 0;            // the source this block is about
    std::uint8_t fraction_lost = 0;    // lost since the last report, in 1/256
    std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire (clamped)
    std::uint32_t extended_highest_seq = 0;
    std::uint32_t jitter = 0;  // in RTP timestamp units
    std::uint32_t lsr = 0;     // middle 32 bits of the last SR's NTP time
    std::uint32_t dlsr = 0;    // delay since that SR, in 1/65536 s
};

// Each builder appends one RTCP packet to `out`, so a compound packet is built by calling them
// in turn (RFC 3550 wants an RR first; RFC 5506 reduced-size feedback alone is also accepted).
void append_receiver_report(util::Bytes& out, std::uint32_t sender_ssrc, const ReportBlock* block);
void append_pli(util::Bytes& out, std::uint32_t sender_ssrc, std::uint32_t media_ssrc);
void append_fir(util::Bytes& out, std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                std::uint8_t seq_nr);
// Packs the seqs into PID/BLP pairs (a pair covers PID and the 16 seqs after it). Appends
// nothing for an empty list.
void append_nack(util::Bytes& out, std::uint32_t sender_ssrc, std::uint32_t media_ssrc,
                 std::span<const std::uint16_t> seqs);
// REMB (draft-alvestrand-rmcat-remb): at most 255 SSRCs are written.
void append_remb(util::Bytes& out, std::uint32_t sender_ssrc, std::uint64_t bitrate_bps,
                 std::span<const std::uint32_t> ssrcs);

struct SenderReport {
    std::uint32_t ssrc = 0;
    std::uint64_t ntp = 0;  // 32.32 fixed-point seconds since 1900
    std::uint32_t rtp_timestamp = 0;
    std::uint32_t packet_count = 0;
    std::uint32_t octet_count = 0;
    std::uint32_t ntp_seconds() const { return std::uint32_t(ntp >> 32); }
    std::uint32_t ntp_fraction() const { return std::uint32_t(ntp); }
};

struct Bye {
    std::vector<std::uint32_t> ssrcs;
};

using RtcpItem = std::variant<SenderReport, Bye>;

// Parses a compound RTCP packet. Packet types not listed in RtcpItem are skipped; any length
// that points past the end, a version other than 2 or a count that does not fit fails whole.
RtpResult<std::vector<RtcpItem>> parse_rtcp(util::ByteView compound);

// RFC 3550 §A.1 / §A.3 / §A.8 receive statistics of one source, giving its report block.
// Feed original media packets only (not RTX retransmissions, whose arrival time says nothing
// about jitter; count a recovered packet with on_recovered()).
class ReceiveStats {
  public:
    ReceiveStats(std::uint32_t ssrc, std::uint32_t clock_rate);

    void on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, long long now_ms);
    // A packet recovered by retransmission: received, but sent again late (no jitter sample).
    void on_recovered(std::uint16_t seq) { count(seq); }
    void on_sender_report(const SenderReport& sr, long long now_ms);

    // The report block as of now; resets the "since last report" interval (fraction lost).
    ReportBlock report(long long now_ms);

    bool started() const { return started_; }
    std::uint32_t extended_highest_seq() const { return cycles_ + max_seq_; }
    std::uint64_t received() const { return received_; }
    std::int64_t expected() const;
    std::int64_t lost() const { return expected() - std::int64_t(received_); }
    std::uint32_t jitter() const { return std::uint32_t(jitter_q4_ >> 4); }

  private:
    void restart(std::uint16_t seq);
    // Sequence bookkeeping (§A.1) and the received count; false: a stray packet, not counted.
    bool count(std::uint16_t seq);

    std::uint32_t ssrc_;
    std::uint32_t clock_rate_;
    bool started_ = false;
    std::uint16_t max_seq_ = 0;
    std::uint32_t cycles_ = 0;  // wraps of the sequence number, times 65536
    std::uint32_t base_seq_ = 0;
    std::uint32_t bad_seq_ = 0x10001;  // a seq one past a big jump; two in a row restart
    std::uint64_t received_ = 0;
    std::int64_t expected_prior_ = 0;
    std::uint64_t received_prior_ = 0;
    bool have_transit_ = false;
    std::uint32_t transit_ = 0;
    std::uint64_t jitter_q4_ = 0;  // jitter * 16, as RFC 3550 §A.8 keeps it
    bool have_sr_ = false;
    std::uint32_t lsr_ = 0;
    long long sr_received_ms_ = 0;
};

}  // namespace webrtc
