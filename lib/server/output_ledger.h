// Which of a session's unsent output bytes are its own (control replies, private copies) and
// which are references to shared chunk buffers (counted once, globally). The output buffer is a
// FIFO, so runs of each kind are recorded in order and consumed from the front as bytes are sent.
// Sans-IO, for the max_memory accounting.
#pragma once

#include <cstddef>
#include <deque>

namespace server {

class OutputLedger {
public:
    void appended(std::size_t bytes, bool shared) {
        if (bytes == 0) return;
        if (!shared) private_ += bytes;
        if (tail_.bytes > 0 && tail_.shared == shared) {
            tail_.bytes += bytes;
            return;
        }
        if (tail_.bytes > 0) older_.push_back(tail_);
        tail_ = Run{bytes, shared};
    }
    void sent(std::size_t bytes) {
        while (bytes > 0 && !older_.empty()) {
            Run& r = older_.front();
            bytes -= take(r, bytes);
            if (r.bytes == 0) older_.pop_front();
        }
        if (bytes > 0) take(tail_, bytes);
    }
    // Unsent bytes that are not shared references.
    std::size_t private_bytes() const { return private_; }

private:
    struct Run {
        std::size_t bytes;
        bool shared;
    };
    // Sends up to `bytes` of `r`; returns how many.
    std::size_t take(Run& r, std::size_t bytes) {
        const std::size_t n = bytes < r.bytes ? bytes : r.bytes;
        r.bytes -= n;
        if (!r.shared) private_ -= n;
        return n;
    }
    // The newest run lives here, not in the deque: a player that keeps up appends shared media to
    // it message after message, and a deque node elsewhere on the heap cost a cache miss each.
    Run tail_{0, true};
    std::deque<Run> older_;  // runs before tail_, oldest first
    std::size_t private_ = 0;
};

}  // namespace server
