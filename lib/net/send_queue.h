// A player's unsent output as a FIFO of segments: references to shared chunk buffers
// (serialize-once, send-many) and copies of the player's own bytes (replies, private headers).
// The glue writes it with one writev of the iovecs gather() fills and hands what the kernel took
// to consume(). The segments live in a ring that only ever grows, so a shared message costs no
// allocation per player (a libevent buffer allocates and frees a chain for each). Sans-IO.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/shared_buffer.h"
#include "util/bytes.h"

namespace net {

class SendQueue {
public:
    SendQueue() = default;
    ~SendQueue() { clear(); }
    SendQueue(const SendQueue&) = delete;
    SendQueue& operator=(const SendQueue&) = delete;

    // `bytes` from `offset` on, by reference (retained until sent or cleared).
    void append_shared(SharedBytes& bytes, std::size_t offset = 0);
    // A copy of `bytes`; small copies in a row share one segment.
    void append_copy(util::ByteView bytes);

    // Unsent bytes.
    std::size_t size() const { return bytes_; }
    bool empty() const { return bytes_ == 0; }
    // Fills up to `max` iovecs with the oldest unsent bytes; returns how many it filled.
    int gather(iovec* out, int max) const;
    // The first `n` bytes were sent (n <= size()).
    void consume(std::size_t n);
    // Drops everything unsent.
    void clear();

private:
    struct Segment {
        SharedBytes* shared;  // or nullptr: the bytes are `owned`
        util::Bytes* owned;
        std::uint32_t begin, end;  // the unsent part of the bytes
    };
    // A copy segment still open for more bytes up to this size (one writev entry, not many).
    static constexpr std::size_t kCopyMerge = 4096;

    Segment& at(std::size_t i) { return ring_[(head_ + i) & (ring_.size() - 1)]; }
    const Segment& at(std::size_t i) const { return ring_[(head_ + i) & (ring_.size() - 1)]; }
    void push(const Segment& s);
    static void release(Segment& s);

    std::vector<Segment> ring_;  // size a power of two, or 0
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    std::size_t bytes_ = 0;
};

}  // namespace net
