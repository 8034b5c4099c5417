// A stream's input bitrate over the last minutes: one sample per interval in a bounded ring, for
// the API and the status page's graph. Sans-IO: the server passes the time and the byte total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace server {

class BitrateHistory {
public:
    static constexpr long long kIntervalMs = 2000;
    static constexpr std::size_t kSamples = 150;  // five minutes

    // The byte total at `now_ms`; a sample is kept when an interval has passed since the last.
    void sample(long long now_ms, std::uint64_t total_bytes);
    // Bits per second over the last `window_ms` (whole samples), 0 before the first sample.
    std::uint64_t recent_bps(long long window_ms) const;
    // Oldest first.
    std::vector<std::uint64_t> bits_per_second() const { return {samples_.begin(), samples_.end()}; }

private:
    bool started_ = false;
    long long last_ms_ = 0;
    std::uint64_t last_bytes_ = 0;
    std::deque<std::uint64_t> samples_;
};

}  // namespace server
