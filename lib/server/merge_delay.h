// How long player output waits to be merged into fewer, larger writes, from the load: with few
// players the bytes go out at the end of the loop turn; as more players have output in each
// period, the wait grows towards write_coalesce, where merging saves most of the system calls.
// Sans-IO: the server reports each flushed batch and asks for the next wait.
#pragma once

#include <cstddef>

namespace server {

class MergeDelay {
public:
    // Players with output in one period from which the whole write_coalesce is used: by then a
    // period of it saves a write per message per player, most of the serving cost (the kernel's
    // send path, tests/bench/README.md).
    static constexpr double kPlayersForFullMerge = 100;

    void set_limit(long long ms) { limit_ms_ = ms > 0 ? ms : 0; }
    long long limit_ms() const { return limit_ms_; }

    // The wait for a period that starts now; 0: at the end of this loop turn.
    long long next_ms() const;
    // A period ended with `players` flushed.
    void batch_done(std::size_t players);
    // The wait applied lately (smoothed), for the log and the API.
    double effective_ms() const { return effective_ms_; }

private:
    long long limit_ms_ = 0;
    double batch_ = 0;         // smoothed players per flush
    double effective_ms_ = 0;  // smoothed next_ms()
};

}  // namespace server
