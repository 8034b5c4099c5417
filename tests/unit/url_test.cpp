// lib/url: table-driven tests in the style of curl's lib1560.c: {input, expected fields, error}.
#include <boost/test/unit_test.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "url/rtmp_url.h"
#include "url/url_json.h"

namespace {

using url::UrlErrc;
using Items = std::vector<std::pair<std::string, std::string>>;

enum Flags : unsigned { kNone = 0, kAsConn = 1, kRequire = 2 };

struct Expect {
    std::string scheme, host;
    std::uint16_t port;
    std::string app, tc_url, stream;
    Items connect, stream_params;
};

struct Row {
    std::string input;
    unsigned flags;
    std::optional<UrlErrc> error;
    Expect want;
};

Row ok(std::string input, Expect want, unsigned flags = kNone) {
    return Row{std::move(input), flags, std::nullopt, std::move(want)};
}
Row bad(std::string input, UrlErrc error, unsigned flags = kNone) {
    return Row{std::move(input), flags, error, {}};
}

url::ParseOptions options(unsigned flags) {
    url::ParseOptions o;
    o.stream_params_as_connection = flags & kAsConn;
    o.require_stream = flags & kRequire;
    return o;
}

// Boost.Test builds a check's message even when the check passes: never touch error() then.
template <class R>
std::string error_text(const R& result) {
    return result.ok() ? std::string() : result.error().message;
}

std::string describe(const Items& items) {
    std::ostringstream out;
    for (const auto& [k, v] : items) out << '{' << k << '=' << v << '}';
    return out.str();
}

// Checks one parse result against a row; reports every mismatching field with the input.
void check_row(const std::string& label, const util::Result<url::RtmpUrl, UrlErrc>& got,
               const Row& row) {
    BOOST_TEST_CONTEXT(label) {
        if (row.error) {
            BOOST_TEST_REQUIRE(!got.ok(), "expected error " << url::errc_name(*row.error));
            BOOST_TEST(url::errc_name(got.error().code) == url::errc_name(*row.error));
            BOOST_TEST(!got.error().message.empty());
            return;
        }
        BOOST_TEST_REQUIRE(got.ok(), "unexpected error: " << error_text(got));
        const auto& u = *got;
        BOOST_TEST(u.scheme == row.want.scheme);
        BOOST_TEST(u.host == row.want.host);
        BOOST_TEST(u.port == row.want.port);
        BOOST_TEST(u.app == row.want.app);
        BOOST_TEST(u.tc_url == row.want.tc_url);
        BOOST_TEST(u.stream == row.want.stream);
        BOOST_TEST(describe(u.connect_params.items) == describe(row.want.connect));
        BOOST_TEST(describe(u.stream_params.items) == describe(row.want.stream_params));
    }
}

const std::vector<Row>& url_rows() {
    static const std::vector<Row> rows = {
        // Plain forms and default ports per scheme.
        ok("rtmp://host/live/stream",
           {"rtmp", "host", 1935, "live", "rtmp://host/live", "stream", {}, {}}),
        ok("rtmps://host/live/s", {"rtmps", "host", 443, "live", "rtmps://host/live", "s", {}, {}}),
        ok("rtmpt://host/live/s", {"rtmpt", "host", 80, "live", "rtmpt://host/live", "s", {}, {}}),
        ok("rtmpts://h/live/s", {"rtmpts", "h", 443, "live", "rtmpts://h/live", "s", {}, {}}),
        ok("rtmpe://h/live/s", {"rtmpe", "h", 1935, "live", "rtmpe://h/live", "s", {}, {}}),
        ok("rtmpte://h/live/s", {"rtmpte", "h", 80, "live", "rtmpte://h/live", "s", {}, {}}),
        ok("RTMP://Host.Example/live/s",
           {"rtmp", "Host.Example", 1935, "live", "rtmp://Host.Example/live", "s", {}, {}}),
        ok("rtmp://h.example.com:1935/live/stream-1_x~", {"rtmp",
                                                          "h.example.com",
                                                          1935,
                                                          "live",
                                                          "rtmp://h.example.com:1935/live",
                                                          "stream-1_x~",
                                                          {},
                                                          {}}),
        // The WCS form: connection query after the app, before the next '/'.
        ok("rtmp://host:1935/live?c1=v1&c2=v2/streamName?s1=v1&s2=v2",
           {"rtmp",
            "host",
            1935,
            "live",
            "rtmp://host:1935/live?c1=v1&c2=v2",
            "streamName",
            {{"c1", "v1"}, {"c2", "v2"}},
            {{"s1", "v1"}, {"s2", "v2"}}}),
        ok("rtmp://host/live?auth=key/test", {"rtmp",
                                              "host",
                                              1935,
                                              "live",
                                              "rtmp://host/live?auth=key",
                                              "test",
                                              {{"auth", "key"}},
                                              {}}),
        ok("rtmp://host/live/test?auth=key",
           {"rtmp", "host", 1935, "live", "rtmp://host/live", "test", {}, {{"auth", "key"}}}),
        // rtmp_use_stream_params_as_connection: stream parameters count for the connection too.
        ok("rtmp://host/live/test?auth=key",
           {"rtmp",
            "host",
            1935,
            "live",
            "rtmp://host/live",
            "test",
            {{"auth", "key"}},
            {{"auth", "key"}}},
           kAsConn),
        ok("rtmp://h/live?a=1/s?b=2",
           {"rtmp",
            "h",
            1935,
            "live",
            "rtmp://h/live?a=1",
            "s",
            {{"a", "1"}, {"b", "2"}},
            {{"b", "2"}}},
           kAsConn),
        ok("rtmp://h/live?a=1?b=2/s",
           {"rtmp", "h", 1935, "live", "rtmp://h/live?a=1?b=2", "s", {{"a", "1?b=2"}}, {}}),
        // ffmpeg's split: at most two segments of app, ':' before the third '/' keeps one.
        ok("rtmp://h/a/b/c", {"rtmp", "h", 1935, "a/b", "rtmp://h/a/b", "c", {}, {}}),
        ok("rtmp://h/a/b/c/d", {"rtmp", "h", 1935, "a/b", "rtmp://h/a/b", "c/d", {}, {}}),
        ok("rtmp://h/app/inst/s?x=1",
           {"rtmp", "h", 1935, "app/inst", "rtmp://h/app/inst", "s", {}, {{"x", "1"}}}),
        ok("rtmp://h/vod/mp4:dir/file",
           {"rtmp", "h", 1935, "vod", "rtmp://h/vod", "mp4:dir/file", {}, {}}),
        // ...and '/' in a stream query moves the split, exactly as ffmpeg does.
        ok("rtmp://h/live/s?token=x/y",
           {"rtmp", "h", 1935, "live/s", "rtmp://h/live/s?token=x", "y", {{"token", "x"}}, {}}),
        // ffmpeg's renaming of the stream name.
        ok("rtmp://h/vod/file.mp4",
           {"rtmp", "h", 1935, "vod", "rtmp://h/vod", "mp4:file.mp4", {}, {}}),
        ok("rtmp://h/vod/file.f4v",
           {"rtmp", "h", 1935, "vod", "rtmp://h/vod", "mp4:file.f4v", {}, {}}),
        ok("rtmp://h/vod/mp4:file.mp4",
           {"rtmp", "h", 1935, "vod", "rtmp://h/vod", "mp4:file.mp4", {}, {}}),
        ok("rtmp://h/vod/file.flv", {"rtmp", "h", 1935, "vod", "rtmp://h/vod", "file", {}, {}}),
        ok("rtmp://h/live/x.flv?a=1",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "x.flv", {}, {{"a", "1"}}}),
        ok("rtmp://h/live/x.mp4?a=1",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "x.mp4", {}, {{"a", "1"}}}),
        ok("rtmp://h/live/.flv", {"rtmp", "h", 1935, "live", "rtmp://h/live", ".flv", {}, {}}),
        // App and stream are kept verbatim (no percent-decoding), UTF-8 allowed.
        ok("rtmp://h/live/s%20x", {"rtmp", "h", 1935, "live", "rtmp://h/live", "s%20x", {}, {}}),
        ok("rtmp://h/li%zzve/s", {"rtmp", "h", 1935, "li%zzve", "rtmp://h/li%zzve", "s", {}, {}}),
        ok("rtmp://h/live/caf\xc3\xa9",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "caf\xc3\xa9", {}, {}}),
        // No stream, empty stream.
        ok("rtmp://h/live", {"rtmp", "h", 1935, "live", "rtmp://h/live", "", {}, {}}),
        ok("rtmp://h/live/", {"rtmp", "h", 1935, "live", "rtmp://h/live", "", {}, {}}),
        bad("rtmp://h/live", UrlErrc::EmptyStream, kRequire),
        bad("rtmp://h/live/", UrlErrc::EmptyStream, kRequire),
        bad("rtmp://h/live/?k=v", UrlErrc::EmptyStream, kRequire),
        ok("rtmp://h/live/s", {"rtmp", "h", 1935, "live", "rtmp://h/live", "s", {}, {}}, kRequire),
        // IPv6 and ports.
        ok("rtmp://[::1]/live/s", {"rtmp", "::1", 1935, "live", "rtmp://[::1]/live", "s", {}, {}}),
        ok("rtmp://[::1]:1936/live/s",
           {"rtmp", "::1", 1936, "live", "rtmp://[::1]:1936/live", "s", {}, {}}),
        ok("rtmps://[2001:db8::7]/live/s",
           {"rtmps", "2001:db8::7", 443, "live", "rtmps://[2001:db8::7]/live", "s", {}, {}}),
        ok("rtmp://h:/live/s", {"rtmp", "h", 1935, "live", "rtmp://h/live", "s", {}, {}}),
        ok("rtmp://h:01935/live/s", {"rtmp", "h", 1935, "live", "rtmp://h:1935/live", "s", {}, {}}),
        ok("rtmp://h:65535/live/s",
           {"rtmp", "h", 65535, "live", "rtmp://h:65535/live", "s", {}, {}}),
        ok("rtmps://h:1/live/s", {"rtmps", "h", 1, "live", "rtmps://h:1/live", "s", {}, {}}),
        bad("rtmp://[::1/live/s", UrlErrc::BadHost),
        bad("rtmp://[::1]x/live/s", UrlErrc::BadHost),
        bad("rtmp://[host]/live/s", UrlErrc::BadHost),
        bad("rtmp://::1/live/s", UrlErrc::BadHost),
        bad("rtmp://h:99999/live/s", UrlErrc::BadPort),
        bad("rtmp://h:65536/live/s", UrlErrc::BadPort),
        bad("rtmp://h:0/live/s", UrlErrc::BadPort),
        bad("rtmp://h:abc/live/s", UrlErrc::BadPort),
        bad("rtmp://h:-1/live/s", UrlErrc::BadPort),
        bad("rtmp://h:123456/live/s", UrlErrc::BadPort),
        // Scheme and host.
        bad("host/live/s", UrlErrc::NoScheme),
        bad("//host/live/s", UrlErrc::NoScheme),
        bad("host:1935/live/s", UrlErrc::NoScheme),
        bad("", UrlErrc::NoScheme),
        bad("http://h/live/s", UrlErrc::BadScheme),
        bad("rtmpx://h/live/s", UrlErrc::BadScheme),
        bad("rtmp:///live/s", UrlErrc::EmptyHost),
        bad("rtmp://:1935/live/s", UrlErrc::EmptyHost),
        bad("rtmp://user:pw@h/live/s", UrlErrc::BadHost),
        bad("rtmp://h!/live/s", UrlErrc::BadHost),
        // No app.
        bad("rtmp://h", UrlErrc::EmptyApp),
        bad("rtmp://h/", UrlErrc::EmptyApp),
        bad("rtmp://h//s", UrlErrc::EmptyApp),
        bad("rtmp://h/?x=1/s", UrlErrc::EmptyApp),
        bad("rtmp://h?x=1", UrlErrc::EmptyApp),
        // Queries: decoding, repeated keys, empty values, '+' kept.
        ok("rtmp://h/live/s?k=a%20b&k2=%E2%82%AC", {"rtmp",
                                                    "h",
                                                    1935,
                                                    "live",
                                                    "rtmp://h/live",
                                                    "s",
                                                    {},
                                                    {{"k", "a b"}, {"k2", "\xe2\x82\xac"}}}),
        ok("rtmp://h/live/s?a=1&a=2",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "s", {}, {{"a", "1"}, {"a", "2"}}}),
        ok("rtmp://h/live/s?a&b=&=c", {"rtmp",
                                       "h",
                                       1935,
                                       "live",
                                       "rtmp://h/live",
                                       "s",
                                       {},
                                       {{"a", ""}, {"b", ""}, {"", "c"}}}),
        ok("rtmp://h/live/s?a=1&&b=2&",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "s", {}, {{"a", "1"}, {"b", "2"}}}),
        ok("rtmp://h/live/s?t=a+b",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "s", {}, {{"t", "a+b"}}}),
        ok("rtmp://h/live/s?key=a=b",
           {"rtmp", "h", 1935, "live", "rtmp://h/live", "s", {}, {{"key", "a=b"}}}),
        bad("rtmp://h/live/s?k=%zz", UrlErrc::BadPercentEncoding),
        bad("rtmp://h/live/s?k=%4", UrlErrc::BadPercentEncoding),
        bad("rtmp://h/live/s?k=%00", UrlErrc::BadPercentEncoding),
        bad("rtmp://h/live?k=%/s", UrlErrc::BadPercentEncoding),
        bad("rtmp://h/live/s?k=%FF", UrlErrc::BadCharacter),
        // Characters and length.
        bad("rtmp://h/live/my stream", UrlErrc::BadCharacter),
        bad("rtmp://h/live/s\n", UrlErrc::BadCharacter),
        bad("rtmp://h/live/s\x7f", UrlErrc::BadCharacter),
        bad("rtmp://h/live/\xff", UrlErrc::BadCharacter),
        bad("rtmp://h/live/" + std::string(url::kMaxUrlLength, 'a'), UrlErrc::TooLong),
    };
    return rows;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(rtmp_url)

BOOST_AUTO_TEST_CASE(url_table) {
    BOOST_TEST(url_rows().size() >= 40u);
    for (const auto& row : url_rows()) {
        check_row("url '" + row.input + "' flags " + std::to_string(row.flags),
                  url::parse_rtmp_url(row.input, options(row.flags)), row);
    }
}

// The server receives the tcUrl and the app of what a client parsed: reading them back must give
// the same connection (scheme, host, port, app, connection parameters).
BOOST_AUTO_TEST_CASE(client_split_reads_back_on_server_side) {
    for (const auto& row : url_rows()) {
        if (row.error || (row.flags & kAsConn)) continue;
        auto client = url::parse_rtmp_url(row.input);
        BOOST_TEST_REQUIRE(client.ok());
        auto server = url::from_server_parts(client->tc_url, "", "");
        BOOST_TEST_CONTEXT(row.input) {
            BOOST_TEST_REQUIRE(server.ok(), error_text(server));
            BOOST_TEST(server->scheme == client->scheme);
            BOOST_TEST(server->host == client->host);
            BOOST_TEST(server->port == client->port);
            BOOST_TEST(server->app == client->app);
            BOOST_TEST(describe(server->connect_params.items) ==
                       describe(client->connect_params.items));
        }
    }
}

struct ServerRow {
    std::string tc_url, app, name;
    unsigned flags;
    std::optional<UrlErrc> error;
    Expect want;
};

BOOST_AUTO_TEST_CASE(server_parts_table) {
    const std::vector<ServerRow> rows = {
        {"rtmp://host:1935/live?c1=v1&c2=v2",
         "live?c1=v1&c2=v2",
         "streamName?s1=v1&s2=v2",
         kNone,
         {},
         {"rtmp",
          "host",
          1935,
          "live",
          "rtmp://host:1935/live?c1=v1&c2=v2",
          "streamName",
          {{"c1", "v1"}, {"c2", "v2"}},
          {{"s1", "v1"}, {"s2", "v2"}}}},
        {"rtmp://host/live",
         "",
         "s",
         kNone,
         {},
         {"rtmp", "host", 1935, "live", "rtmp://host/live", "s", {}, {}}},
        // The app field wins over the tcUrl; the tcUrl's query is used only when the app has none.
        {"rtmp://host/live?a=1",
         "live",
         "s",
         kNone,
         {},
         {"rtmp", "host", 1935, "live", "rtmp://host/live?a=1", "s", {{"a", "1"}}, {}}},
        {"rtmp://host/live?a=1",
         "live?b=2",
         "s",
         kNone,
         {},
         {"rtmp", "host", 1935, "live", "rtmp://host/live?a=1", "s", {{"b", "2"}}, {}}},
        {"rtmp://host/other",
         "live",
         "s",
         kNone,
         {},
         {"rtmp", "host", 1935, "live", "rtmp://host/other", "s", {}, {}}},
        // The name is taken as sent: no .flv stripping, slashes kept.
        {"rtmp://host/a/b",
         "a/b",
         "c/d.flv",
         kNone,
         {},
         {"rtmp", "host", 1935, "a/b", "rtmp://host/a/b", "c/d.flv", {}, {}}},
        {"rtmp://host/live",
         "live",
         "test?auth=key",
         kAsConn,
         {},
         {"rtmp",
          "host",
          1935,
          "live",
          "rtmp://host/live",
          "test",
          {{"auth", "key"}},
          {{"auth", "key"}}}},
        {"rtmps://[::1]:8443/live",
         "live",
         "s",
         kNone,
         {},
         {"rtmps", "::1", 8443, "live", "rtmps://[::1]:8443/live", "s", {}, {}}},
        {"rtmp://host/live", "live", "", kRequire, UrlErrc::EmptyStream, {}},
        {"rtmp://host/live", "live", "?a=1", kRequire, UrlErrc::EmptyStream, {}},
        {"rtmp://host/live",
         "live",
         "",
         kNone,
         {},
         {"rtmp", "host", 1935, "live", "rtmp://host/live", "", {}, {}}},
        {"", "live", "s", kNone, UrlErrc::NoScheme, {}},
        {"rtmp://host", "", "s", kNone, UrlErrc::EmptyApp, {}},
        {"rtmp://host:0/live", "live", "s", kNone, UrlErrc::BadPort, {}},
        {"rtmp://host/live", "live", "bad name", kNone, UrlErrc::BadCharacter, {}},
        {"rtmp://host/live", "li\tve", "s", kNone, UrlErrc::BadCharacter, {}},
        {"rtmp://host/live", "live", "s?k=%G1", kNone, UrlErrc::BadPercentEncoding, {}},
    };
    for (const auto& r : rows) {
        Row row{r.tc_url + " | " + r.app + " | " + r.name, r.flags, r.error, r.want};
        check_row("server parts " + row.input,
                  url::from_server_parts(r.tc_url, r.app, r.name, options(r.flags)), row);
    }
}

BOOST_AUTO_TEST_CASE(query_table) {
    struct QueryRow {
        std::string query;
        std::optional<UrlErrc> error;
        Items want;
    };
    const std::vector<QueryRow> rows = {
        {"", {}, {}},
        {"a=1", {}, {{"a", "1"}}},
        {"a", {}, {{"a", ""}}},
        {"a=", {}, {{"a", ""}}},
        {"a=1&a=2", {}, {{"a", "1"}, {"a", "2"}}},
        {"%41=%42%43", {}, {{"A", "BC"}}},
        {"a%3Db=c%26d", {}, {{"a=b", "c&d"}}},
        {"a+b=c+d", {}, {{"a+b", "c+d"}}},
        {"&&", {}, {}},
        {"a==b", {}, {{"a", "=b"}}},
        {"x=%e2%82%ac", {}, {{"x", "\xe2\x82\xac"}}},
        {"a=%", UrlErrc::BadPercentEncoding, {}},
        {"a=%2", UrlErrc::BadPercentEncoding, {}},
        {"a=%g0", UrlErrc::BadPercentEncoding, {}},
        {"%00=a", UrlErrc::BadPercentEncoding, {}},
        {"a=%C0%80", UrlErrc::BadCharacter, {}},     // overlong NUL
        {"a=%ED%A0%80", UrlErrc::BadCharacter, {}},  // surrogate
        {"a=%E2%82", UrlErrc::BadCharacter, {}},     // truncated
    };
    for (const auto& row : rows) {
        BOOST_TEST_CONTEXT("query '" << row.query << "'") {
            auto got = url::parse_query(row.query);
            if (row.error) {
                BOOST_TEST_REQUIRE(!got.ok());
                BOOST_TEST(url::errc_name(got.error().code) == url::errc_name(*row.error));
            } else {
                BOOST_TEST_REQUIRE(got.ok(), error_text(got));
                BOOST_TEST(describe(got->items) == describe(row.want));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(too_many_params) {
    std::string query;
    for (std::size_t i = 0; i <= url::kMaxParams; ++i) query += "k" + std::to_string(i) + "=v&";
    auto got = url::parse_query(query);
    BOOST_TEST_REQUIRE(!got.ok());
    BOOST_TEST(url::errc_name(got.error().code) == "too_long");
    query.resize(query.rfind("k"));  // exactly kMaxParams
    BOOST_TEST(url::parse_query(query)->size() == url::kMaxParams);
}

BOOST_AUTO_TEST_CASE(params_get_last_wins_and_round_trips) {
    auto params = url::parse_query("a=1&b=x&a=2");
    BOOST_TEST_REQUIRE(params.ok());
    BOOST_TEST_REQUIRE(params->get("a") != nullptr);
    BOOST_TEST(*params->get("a") == "2");
    BOOST_TEST(params->get("c") == nullptr);
    BOOST_TEST(params->get_all("a") == (std::vector<std::string>{"1", "2"}));

    url::Params odd;
    odd.items = {{"a b", "c&d=e"}, {"\xe2\x82\xac", "%/?#"}, {"k", ""}, {"t", "a+b/c:d"}};
    BOOST_TEST(odd.to_query() == "a%20b=c%26d%3De&%E2%82%AC=%25/%3F%23&k=&t=a+b/c:d");
    auto back = url::parse_query(odd.to_query());
    BOOST_TEST_REQUIRE(back.ok());
    BOOST_TEST(describe(back->items) == describe(odd.items));
}

BOOST_AUTO_TEST_CASE(json_form) {
    auto u = url::parse_rtmp_url("rtmp://[::1]:1936/live?c=1/name?s=2&s=3");
    BOOST_TEST_REQUIRE(u.ok());
    auto want = nlohmann::json::parse(R"({"scheme":"rtmp","host":"::1","port":1936,"app":"live",
        "tcUrl":"rtmp://[::1]:1936/live?c=1","stream":"name",
        "connect_params":{"c":"1"},"stream_params":{"s":"3"}})");
    BOOST_TEST(url::to_json(*u) == want);
    BOOST_TEST(url::to_json(url::Params{}).dump() == "{}");
}

BOOST_AUTO_TEST_CASE(errc_names_are_distinct) {
    const UrlErrc all[] = {UrlErrc::NoScheme,     UrlErrc::BadScheme,
                           UrlErrc::EmptyHost,    UrlErrc::BadHost,
                           UrlErrc::BadPort,      UrlErrc::EmptyApp,
                           UrlErrc::EmptyStream,  UrlErrc::BadPercentEncoding,
                           UrlErrc::BadCharacter, UrlErrc::TooLong};
    std::vector<std::string_view> names;
    for (auto code : all) {
        BOOST_TEST(url::errc_name(code) != "unknown");
        for (auto seen : names) BOOST_TEST(seen != url::errc_name(code));
        names.push_back(url::errc_name(code));
    }
}

BOOST_AUTO_TEST_SUITE_END()
