// Logging to stderr for the tools: human lines by default, JSON lines for machines.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace net {

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class LogFormat { Human, Json };

bool parse_log_level(std::string_view name, LogLevel& out);

// Key/value fields of one log line; values are strings (numbers are formatted by the caller).
using LogFields = std::vector<std::pair<std::string, std::string>>;

class Logger {
public:
    void configure(LogLevel level, LogFormat format) {
        level_ = level;
        format_ = format;
    }
    bool enabled(LogLevel level) const { return level >= level_; }
    // Where finished lines go instead of stderr (the fuzzers check them); empty: stderr.
    void set_sink(std::function<void(std::string_view line)> sink) { sink_ = std::move(sink); }
    void log(LogLevel level, std::string_view message, const LogFields& fields = {});
    void debug(std::string_view m, const LogFields& f = {}) { log(LogLevel::Debug, m, f); }
    void info(std::string_view m, const LogFields& f = {}) { log(LogLevel::Info, m, f); }
    void warn(std::string_view m, const LogFields& f = {}) { log(LogLevel::Warn, m, f); }
    void error(std::string_view m, const LogFields& f = {}) { log(LogLevel::Error, m, f); }

private:
    LogLevel level_ = LogLevel::Info;
    LogFormat format_ = LogFormat::Human;
    std::function<void(std::string_view)> sink_;
};

Logger& logger();

// The wall clock as "2026-11-25T22:30:00.123Z" (UTC, milliseconds), as log lines carry it.
std::string now_iso8601();

}  // namespace net
