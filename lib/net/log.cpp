// Log line formatting: "2026-11-25T22:30:00.123Z INFO message key=value ..." or one JSON object.
#include "net/log.h"

#include <sys/time.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace net {

namespace {
const char* level_name(LogLevel l) {
    switch (l) {
        case LogLevel::Debug: return "debug";
        case LogLevel::Info: return "info";
        case LogLevel::Warn: return "warn";
        case LogLevel::Error: return "error";
    }
    return "info";
}

}  // namespace

std::string now_iso8601() {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    tm t{};
    gmtime_r(&tv.tv_sec, &t);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", t.tm_year + 1900,
                  t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, int(tv.tv_usec / 1000));
    return buf;
}

namespace {

// Quotes a value for human lines only when it would be ambiguous unquoted.
std::string human_value(const std::string& v) {
    if (!v.empty() && v.find_first_of(" \"=\t\n") == std::string::npos) return v;
    return nlohmann::json(v).dump();
}
}  // namespace

bool parse_log_level(std::string_view name, LogLevel& out) {
    for (LogLevel l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
        if (name == level_name(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

void Logger::log(LogLevel level, std::string_view message, const LogFields& fields) {
    if (!enabled(level)) return;
    std::string line;
    if (format_ == LogFormat::Json) {
        nlohmann::json j;
        j["time"] = now_iso8601();
        j["level"] = level_name(level);
        j["msg"] = std::string(message);
        for (const auto& [k, v] : fields) j[k] = v;
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        line = now_iso8601() + " " + level_name(level) + " " + std::string(message);
        for (const auto& [k, v] : fields) line += " " + k + "=" + human_value(v);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

Logger& logger() {
    static Logger instance;
    return instance;
}

}  // namespace net
