// Timestamp checks for one track (audio or video) of a received stream: counts, the span of
// media time, and the irregularities: gaps (a delta well above the usual one), jumps (a leap of
// more than a threshold, either way) and reorderings (a small step back). Sans-IO.
#pragma once

#include <cstdint>

namespace probe {

struct TimingThresholds {
    std::uint32_t jump_ms = 5000;  // a delta beyond this (forward or back) is a jump
    std::uint32_t gap_min_ms = 100;  // a gap is at least this long ...
    double gap_factor = 3.0;         // ... and this many times the usual delta
};

class TrackTiming {
public:
    explicit TrackTiming(TimingThresholds t = {}) : t_(t) {}

    // One frame's timestamp (milliseconds modulo 2^32) and payload size.
    void add(std::uint32_t timestamp, std::size_t bytes);

    std::uint64_t frames() const { return frames_; }
    std::uint64_t bytes() const { return bytes_; }
    // Unwrapped timestamps: the first is the raw value, later ones follow the 32-bit deltas.
    std::int64_t first_ts() const { return first_; }
    std::int64_t last_ts() const { return last_; }
    std::int64_t min_ts() const { return min_; }
    std::int64_t max_ts() const { return max_; }
    // max - min plus one usual frame interval, the media time the frames cover.
    double span_ms() const;
    double usual_delta_ms() const { return usual_; }
    std::uint64_t gaps() const { return gaps_; }
    std::uint64_t jumps() const { return jumps_; }
    std::uint64_t reorderings() const { return reorderings_; }
    std::int64_t largest_gap_ms() const { return largest_gap_; }
    // Bits per second over span_ms(); 0 when the span is empty.
    double bitrate() const;
    // (frames - 1) per second over max - min; 0 with fewer than two timestamps apart.
    double frame_rate() const;

private:
    TimingThresholds t_;
    std::uint64_t frames_ = 0, bytes_ = 0;
    std::uint32_t prev_raw_ = 0;
    std::int64_t first_ = 0, last_ = 0, min_ = 0, max_ = 0;
    double usual_ = 0;  // moving average of the regular deltas
    std::uint64_t gaps_ = 0, jumps_ = 0, reorderings_ = 0;
    std::int64_t largest_gap_ = 0;
};

}  // namespace probe
