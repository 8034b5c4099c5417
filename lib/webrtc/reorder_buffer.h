// A small jitter buffer for one RTP source: releases packets in sequence order, waits a bounded
// time for a hole before skipping it (and says so), and lists the holes to NACK.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "util/bytes.h"

namespace webrtc {

struct ReorderOptions {
    long long max_wait_ms = 100;          // how long a hole holds back later packets
    std::size_t capacity = 512;           // packets held (the span from hole to newest)
    std::size_t max_bytes = 8 << 20;      // bytes held; past it the oldest hole is given up
    int max_nacks_per_seq = 3;            // NACKs sent for one missing seq, at most
    long long nack_interval_ms = 20;      // between NACKs of one seq (plus the RTT guess)
    std::size_t max_nacks_per_call = 64;  // seqs returned by one missing() call
    std::uint16_t reset_jump = 3000;      // a jump this far (twice in a row) restarts the stream
};

// Sequence order with 16-bit wrap-around (RFC 1982): true when a comes after b.
inline bool seq_newer(std::uint16_t a, std::uint16_t b) {
    return a != b && std::uint16_t(a - b) < 0x8000;
}

struct ReorderedPacket {
    std::uint16_t sequence = 0;
    util::Bytes packet;
    bool after_loss = false;  // one or more packets before this one were given up
};

class ReorderBuffer {
  public:
    enum class Push { accepted, duplicate, too_old, held_for_restart, restarted };

    explicit ReorderBuffer(ReorderOptions options = {});

    Push push(std::uint16_t seq, util::Bytes packet, long long now_ms);
    // Appends the packets that can go now, in sequence order.
    void pop_ready(long long now_ms, std::vector<ReorderedPacket>& out);
    // The missing seqs to NACK now (oldest first); each call records them as sent.
    std::vector<std::uint16_t> missing(long long now_ms);

    // The round-trip time guess added to the spacing between NACKs of one seq.
    void set_rtt_ms(long long rtt_ms) { rtt_ms_ = rtt_ms < 0 ? 0 : rtt_ms; }
    // When pop_ready would next skip a hole (for the caller's timer); nullopt without a hole.
    std::optional<long long> next_skip_ms() const;

    std::size_t held_packets() const { return held_.size() + flushed_.size(); }
    std::size_t held_bytes() const { return held_bytes_; }
    std::uint64_t skipped() const { return skipped_; }  // seqs given up

  private:
    struct Hole {
        long long since_ms = 0;  // when a later packet showed it missing
        int nacks = 0;
        long long last_nack_ms = 0;
    };

    std::int64_t extend(std::uint16_t seq) const;
    void start(std::uint16_t seq);
    Push insert(std::int64_t ext, util::Bytes packet, long long now_ms);
    void shed();                           // keeps the bytes held within max_bytes
    void advance_to(std::int64_t target);  // gives up everything before target
    void queue_flushed(ReorderedPacket p);

    ReorderOptions options_;
    bool started_ = false;
    std::int64_t next_ = 0;  // extended seq of the next packet to release
    std::int64_t end_ = 0;   // one past the newest extended seq seen
    std::map<std::int64_t, util::Bytes> held_;
    std::size_t held_bytes_ = 0;           // of held_ and flushed_
    std::map<std::int64_t, Hole> holes_;   // exactly the missing seqs in [next_, end_)
    std::deque<ReorderedPacket> flushed_;  // released by skip-ahead, waiting for pop_ready
    bool loss_pending_ = false;
    std::optional<std::uint16_t> restart_seq_;  // the seq expected after a big jump
    std::optional<ReorderedPacket> restart_packet_;
    long long rtt_ms_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace webrtc
