#include "util/utc_time.h"

#include <cstdio>
#include <ctime>

namespace util {

std::string utc_time(long long epoch_ms, const char* format) {
    const std::time_t secs = std::time_t(epoch_ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    const std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
    return std::string(buf, n);
}

std::string iso_time_ms(long long epoch_ms) {
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03dZ", int(epoch_ms % 1000));
    return utc_time(epoch_ms, "%Y-%m-%dT%H:%M:%S") + millis;
}

}  // namespace util
