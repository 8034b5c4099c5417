// The open-file limit rtmp-serve needs: one descriptor per connection plus some for listeners,
// hooks and logs. Raises the soft RLIMIT_NOFILE at start (the hard limit permitting).
#pragma once

#include <string>

namespace server {

struct FdLimitResult {
    long before = 0;   // soft limit found
    long after = 0;    // soft limit now
    long hard = 0;     // hard limit
    long wanted = 0;   // what max_connections needs
    std::string error; // why it could not be raised as far as wanted ("" when it was)
};

// Descriptors needed for `max_connections` sessions.
long fds_needed(long max_connections);
FdLimitResult raise_fd_limit(long wanted);

}  // namespace server
