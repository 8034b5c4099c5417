// Monotonic timestamps for players (see the rule in timestamp_normalizer.h).
#include "server/timestamp_normalizer.h"

#include <algorithm>

namespace server {

std::uint32_t TimestampNormalizer::normalize(std::uint32_t in, Track track) {
    std::int64_t in64;
    if (!started_) {
        in64 = in;
    } else {
        // Unwrap: the signed 32-bit difference to the last input is the step.
        in64 = last_in64_ + std::int32_t(in - last_in_);
    }
    std::int64_t out = in64 + offset_;
    if (started_ && (rebase_next_ || out < max_out_ - kBackTolerance ||
                     out > max_out_ + kForwardJump)) {
        offset_ = max_out_ + 1 - in64;
        ++discontinuities_;
        out = max_out_ + 1;
    }
    rebase_next_ = false;
    started_ = true;
    last_in_ = in;
    last_in64_ = in64;
    std::int64_t& last = track_last_[int(track)];
    out = std::max(out, last);
    last = out;
    max_out_ = std::max(max_out_, out);
    return std::uint32_t(out);  // modulo 2^32, as the wire carries it
}

}  // namespace server
