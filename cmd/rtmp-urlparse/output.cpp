// rtmp-urlparse output: JSON lines, key=value text, or one raw field.
#include <nlohmann/json.hpp>

#include "url/url_json.h"
#include "urlparse.h"

namespace urlparse {
namespace {

constexpr std::string_view kConnectPrefix = "connect_params.";
constexpr std::string_view kStreamPrefix = "stream_params.";

nlohmann::ordered_json ordered(const url::RtmpUrl& parsed) {
    nlohmann::json plain = url::to_json(parsed);
    nlohmann::ordered_json out;
    for (std::string_view field : kFields) out[std::string(field)] = plain[std::string(field)];
    return out;
}

std::string dump(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string escape_text(std::string_view value) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f || c == '%') {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += ch;
        }
    }
    return out;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool is_field_name(std::string_view name) {
    for (std::string_view field : kFields) {
        if (name == field) return true;
    }
    return (starts_with(name, kConnectPrefix) && name.size() > kConnectPrefix.size()) ||
           (starts_with(name, kStreamPrefix) && name.size() > kStreamPrefix.size());
}

std::string format_json(const url::RtmpUrl& parsed) { return dump(ordered(parsed)) + "\n"; }

std::string format_text(const url::RtmpUrl& parsed) {
    std::string out;
    auto line = [&out](std::string_view key, std::string_view value) {
        out.append(key).append("=").append(escape_text(value)).append("\n");
    };
    line("scheme", parsed.scheme);
    line("host", parsed.host);
    line("port", std::to_string(parsed.port));
    line("app", parsed.app);
    line("tcUrl", parsed.tc_url);
    line("stream", parsed.stream);
    for (const auto& [key, value] : parsed.connect_params.items) {
        line(std::string(kConnectPrefix) + escape_text(key), value);
    }
    for (const auto& [key, value] : parsed.stream_params.items) {
        line(std::string(kStreamPrefix) + escape_text(key), value);
    }
    return out;
}

std::string format_field(const url::RtmpUrl& parsed, std::string_view name) {
    if (starts_with(name, kConnectPrefix) || starts_with(name, kStreamPrefix)) {
        bool connect = starts_with(name, kConnectPrefix);
        const url::Params& params = connect ? parsed.connect_params : parsed.stream_params;
        const std::string* value =
            params.get(name.substr(connect ? kConnectPrefix.size() : kStreamPrefix.size()));
        return (value ? *value : std::string()) + "\n";
    }
    const auto all = ordered(parsed);
    const auto& value = all.at(std::string(name));
    return (value.is_string() ? value.get<std::string>() : dump(value)) + "\n";
}

}  // namespace urlparse
