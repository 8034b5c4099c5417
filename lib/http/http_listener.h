// The HTTP side's glue: evhttp on the server's own event loop. It only moves requests and
// responses between libevent and the Router (router.h), and bounds what a client may send.
#pragma once

#include <string>
#include <vector>

#include "http/router.h"

struct event_base;
struct evhttp;
struct evhttp_request;

namespace http {

struct ListenerLimits {
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    int timeout_seconds = 10;  // a request must arrive (and a reply leave) within this
};

class HttpListener {
public:
    HttpListener(event_base* base, server::Server& srv, ListenerLimits limits = {});
    ~HttpListener();
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    // Binds every address. An address that cannot be bound fails the start (false, `error`),
    // unless `optional`: then it is skipped with a warning.
    bool start(const std::vector<std::string>& addresses, bool optional, std::string& error);
    const std::vector<std::string>& bound() const { return bound_; }

private:
    static void on_request(evhttp_request* req, void* self);
    void serve(evhttp_request* req);

    event_base* base_;
    evhttp* http_;
    Router router_;
    std::vector<std::string> bound_;
};

}  // namespace http
