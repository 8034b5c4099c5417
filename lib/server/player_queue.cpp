// Drop policy of a player's output (see player_queue.h).
#include "server/player_queue.h"

#include <algorithm>

namespace server {

void PlayerQueue::forget_sent(std::size_t unsent) {
    if (unsent == 0) {  // all sent: the common case for a player that keeps up
        marks_.clear();
        headers_.clear();
        return;
    }
    const std::uint64_t sent = enqueued_total_ - std::min<std::uint64_t>(unsent, enqueued_total_);
    while (!marks_.empty() && marks_.front().end <= sent) marks_.pop_front();
    while (!headers_.empty() && headers_.front().end <= sent) headers_.pop_front();
}

std::uint32_t PlayerQueue::queued_ms(std::size_t unsent) {
    forget_sent(unsent);
    if (marks_.empty()) return 0;
    return span(marks_.front().ts, newest_ts_);
}

QueueDecision PlayerQueue::drop(const MediaMessage& m) {
    ++dropped_;
    dropped_bytes_ += m.payload.size();
    if (m.is_video()) waiting_keyframe_ = true;
    return QueueDecision::Drop;
}

QueueDecision PlayerQueue::admit_header(const MediaMessage& m, std::size_t unsent) {
    if (m.serial != 0 && std::any_of(headers_.begin(), headers_.end(),
                                     [&](const HeaderMark& h) { return h.serial == m.serial; }))
        return QueueDecision::Skip;
    // A header cannot be dropped without breaking the decoder after it, and it cannot wait
    // without growing the queue past its bound: the player goes.
    if (unsent > limits_.max_bytes || headers_.size() >= limits_.max_headers)
        return QueueDecision::Close;
    return QueueDecision::Queue;
}

QueueDecision PlayerQueue::admit(const MediaMessage& m, std::size_t unsent) {
    forget_sent(unsent);
    if (m.is_header()) return admit_header(m, unsent);
    if (m.kind == MediaKind::Video && waiting_keyframe_ && !m.keyframe) return drop(m);
    // Media time the queue would hold with this message in it.
    const std::uint32_t ms = marks_.empty() ? 0 : span(marks_.front().ts, counted_ts(m.timestamp));
    const std::size_t n = marks_.size();
    const bool full = unsent > limits_.max_bytes || ms > limits_.max_ms || n >= limits_.max_messages;
    const bool half = unsent > limits_.max_bytes / 2 || ms > limits_.max_ms / 2 ||
                      n >= limits_.max_messages / 2;
    const bool quarter = unsent > limits_.max_bytes / 4 || ms > limits_.max_ms / 4 ||
                         n >= limits_.max_messages / 4;
    if (m.kind == MediaKind::Video) {
        if (m.keyframe) {
            if (full) return drop(m);
            waiting_keyframe_ = false;
            return QueueDecision::Queue;
        }
        if (m.disposable ? quarter : half) return drop(m);
        return QueueDecision::Queue;
    }
    if (full) return drop(m);  // audio: kept until the queue is full
    return QueueDecision::Queue;
}

void PlayerQueue::queued(std::size_t bytes, std::uint32_t ts) {
    enqueued_total_ += bytes;
    newest_ts_ = counted_ts(ts);
    marks_.push_back(Mark{enqueued_total_, newest_ts_});
}

void PlayerQueue::queued_header(std::size_t bytes, const MediaMessage& m) {
    // Headers carry the timestamp of when they were first published, long ago for a player that
    // joins late: they take bytes but no media time.
    enqueued_total_ += bytes;
    headers_.push_back(HeaderMark{enqueued_total_, m.serial});
}

std::uint32_t PlayerQueue::span(std::uint32_t from, std::uint32_t to) {
    // Audio may run a little behind video: a later message with a smaller timestamp spans 0.
    const std::int32_t d = std::int32_t(to - from);
    return d > 0 ? std::uint32_t(d) : 0;
}

}  // namespace server
