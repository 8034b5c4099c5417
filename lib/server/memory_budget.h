// The global memory budget (max_memory) of buffered input and output. Sans-IO: the server samples
// what is held (shared chunk buffers once, each session's private bytes) and asks for decisions.
//
// From three quarters of the budget new sessions are refused, so the sessions already served keep
// some headroom; above the budget the sessions holding the most private bytes are closed until
// the estimate is back under it. Sessions with only a little private memory are never chosen:
// when shared buffers alone fill the budget, closing players would not give it back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace server {

struct SessionMemory {
    std::uint64_t session = 0;
    std::size_t private_bytes = 0;
};

class MemoryBudget {
public:
    // limit 0: no budget. Sessions below `min_evict` private bytes are never closed for it.
    explicit MemoryBudget(std::size_t limit = 0, std::size_t min_evict = 64 * 1024)
        : limit_(limit), min_evict_(min_evict) {}
    void set_limit(std::size_t limit) { limit_ = limit; }
    std::size_t limit() const { return limit_; }

    // A new sample: `shared` bytes of shared buffers, and every session's private bytes.
    // Returns the sessions to close, largest first.
    std::vector<std::uint64_t> update(std::size_t shared, std::vector<SessionMemory> sessions);

    // Whether a new session may start now (from the last sample).
    bool admit_new() const { return limit_ == 0 || total_ < refuse_threshold(); }
    std::size_t refuse_threshold() const { return limit_ - limit_ / 4; }
    std::size_t total() const { return total_; }
    std::size_t shared() const { return shared_; }

private:
    std::size_t limit_;
    std::size_t min_evict_;
    std::size_t total_ = 0;
    std::size_t shared_ = 0;
};

}  // namespace server
