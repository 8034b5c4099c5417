// Drop policy of a player's output (see player_queue.h).
#include "server/player_queue.h"

namespace server {

void PlayerQueue::forget_sent(std::size_t unsent) {
    const std::uint64_t sent = enqueued_total_ - std::min<std::uint64_t>(unsent, enqueued_total_);
    while (!marks_.empty() && marks_.front().end <= sent) marks_.pop_front();
}

std::uint32_t PlayerQueue::queued_ms(std::size_t unsent) {
    forget_sent(unsent);
    if (marks_.empty()) return 0;
    return newest_ts_ - marks_.front().ts;  // modulo 2^32, like the timestamps
}

bool PlayerQueue::drop(const MediaMessage& m) {
    ++dropped_;
    dropped_bytes_ += m.payload.size();
    if (m.is_video()) waiting_keyframe_ = true;
    return false;
}

bool PlayerQueue::admit(const MediaMessage& m, std::size_t unsent) {
    if (m.is_header()) return true;
    if (m.kind == MediaKind::Video && waiting_keyframe_ && !m.keyframe) return drop(m);
    forget_sent(unsent);
    // Media time the queue would hold with this message in it.
    const std::uint32_t ms = marks_.empty() ? 0 : m.timestamp - marks_.front().ts;
    const bool full = unsent > limits_.max_bytes || ms > limits_.max_ms;
    const bool half = unsent > limits_.max_bytes / 2 || ms > limits_.max_ms / 2;
    const bool quarter = unsent > limits_.max_bytes / 4 || ms > limits_.max_ms / 4;
    if (m.kind == MediaKind::Video) {
        if (m.keyframe) {
            if (full) return drop(m);
            waiting_keyframe_ = false;
            return true;
        }
        if (m.disposable ? quarter : half) return drop(m);
        return true;
    }
    if (full) return drop(m);  // audio: kept until the queue is full
    return true;
}

void PlayerQueue::queued(std::size_t bytes, std::uint32_t ts) {
    enqueued_total_ += bytes;
    newest_ts_ = ts;
    marks_.push_back(Mark{enqueued_total_, ts});
}

}  // namespace server
