#include "http/access.h"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

namespace http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// The host part of a Host header: without the port, without IPv6 brackets.
std::string host_part(std::string_view h) {
    if (!h.empty() && h.front() == '[') {
        auto close = h.find(']');
        if (close == std::string_view::npos) return {};
        return std::string(h.substr(1, close - 1));
    }
    auto colon = h.find(':');
    return std::string(h.substr(0, colon));
}

bool token_matches(const std::string* authorization, std::string_view token) {
    if (!authorization) return false;
    std::string_view a = *authorization;
    constexpr std::string_view kScheme = "bearer ";
    if (a.size() < kScheme.size() || !iequals(a.substr(0, kScheme.size()), kScheme)) return false;
    a.remove_prefix(kScheme.size());
    while (!a.empty() && a.front() == ' ') a.remove_prefix(1);
    while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
    // Constant time in the token's bytes: a wrong guess says nothing of how close it was.
    return a.size() == token.size() && CRYPTO_memcmp(a.data(), token.data(), token.size()) == 0;
}

bool origin_is_ours(const std::string* origin, const std::string* host) {
    if (!origin) return true;  // not a browser's cross-site request
    if (!host) return false;
    return iequals(*origin, "http://" + *host) || iequals(*origin, "https://" + *host);
}

}  // namespace

bool is_loopback_host(std::string_view header) {
    const std::string host = host_part(header);
    if (iequals(host, "localhost") || iequals(host, "localhost.")) return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
        return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
    }
    return false;
}

std::optional<Refusal> check_access(const Request& request, Area area, std::string_view api_token) {
    if (area == Area::Health) return std::nullopt;
    const std::string* host = request.header("Host");
    if (!origin_is_ours(request.header("Origin"), host))
        return Refusal{error_response(403, "cross-origin requests are not served (no CORS)"),
                       "foreign Origin"};
    if (!api_token.empty()) {
        if (area == Area::Page) return std::nullopt;
        if (token_matches(request.header("Authorization"), api_token)) return std::nullopt;
        Refusal r{error_response(401, "missing or wrong API token (Authorization: Bearer TOKEN)"),
                  request.header("Authorization") ? "wrong API token" : "no API token"};
        r.response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rtmp-serve\"");
        return r;
    }
    if (!request.peer_is_loopback)
        return Refusal{error_response(403, "only loopback peers are served without api_token"),
                       "not a loopback peer (no api_token set)"};
    // A browser always names the host it thinks it talks to: a page of another site that
    // resolves its own name to 127.0.0.1 (DNS rebinding) names that site, and is refused.
    if (host && !is_loopback_host(*host))
        return Refusal{error_response(403, "the Host header must name a loopback address"),
                       "Host is not a loopback address"};
    return std::nullopt;
}

}  // namespace http
