// max_memory decisions: refuse from three quarters, close the largest private holders above it.
#include "server/memory_budget.h"

#include <algorithm>

namespace server {

std::vector<std::uint64_t> MemoryBudget::update(std::size_t shared,
                                                std::vector<SessionMemory> sessions) {
    shared_ = shared;
    total_ = shared;
    for (const auto& s : sessions) total_ += s.private_bytes;
    std::vector<std::uint64_t> close;
    if (limit_ == 0 || total_ <= limit_) return close;
    std::sort(sessions.begin(), sessions.end(), [](const SessionMemory& a, const SessionMemory& b) {
        return a.private_bytes > b.private_bytes;
    });
    std::size_t left = total_;
    for (const auto& s : sessions) {
        if (left <= limit_ || s.private_bytes < min_evict_) break;
        close.push_back(s.session);
        left -= s.private_bytes;
    }
    total_ = left;  // what remains once those are closed; the next sample tells the truth
    return close;
}

}  // namespace server
