// This process's CPU, memory and descriptors from /proc, for /metrics' process_* series and the
// API's server object.
#pragma once

#include <cstdint>

namespace http {

struct ProcessStats {
    double cpu_seconds = 0;
    std::uint64_t resident_bytes = 0;
    std::uint64_t virtual_bytes = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;
    double start_time_seconds = 0;  // since the epoch
    bool valid = false;             // false when /proc could not be read
};

ProcessStats read_process_stats();

}  // namespace http
