// Epoch milliseconds as UTC text, in a strftime format (the API's ISO 8601 times, recording
// file names' {startTime}).
#pragma once

#include <string>

namespace util {

// `format` is strftime's.
std::string utc_time(long long epoch_ms, const char* format);
// "2026-12-02T00:30:00.123Z"
std::string iso_time_ms(long long epoch_ms);

}  // namespace util
