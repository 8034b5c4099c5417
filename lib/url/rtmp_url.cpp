// Splitting RTMP URLs (client side) and connect/publish/play fields (server side) into RtmpUrl.
// The rules, and why, are in rtmp_url.h.
#include "url/rtmp_url.h"

#include <optional>

namespace url {
namespace {

using Error = util::Error<UrlErrc>;

Error fail(UrlErrc code, std::string message) { return Error{code, std::move(message)}; }

struct SchemeInfo {
    std::string_view name;
    std::uint16_t port;
};
constexpr SchemeInfo kSchemes[] = {{"rtmp", 1935},  {"rtmps", 443},  {"rtmpt", 80},
                                   {"rtmpe", 1935}, {"rtmpts", 443}, {"rtmpte", 80}};

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return is_digit(c) || (to_lower(c) >= 'a' && to_lower(c) <= 'f'); }

// Length cap and no spaces/control bytes: RTMP names travel in AMF strings and end up in logs,
// hook payloads and shell scripts, where such bytes only cause trouble.
std::optional<Error> check_text(std::string_view text, std::string_view what) {
    if (text.size() > kMaxUrlLength) {
        return fail(UrlErrc::TooLong, std::string(what) + " is longer than " +
                                          std::to_string(kMaxUrlLength) + " bytes");
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c <= 0x20 || c == 0x7f) {
            return fail(UrlErrc::BadCharacter, std::string(what) + " has a " +
                                                   (c == ' ' ? "space" : "control character") +
                                                   " at offset " + std::to_string(i));
        }
    }
    if (!is_utf8(text)) return fail(UrlErrc::BadCharacter, std::string(what) + " is not UTF-8");
    return std::nullopt;
}

struct Authority {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;
    bool port_given = false;
    bool ipv6 = false;
    std::string_view rest;  // from the first '/' or '?' after the host on, may be empty
};

util::Result<std::uint16_t, UrlErrc> parse_port(std::string_view digits) {
    bool all_digits = !digits.empty();
    for (char c : digits) all_digits = all_digits && is_digit(c);
    if (!all_digits || digits.size() > 5) {
        return fail(UrlErrc::BadPort, "bad port '" + std::string(digits) + "' (want 1-65535)");
    }
    unsigned value = 0;
    for (char c : digits) value = value * 10 + unsigned(c - '0');
    if (value == 0 || value > 65535) {
        return fail(UrlErrc::BadPort, "port " + std::to_string(value) + " is out of range 1-65535");
    }
    return std::uint16_t(value);
}

util::Result<Authority, UrlErrc> parse_authority(std::string_view url) {
    Authority out;
    std::size_t sep = url.find("://");
    std::string_view scheme = url.substr(0, sep);
    bool scheme_ok = sep != std::string_view::npos && !scheme.empty();
    for (char c : scheme)
        scheme_ok = scheme_ok && (is_alnum(c) || c == '+' || c == '-' || c == '.');
    if (!scheme_ok) return fail(UrlErrc::NoScheme, "no scheme (want rtmp://host/app/stream)");
    for (char c : scheme) out.scheme.push_back(to_lower(c));
    if (default_port(out.scheme) == 0) {
        return fail(UrlErrc::BadScheme,
                    "unsupported scheme '" + out.scheme + "' (want rtmp, rtmps or rtmpt)");
    }

    std::string_view rest = url.substr(sep + 3);
    std::size_t end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, end);
    out.rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    if (authority.find('@') != std::string_view::npos) {
        return fail(UrlErrc::BadHost, "user@ in the host part is not supported");
    }

    std::string_view host;
    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority[0] == '[') {
        std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return fail(UrlErrc::BadHost, "unclosed '[' in host");
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') {
            return fail(UrlErrc::BadHost, "unexpected text after ']' in host");
        }
        has_port = !after.empty();
        port = has_port ? after.substr(1) : std::string_view{};
        bool ok = host.find(':') != std::string_view::npos;
        for (char c : host) ok = ok && (is_hex(c) || c == ':' || c == '.');
        if (!ok) return fail(UrlErrc::BadHost, "bad IPv6 address '" + std::string(host) + "'");
        out.ipv6 = true;
    } else {
        std::size_t colon = authority.find(':');
        host = authority.substr(0, colon);
        has_port = colon != std::string_view::npos;
        port = has_port ? authority.substr(colon + 1) : std::string_view{};
        if (port.find(':') != std::string_view::npos) {
            return fail(UrlErrc::BadHost, "an IPv6 address must be written in brackets: [::1]");
        }
        for (char c : host) {
            if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~') {
                return fail(UrlErrc::BadHost, "bad character '" + std::string(1, c) + "' in host");
            }
        }
    }
    if (host.empty()) return fail(UrlErrc::EmptyHost, "empty host");
    out.host = std::string(host);

    // RFC 3986 allows an empty port ("host:/app"): it means the default, as curl reads it.
    out.port = default_port(out.scheme);
    if (has_port && !port.empty()) {
        auto number = parse_port(port);
        if (!number) return number.error();
        out.port = *number;
        out.port_given = true;
    }
    return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// ffmpeg (rtmp_open) renames what follows the app before sending it as the stream name.
std::string ffmpeg_stream_name(std::string_view fname) {
    bool longer = fname.size() > 4;
    if (longer && fname.find(':') == std::string_view::npos &&
        (ends_with(fname, ".f4v") || ends_with(fname, ".mp4"))) {
        return "mp4:" + std::string(fname);
    }
    if (longer && ends_with(fname, ".flv")) fname.remove_suffix(4);
    return std::string(fname);
}

std::pair<std::string_view, std::string_view> split_query(std::string_view text) {
    std::size_t q = text.find('?');
    if (q == std::string_view::npos) return {text, {}};
    return {text.substr(0, q), text.substr(q + 1)};
}

// The part both entry points share: app and stream (each possibly with a query) into fields.
// `fallback_query` is the connection query used when the app carries none.
util::Result<RtmpUrl, UrlErrc> finish(Authority authority, std::string_view app_raw,
                                      std::string_view stream_raw, std::string_view fallback_query,
                                      const ParseOptions& options) {
    RtmpUrl out;
    auto [app, app_query] = split_query(app_raw);
    if (app.empty()) return fail(UrlErrc::EmptyApp, "no app name (want rtmp://host/app/stream)");
    if (app_raw.find('?') == std::string_view::npos) app_query = fallback_query;
    auto connect_params = parse_query(app_query);
    if (!connect_params) return connect_params.error();

    auto [stream, stream_query] = split_query(stream_raw);
    if (options.require_stream && stream.empty()) {
        return fail(UrlErrc::EmptyStream, "no stream name (want rtmp://host/app/stream)");
    }
    auto stream_params = parse_query(stream_query);
    if (!stream_params) return stream_params.error();

    out.scheme = std::move(authority.scheme);
    out.host = std::move(authority.host);
    out.port = authority.port;
    out.port_given = authority.port_given;
    out.app = std::string(app);
    out.stream = std::string(stream);
    out.connect_params = std::move(*connect_params);
    out.stream_params = std::move(*stream_params);
    if (options.stream_params_as_connection) {
        for (const auto& item : out.stream_params.items) out.connect_params.items.push_back(item);
    }
    return out;
}

}  // namespace

std::string_view errc_name(UrlErrc code) {
    switch (code) {
        case UrlErrc::NoScheme:
            return "no_scheme";
        case UrlErrc::BadScheme:
            return "bad_scheme";
        case UrlErrc::EmptyHost:
            return "empty_host";
        case UrlErrc::BadHost:
            return "bad_host";
        case UrlErrc::BadPort:
            return "bad_port";
        case UrlErrc::EmptyApp:
            return "empty_app";
        case UrlErrc::EmptyStream:
            return "empty_stream";
        case UrlErrc::BadPercentEncoding:
            return "bad_percent_encoding";
        case UrlErrc::BadCharacter:
            return "bad_character";
        case UrlErrc::TooLong:
            return "too_long";
    }
    return "unknown";
}

std::uint16_t default_port(std::string_view scheme) {
    for (const auto& s : kSchemes) {
        if (s.name == scheme) return s.port;
    }
    return 0;
}

util::Result<RtmpUrl, UrlErrc> parse_rtmp_url(std::string_view url, const ParseOptions& options) {
    if (auto bad = check_text(url, "URL")) return *bad;
    auto authority = parse_authority(url);
    if (!authority) return authority.error();
    std::string_view path = authority->rest;

    // ffmpeg's split of the path; '?' is an ordinary character here (see rtmp_url.h).
    std::string_view app_raw;
    std::string_view fname;
    if (!path.empty() && path[0] == '/') {
        std::string_view next = path.substr(1);
        std::size_t p = next.find('/');
        if (p == std::string_view::npos) {
            app_raw = next;
        } else {
            std::string_view after = next.substr(p + 1);
            std::size_t colon = after.find(':');
            std::size_t slash = after.find('/');
            if (slash == std::string_view::npos ||
                (colon != std::string_view::npos && colon < slash)) {
                app_raw = next.substr(0, p);
                fname = after;
            } else {
                app_raw = next.substr(0, p + 1 + slash);
                fname = after.substr(slash + 1);
            }
        }
    }
    std::string stream_raw = ffmpeg_stream_name(fname);

    std::string tc_url = authority->scheme + "://";
    tc_url += authority->ipv6 ? "[" + authority->host + "]" : authority->host;
    if (authority->port_given) tc_url += ":" + std::to_string(authority->port);
    tc_url += "/";
    tc_url += app_raw;

    auto result = finish(std::move(*authority), app_raw, stream_raw, {}, options);
    if (result) result->tc_url = std::move(tc_url);
    return result;
}

util::Result<RtmpUrl, UrlErrc> from_server_parts(std::string_view tc_url,
                                                 std::string_view app_field,
                                                 std::string_view stream_name,
                                                 const ParseOptions& options) {
    if (auto bad = check_text(tc_url, "tcUrl")) return *bad;
    if (auto bad = check_text(app_field, "app")) return *bad;
    if (auto bad = check_text(stream_name, "stream name")) return *bad;
    auto authority = parse_authority(tc_url);
    if (!authority) return authority.error();

    std::string_view tc_app = authority->rest;
    if (!tc_app.empty() && tc_app[0] == '/') tc_app.remove_prefix(1);
    std::string_view app_raw = app_field.empty() ? tc_app : app_field;
    std::string_view tc_query = split_query(tc_app).second;

    auto result = finish(std::move(*authority), app_raw, stream_name, tc_query, options);
    if (result) result->tc_url = std::string(tc_url);
    return result;
}

}  // namespace url
