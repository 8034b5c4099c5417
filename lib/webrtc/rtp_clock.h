// RTP media time: unwrapping 32-bit timestamps to 64 bits and converting them to milliseconds,
// and the RFC 3550 §6.4.1 sender-report mapping that puts audio and video on one NTP clock.
#pragma once

#include <cstdint>
#include <optional>

namespace webrtc {

inline constexpr std::uint32_t kVideoClockRate = 90000;
inline constexpr std::uint32_t kOpusClockRate = 48000;
inline constexpr std::uint32_t kG711ClockRate = 8000;

// Unwraps the timestamps of one source. Each timestamp is placed nearest to the highest seen
// so far (within ±2^31 ticks), so the extended value keeps growing across wraps while a
// slightly reordered (older) timestamp lands just below, not 2^32 ahead.
class RtpTimeline {
  public:
    explicit RtpTimeline(std::uint32_t clock_rate);

    // The extended timestamp; the first one seen is its own value.
    std::int64_t unwrap(std::uint32_t rtp_timestamp);
    // Milliseconds since the first timestamp (negative for one reordered before it).
    long long to_ms(std::int64_t extended) const;
    // unwrap and to_ms in one.
    long long ms(std::uint32_t rtp_timestamp) { return to_ms(unwrap(rtp_timestamp)); }

    bool started() const { return started_; }
    std::uint32_t clock_rate() const { return clock_rate_; }

  private:
    std::uint32_t clock_rate_;
    bool started_ = false;
    std::int64_t first_ = 0;
    std::int64_t highest_ = 0;
};

// Converts a 32.32 NTP time to milliseconds.
long long ntp_to_ms(std::uint64_t ntp);

// Maps a source's RTP timestamps to NTP milliseconds once its sender has sent a report: the
// sender's wall clock is common to its audio and video, so both land on one timeline.
class SenderReportSync {
  public:
    explicit SenderReportSync(std::uint32_t clock_rate);

    void on_sender_report(std::uint64_t ntp, std::uint32_t rtp_timestamp);
    bool synced() const { return synced_; }
    // NTP time in ms of the sample at rtp_timestamp; nullopt before the first report. Valid
    // for timestamps within ±2^31 ticks of the last report (hours at 90 kHz).
    std::optional<long long> ntp_ms(std::uint32_t rtp_timestamp) const;

  private:
    std::uint32_t clock_rate_;
    bool synced_ = false;
    long long sr_ntp_ms_ = 0;
    std::uint32_t sr_rtp_ = 0;
};

}  // namespace webrtc
