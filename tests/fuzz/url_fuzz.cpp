// libFuzzer target for lib/url: full URLs and server-side parts must never crash, and what
// parses must be self-consistent (tcUrl reads back to the same connection, JSON dumps).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "url/rtmp_url.h"
#include "url/url_json.h"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    url::ParseOptions options;
    options.stream_params_as_connection = size > 0 && (data[0] & 1);
    options.require_stream = size > 0 && (data[0] & 2);

    auto parsed = url::parse_rtmp_url(input, options);
    if (parsed) {
        require(!parsed->app.empty() && !parsed->host.empty() && parsed->port != 0);
        require(!options.require_stream || !parsed->stream.empty());
        (void)url::to_json(*parsed).dump();  // throws (aborts) on invalid UTF-8
        auto back = url::from_server_parts(parsed->tc_url, "", "");
        require(back.ok());
        require(back->app == parsed->app && back->host == parsed->host &&
                back->port == parsed->port);
        auto requery = url::parse_query(parsed->stream_params.to_query());
        require(requery.ok() && *requery == parsed->stream_params);
    } else {
        require(!parsed.error().message.empty());
    }

    // Server side: split the input into tcUrl | app | name at the first two '|'.
    std::size_t a = input.find('|');
    std::size_t b = a == std::string_view::npos ? a : input.find('|', a + 1);
    if (b != std::string_view::npos) {
        auto server = url::from_server_parts(input.substr(0, a), input.substr(a + 1, b - a - 1),
                                             input.substr(b + 1), options);
        if (server) (void)url::to_json(*server).dump();
    }
    (void)url::parse_query(input);
    return 0;
}
