// RTMP URL splitting: the app, stream name and their parameters exactly as a server receives them.
// One code path for the server (connect/publish/play fields), rtmp-probe and rtmp-urlparse.
//
// Rules (see docs/clients.md; modelled on ffmpeg's rtmpproto.c, which VLC also uses):
//  - URL = scheme://host[:port]/path. Schemes rtmp (1935), rtmps (443), rtmpt (80), rtmpe (1935),
//    rtmpts (443), rtmpte (80); case-insensitive, reported in lower case. IPv6 hosts are written
//    [::1]; `host` holds them without brackets. No user info (user@host): BadHost.
//  - The path (query included) splits like ffmpeg: `a` alone is the app (no stream);
//    `a/b` is app a, stream b; `a/b/c...` is app `a/b`, stream `c...` unless a ':' comes
//    before the third '/' (`vod/mp4:dir/f` is app vod, stream `mp4:dir/f`). '?' does NOT end a
//    segment, which is what makes the WCS form `live?c1=v1/name?s1=v1` give app `live?c1=v1`.
//  - ffmpeg's renaming of the stream: a name (query included) ending in .flv loses it; one
//    ending in .mp4/.f4v without any ':' gets an `mp4:` prefix. `stream` holds the result.
//  - The app and the stream then split at their first '?': before is `app`/`stream` (kept
//    verbatim, no percent-decoding, as routing keys must match what clients send), after is the
//    connection/stream query, parsed by parse_query.
//  - `tc_url` is what a client sends: scheme://host[:port]/app-with-query, the port only when the
//    URL names one (librtmp and OBS do this; ffmpeg always adds it).
//  - Not modelled: ffmpeg's `slist=` and `/ondemand/` special cases, librtmp's space-separated
//    options, librtmp's percent-decoding of the playpath.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace url {

enum class UrlErrc {
    NoScheme,            // no "scheme://" prefix
    BadScheme,           // a scheme that is not one of the RTMP ones
    EmptyHost,           // "rtmp:///live", "rtmp://:1935/live"
    BadHost,             // bad characters, unclosed '[', user info
    BadPort,             // not digits, 0, above 65535
    EmptyApp,            // no app, or only a query where the app should be
    EmptyStream,         // ParseOptions::require_stream and no stream name
    BadPercentEncoding,  // '%' not followed by two hex digits, or %00, in a query
    BadCharacter,        // a space or control character anywhere, or text that is not UTF-8
    TooLong,             // over kMaxUrlLength bytes or kMaxParams parameters
};

// Stable lower-case name of a code ("bad_port"), for logs, JSON and tests.
std::string_view errc_name(UrlErrc code);

inline constexpr std::size_t kMaxUrlLength = 4096;  // per input string
inline constexpr std::size_t kMaxParams = 128;      // per query

// Query parameters in the order given; repeated keys are kept.
struct Params {
    std::vector<std::pair<std::string, std::string>> items;

    // The value of the LAST item with this key (later values override), nullptr if absent.
    const std::string* get(std::string_view key) const;
    // Every value of this key, in order.
    std::vector<std::string> get_all(std::string_view key) const;
    bool empty() const { return items.empty(); }
    std::size_t size() const { return items.size(); }
    // Back to a query string: key=value joined by '&', percent-encoding what needs it.
    std::string to_query() const;

    bool operator==(const Params&) const = default;
};

// Parses "k1=v1&k2=&k3" (no leading '?'). Keys and values are percent-decoded; '+' stays '+'
// (RTMP clients do not form-encode, and tokens are often base64 with '+' in them). A piece
// without '=' is a key with an empty value; empty pieces ("a=1&&b=2") are skipped.
util::Result<Params, UrlErrc> parse_query(std::string_view query);

// Percent-decodes one string (no '+' handling). Fails on a bad escape or %00, and with
// BadCharacter when the result is not UTF-8 (it would end up in JSON hook payloads).
util::Result<std::string, UrlErrc> percent_decode(std::string_view text);

struct ParseOptions {
    // The server's rtmp_use_stream_params_as_connection: stream parameters are appended to
    // the connection parameters too (so a stream parameter wins over a connection one in get()).
    bool stream_params_as_connection = false;
    // Fail with EmptyStream when there is no stream name (publish/play need one).
    bool require_stream = false;
};

struct RtmpUrl {
    std::string scheme;  // lower case: rtmp, rtmps, rtmpt, ...
    std::string host;    // IPv6 without brackets
    std::uint16_t port = 0;
    bool port_given = false;  // the URL named the port explicitly
    std::string app;          // without its query
    std::string tc_url;       // as a client sends it in connect
    std::string stream;       // without its query, after the client's renaming; may be empty
    Params connect_params;
    Params stream_params;

    bool operator==(const RtmpUrl&) const = default;
};

// The default port of an RTMP scheme (lower case), 0 if the scheme is not an RTMP one.
std::uint16_t default_port(std::string_view scheme);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values > U+10FFFF).
bool is_utf8(std::string_view text);

// A full URL as a client (ffmpeg, VLC, OBS) is given it.
util::Result<RtmpUrl, UrlErrc> parse_rtmp_url(std::string_view url,
                                              const ParseOptions& options = {});

// What a server receives: tcUrl and app from connect, the name from publish/play (which may
// carry the stream query). An empty app_field takes the app from the tcUrl's path. The
// connection query comes from the app field, or from the tcUrl when the app field has none.
// tc_url is kept verbatim in the result; the stream name is not renamed.
util::Result<RtmpUrl, UrlErrc> from_server_parts(std::string_view tc_url,
                                                 std::string_view app_field,
                                                 std::string_view stream_name,
                                                 const ParseOptions& options = {});

}  // namespace url
