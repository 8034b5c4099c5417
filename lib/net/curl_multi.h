// An asynchronous HTTP client on the server's event loop: libcurl's multi interface driven by a
// libevent event_base, so many requests are in flight at once and none of them blocks the loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

struct event_base;

namespace net {

struct HttpResult {
    int status = 0;            // HTTP status; 0 when no answer came (see error)
    std::string reason;        // the status line's reason phrase ("Forbidden"), may be empty
    std::string body;          // the answer's body (at most HttpClient::Options::max_body bytes)
    std::string error;         // empty on a completed exchange, else what went wrong
    bool timed_out = false;    // true when the request hit its timeout (error says so too)
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;
using HttpCallback = std::function<void(HttpResult)>;

class HttpClient {
public:
    struct Options {
        std::size_t max_body = 64 * 1024;  // a longer answer fails with an error
        std::string user_agent = "rtmpkit";
    };

    // A request's handle for cancel(). 0 is never a valid id.
    using RequestId = std::uint64_t;

    explicit HttpClient(event_base* base);
    HttpClient(event_base* base, Options options);
    // Drops every request in flight; their callbacks are not called.
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Starts POST `url` with `body` as application/json. `callback` is called exactly once, later,
    // from the event loop (never from inside post_json), unless the request is cancelled or the
    // client destroyed first. timeout_ms bounds the whole exchange, connect included (<= 0: no
    // limit). Only http:// and https:// URLs; redirects are not followed. The callback may call
    // post_json and cancel, but must not destroy the client.
    RequestId post_json(const std::string& url, std::string body, const HttpHeaders& headers,
                        long timeout_ms, HttpCallback callback);

    // Stops a request whose answer nobody waits for any more (its session is gone): its callback
    // will not be called. Returns false when the id is unknown or already finished.
    bool cancel(RequestId id);

    // Requests started and not yet finished or cancelled.
    std::size_t in_flight() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace net
