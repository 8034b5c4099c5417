// RTP timestamp unwrapping and sender-report synchronisation.
#include "webrtc/rtp_clock.h"

namespace webrtc {
namespace {

// Floor division, so reordered timestamps before the origin round down consistently.
long long floor_div(long long a, long long b) {
    const long long q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// A zero clock rate would divide by zero; treat it as 1 Hz rather than crash.
std::uint32_t sane_rate(std::uint32_t rate) { return rate == 0 ? 1 : rate; }

}  // namespace

RtpTimeline::RtpTimeline(std::uint32_t clock_rate) : clock_rate_(sane_rate(clock_rate)) {}

std::int64_t RtpTimeline::unwrap(std::uint32_t rtp_timestamp) {
    if (!started_) {
        started_ = true;
        first_ = highest_ = rtp_timestamp;
        return highest_;
    }
    const std::int32_t delta = std::int32_t(rtp_timestamp - std::uint32_t(highest_));
    const std::int64_t extended = highest_ + delta;
    if (delta > 0) highest_ = extended;
    return extended;
}

long long RtpTimeline::to_ms(std::int64_t extended) const {
    return floor_div((extended - first_) * 1000, clock_rate_);
}

long long ntp_to_ms(std::uint64_t ntp) {
    const long long seconds = (long long)(ntp >> 32);
    const long long fraction_ms = (long long)(((ntp & 0xFFFFFFFFu) * 1000) >> 32);
    return seconds * 1000 + fraction_ms;
}

SenderReportSync::SenderReportSync(std::uint32_t clock_rate) : clock_rate_(sane_rate(clock_rate)) {}

void SenderReportSync::on_sender_report(std::uint64_t ntp, std::uint32_t rtp_timestamp) {
    synced_ = true;
    sr_ntp_ms_ = ntp_to_ms(ntp);
    sr_rtp_ = rtp_timestamp;
}

std::optional<long long> SenderReportSync::ntp_ms(std::uint32_t rtp_timestamp) const {
    if (!synced_) return std::nullopt;
    const std::int32_t delta = std::int32_t(rtp_timestamp - sr_rtp_);
    return sr_ntp_ms_ + floor_div((long long)delta * 1000, clock_rate_);
}

}  // namespace webrtc
