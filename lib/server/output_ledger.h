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
        if (!runs_.empty() && runs_.back().shared == shared) runs_.back().bytes += bytes;
        else runs_.push_back({bytes, shared});
    }
    void sent(std::size_t bytes) {
        while (bytes > 0 && !runs_.empty()) {
            Run& r = runs_.front();
            const std::size_t n = bytes < r.bytes ? bytes : r.bytes;
            r.bytes -= n;
            bytes -= n;
            if (!r.shared) private_ -= n;
            if (r.bytes == 0) runs_.pop_front();
        }
    }
    // Unsent bytes that are not shared references.
    std::size_t private_bytes() const { return private_; }

private:
    struct Run {
        std::size_t bytes;
        bool shared;
    };
    std::deque<Run> runs_;
    std::size_t private_ = 0;
};

}  // namespace server
