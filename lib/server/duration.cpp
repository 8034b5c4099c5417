// Duration settings as text and back (config.h); apart from the table so that the sans-IO
// session (and its fuzz build) needs no YAML or CLI library.
#include <cmath>
#include <string>

#include "server/config.h"

namespace server {

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    const std::string t(text);
    std::size_t pos = 0;
    double value = 0;
    try {
        value = std::stod(t, &pos);
    } catch (...) {
        return std::nullopt;
    }
    const std::string unit = t.substr(pos);
    double scale = 1000;
    if (unit == "ms") scale = 1;
    else if (unit == "s" || unit.empty()) scale = 1000;
    else if (unit == "m") scale = 60000;
    else return std::nullopt;
    // A year is more than any timeout needs; beyond it a typo, not a setting.
    if (!(value >= 0) || !std::isfinite(value) || value * scale > 366.0 * 86400 * 1000)
        return std::nullopt;
    return Duration(static_cast<long long>(value * scale + 0.5));
}

std::string format_duration(Duration d) {
    const long long ms = d.count();
    if (ms == 0) return "0";
    if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

}  // namespace server
