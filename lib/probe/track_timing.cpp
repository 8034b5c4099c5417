// Timestamp bookkeeping of one track; see track_timing.h for what counts as gap, jump, reorder.
#include "probe/track_timing.h"

#include <algorithm>

namespace probe {

void TrackTiming::add(std::uint32_t timestamp, std::size_t bytes) {
    bytes_ += bytes;
    if (frames_++ == 0) {
        prev_raw_ = timestamp;
        first_ = last_ = min_ = max_ = timestamp;
        return;
    }
    // Modulo-2^32 difference read as signed: wrap-around is a small forward step.
    std::int64_t delta = std::int32_t(timestamp - prev_raw_);
    prev_raw_ = timestamp;
    last_ += delta;
    min_ = std::min(min_, last_);
    max_ = std::max(max_, last_);
    std::int64_t magnitude = delta < 0 ? -delta : delta;
    if (magnitude > std::int64_t(t_.jump_ms)) {
        ++jumps_;
    } else if (delta < 0) {
        ++reorderings_;
    } else if (usual_ > 0 && delta >= std::int64_t(t_.gap_min_ms) &&
               double(delta) > t_.gap_factor * usual_) {
        ++gaps_;
        largest_gap_ = std::max(largest_gap_, delta);
    } else if (delta > 0) {
        // Regular deltas only: a gap must not raise what counts as usual.
        usual_ = usual_ == 0 ? double(delta) : usual_ * 0.9 + double(delta) * 0.1;
    }
}

double TrackTiming::span_ms() const {
    if (frames_ == 0) return 0;
    return double(max_ - min_) + usual_;
}

double TrackTiming::bitrate() const {
    double span = span_ms();
    return span > 0 ? double(bytes_) * 8.0 * 1000.0 / span : 0;
}

double TrackTiming::frame_rate() const {
    if (frames_ < 2 || max_ == min_) return 0;
    return double(frames_ - 1) * 1000.0 / double(max_ - min_);
}

}  // namespace probe
