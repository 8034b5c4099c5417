// The HTTP side's glue: evhttp on the server's own event loop. It only moves requests and
// responses between libevent and the Router (router.h), and bounds what a client may send.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "http/router.h"

struct bufferevent;
struct event_base;
struct evhttp;
struct evhttp_request;
struct evhttp_connection;

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

    // Binds every address: `plain` for HTTP, `tls` for HTTPS (with the server's TLS context,
    // re-read on SIGHUP). An address that cannot be bound fails the start (false, `error`),
    // except a `plain` one when `plain_optional`: that is skipped with a warning.
    bool start(const std::vector<std::string>& plain, bool plain_optional,
               const std::vector<std::string>& tls, std::string& error);

private:
    static void on_request(evhttp_request* req, void* self);
    // A request answered later (WHIP): what the answer needs, and whether it still may.
    struct PendingReply {
        evhttp_request* req = nullptr;
        evhttp_connection* conn = nullptr;
        bool head = false;
        bool answered = false;
        bool alive = true;
    };
    static void send_reply(evhttp_request* req, const Response& out, bool head);
    static void on_connection_closed(evhttp_connection* conn, void* self);
    std::vector<std::shared_ptr<PendingReply>> waiting_;
    static bufferevent* make_tls_bufferevent(event_base* base, void* self);
    void serve(evhttp_request* req);
    evhttp* make_evhttp();
    bool bind(evhttp* http, const std::string& text, bool optional, std::string& error);

    event_base* base_;
    server::Server& server_;
    ListenerLimits limits_;
    evhttp* http_ = nullptr;   // plain
    evhttp* https_ = nullptr;  // TLS
    Router router_;
    std::vector<std::string> bound_, bound_tls_;
};

}  // namespace http
