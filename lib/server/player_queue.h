// Per-player output policy: bounds what waits in a player's socket buffer by bytes, by media
// time and by messages, and past the bounds drops whole messages by priority (disposable and
// inter frames first, then audio and keyframes), resuming video at the next keyframe. Headers
// are never dropped (a decoder needs them), so they are bounded differently: a header already
// waiting unsent is not queued twice (an unpause replays the same headers), and a player whose
// queue is past its byte bound, or holds too many unsent headers, is closed rather than grown.
// Sans-IO: the caller reports how many bytes are still unsent.
#pragma once

#include <cstdint>
#include <deque>

#include "server/media_message.h"

namespace server {

struct QueueLimits {
    std::size_t max_bytes = 8 << 20;
    std::uint32_t max_ms = 10000;
    // Messages waiting unsent: small messages cost libevent far more than their bytes.
    std::size_t max_messages = 16384;
    // Headers waiting unsent. A normal stream has at most three (metadata, audio, video) per
    // publisher; more means a publisher that marks frames as headers and a player behind it.
    std::size_t max_headers = 64;
};

enum class QueueDecision {
    Queue,  // send it
    Drop,   // not now (counted); video resumes at the next keyframe
    Skip,   // the same header is still waiting unsent: nothing to do
    Close,  // a header past the bounds: the player cannot keep up and must go
};

class PlayerQueue {
public:
    explicit PlayerQueue(QueueLimits limits = {}) : limits_(limits) {}

    // Between these two calls the player gets what a joiner gets at once (headers and the GOP
    // cache, up to `live_ts`, the stream's newest timestamp). That burst puts the player as far
    // behind live as the GOP is old, by design and before it could read a byte: it counts bytes,
    // but media time only from `live_ts` on, so that a player that keeps up is never dropped
    // from for the age of the GOP it joined in (a 10 s GOP would overrun a 10 s bound).
    void begin_replay(std::uint32_t live_ts) { replay_ts_ = live_ts; replaying_ = true; }
    void end_replay() { replaying_ = false; }
    // What to do with `m` now, with `unsent` bytes still waiting in the socket buffer.
    QueueDecision admit(const MediaMessage& m, std::size_t unsent);
    // Records a message of `bytes` queued at media time `ts` (media; see queued_header).
    void queued(std::size_t bytes, std::uint32_t ts);
    // Records header `m` (bytes, no media time), so that a replay of it can be skipped.
    void queued_header(std::size_t bytes, const MediaMessage& m);
    // Records bytes that are not media (control replies): they move the sent position only.
    void queued_other(std::size_t bytes) { enqueued_total_ += bytes; }
    // Requires the next video to be a keyframe (start of play, resume after pause).
    void wait_for_keyframe() { waiting_keyframe_ = true; }
    bool waiting_for_keyframe() const { return waiting_keyframe_; }

    std::uint64_t dropped_messages() const { return dropped_; }
    std::uint64_t dropped_bytes() const { return dropped_bytes_; }
    // Media time between the oldest unsent message and the newest queued one.
    std::uint32_t queued_ms(std::size_t unsent);

private:
    static std::uint32_t span(std::uint32_t from, std::uint32_t to);
    void forget_sent(std::size_t unsent);
    QueueDecision drop(const MediaMessage& m);
    QueueDecision admit_header(const MediaMessage& m, std::size_t unsent);

    QueueLimits limits_;
    bool waiting_keyframe_ = true;
    std::uint64_t enqueued_total_ = 0;  // bytes ever queued
    struct Mark {
        std::uint64_t end;  // enqueued_total_ after this message
        std::uint32_t ts;
    };
    std::deque<Mark> marks_;
    struct HeaderMark {
        std::uint64_t end;
        std::uint64_t serial;  // MediaMessage::serial
    };
    std::deque<HeaderMark> headers_;
    std::uint32_t newest_ts_ = 0;
    bool replaying_ = false;
    std::uint32_t replay_ts_ = 0;
    // The media time a message counts for (see begin_replay).
    std::uint32_t counted_ts(std::uint32_t ts) const { return replaying_ ? replay_ts_ : ts; }
    std::uint64_t dropped_ = 0;
    std::uint64_t dropped_bytes_ = 0;
};

}  // namespace server
