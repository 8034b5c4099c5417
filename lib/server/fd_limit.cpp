// Raising the soft open-file limit to what max_connections needs.
#include "server/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace server {

long fds_needed(long max_connections) { return max_connections + 64; }

FdLimitResult raise_fd_limit(long wanted) {
    FdLimitResult r;
    r.wanted = wanted;
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        r.error = std::string("getrlimit: ") + std::strerror(errno);
        return r;
    }
    auto as_long = [](rlim_t v) { return v == RLIM_INFINITY ? 1L << 30 : long(v); };
    r.before = r.after = as_long(lim.rlim_cur);
    r.hard = as_long(lim.rlim_max);
    if (r.before >= wanted) return r;
    const long target = wanted < r.hard ? wanted : r.hard;
    lim.rlim_cur = rlim_t(target);
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
        r.error = std::string("setrlimit: ") + std::strerror(errno);
        return r;
    }
    r.after = target;
    if (target < wanted) r.error = "the hard limit is " + std::to_string(r.hard);
    return r;
}

}  // namespace server
