// An HTTP request and its response as plain values: the routing, access rules and answers are
// written and tested on these, without sockets; http_listener.cpp moves them to and from evhttp.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace http {

struct Request {
    std::string method;  // "GET", "DELETE", ...
    std::string path;    // as sent: percent-encoded, without the query
    std::string query;   // without '?'
    std::vector<std::pair<std::string, std::string>> headers;  // names as sent
    std::string peer;    // "ip:port" or "[ip6]:port"
    bool peer_is_loopback = false;
    std::string body;    // bounded by the listener (max_body_bytes)
    std::string peer_sockaddr;  // the peer's sockaddr bytes (WHIP counts it as a connection)

    // The first header of that name (ASCII case-insensitive), nullptr when absent.
    const std::string* header(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// {"error": {"status": N, "reason": "..."}}
Response error_response(int status, std::string_view reason);
// 405 with the Allow header (a comma-separated list of methods).
Response method_not_allowed(std::string_view allow);

}  // namespace http
