#include "server/bitrate_history.h"

namespace server {

void BitrateHistory::sample(long long now_ms, std::uint64_t total_bytes) {
    if (!started_) {
        started_ = true;
        last_ms_ = now_ms;
        last_bytes_ = total_bytes;
        return;
    }
    const long long elapsed = now_ms - last_ms_;
    // Timers fire a little late or early: within a tenth of the interval counts as one.
    if (elapsed < kIntervalMs - kIntervalMs / 10) return;
    const std::uint64_t bytes = total_bytes >= last_bytes_ ? total_bytes - last_bytes_ : 0;
    samples_.push_back(bytes * 8 * 1000 / std::uint64_t(elapsed));
    if (samples_.size() > kSamples) samples_.pop_front();
    last_ms_ = now_ms;
    last_bytes_ = total_bytes;
}

std::uint64_t BitrateHistory::recent_bps(long long window_ms) const {
    std::size_t n = std::size_t(window_ms / kIntervalMs);
    if (n == 0) n = 1;
    if (n > samples_.size()) n = samples_.size();
    if (n == 0) return 0;
    std::uint64_t sum = 0;
    for (std::size_t i = samples_.size() - n; i < samples_.size(); ++i) sum += samples_[i];
    return sum / n;
}

}  // namespace server
