// Milliseconds as the timeval libevent's timers and timeouts take.
#pragma once

#include <sys/time.h>

namespace net {

inline timeval to_timeval(long long ms) {
    return timeval{time_t(ms / 1000), suseconds_t((ms % 1000) * 1000)};
}

}  // namespace net
