// Log line formatting: "2026-11-25T22:30:00.123Z INFO message key=value ..." or one JSON object.
#include "net/log.h"

#include <sys/time.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "util/text_escape.h"

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

// A log line shows a message and values from peers: each is escaped (no control byte reaches
// the terminal or splits the line) and capped (a 16 MiB command name is not a 16 MiB line).
constexpr std::size_t kMaxMessageBytes = 1024;

// Escapes a value for human lines; quotes it only when it would be ambiguous unquoted.
std::string human_value(const std::string& v) {
    std::string safe = util::escape_text(v, util::kMaxShownBytes);
    if (!safe.empty() && safe.find_first_of(" \"=") == std::string::npos) return safe;
    std::string quoted = "\"";
    for (char c : safe) {
        if (c == '"') quoted += '\\';
        quoted += c;
    }
    return quoted + '"';
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
        j["msg"] = util::json_safe(message, kMaxMessageBytes);
        for (const auto& [k, v] : fields) j[util::json_safe(k)] = util::json_safe(v);
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        line = now_iso8601() + " " + level_name(level) + " " +
               util::escape_text(message, kMaxMessageBytes);
        for (const auto& [k, v] : fields) line += " " + util::escape_text(k) + "=" + human_value(v);
    }
    line += '\n';
    if (sink_) return sink_(line);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

Logger& logger() {
    static Logger instance;
    return instance;
}

}  // namespace net
