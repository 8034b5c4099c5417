#include "http/http_listener.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <openssl/ssl.h>

#include <ctime>
#include <exception>

#include "net/address.h"
#include "net/http_method.h"
#include "net/log.h"

namespace http {

namespace {

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 406: return "Not Acceptable";
        case 413: return "Payload Too Large";
        case 415: return "Unsupported Media Type";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
    }
    return "Status";
}

bool loopback(const sockaddr* sa) {
    if (!sa) return false;
    if (sa->sa_family == AF_INET)
        return (ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(&a) || (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
    }
    return false;
}

}  // namespace

HttpListener::HttpListener(event_base* base, server::Server& srv, ListenerLimits limits)
    : base_(base), server_(srv), limits_(limits), router_(srv) {}

HttpListener::~HttpListener() {
    for (auto& p : waiting_) p->alive = false;
    if (http_) evhttp_free(http_);
    if (https_) evhttp_free(https_);
}

evhttp* HttpListener::make_evhttp() {
    evhttp* h = evhttp_new(base_);
    evhttp_set_max_headers_size(h, ev_ssize_t(limits_.max_header_bytes));
    evhttp_set_max_body_size(h, ev_ssize_t(limits_.max_body_bytes));
    evhttp_set_timeout(h, limits_.timeout_seconds);
    // Every method reaches the router, which answers 405 itself with an Allow header.
    evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                      EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                      EVHTTP_REQ_PATCH);
    evhttp_set_gencb(h, &HttpListener::on_request, this);
    return h;
}

bufferevent* HttpListener::make_tls_bufferevent(event_base* base, void* self) {
    // Each connection starts with the context in force now: a SIGHUP that renews the
    // certificate reaches new connections, the SSL keeps its own reference.
    const net::TlsContext& ctx = static_cast<HttpListener*>(self)->server_.tls_context();
    SSL* ssl = ctx ? SSL_new(ctx.get()) : nullptr;
    if (!ssl) return nullptr;
    bufferevent* bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                      BEV_OPT_CLOSE_ON_FREE);
    if (!bev) SSL_free(ssl);
    return bev;
}

bool HttpListener::start(const std::vector<std::string>& plain, bool plain_optional,
                         const std::vector<std::string>& tls, std::string& error) {
    if (!plain.empty()) http_ = make_evhttp();
    for (const auto& text : plain) {
        if (!bind(http_, text, plain_optional, error)) return false;
    }
    if (!tls.empty()) {
        if (!server_.tls_context()) {
            error = "https_listen needs tls_cert and tls_key";
            return false;
        }
        https_ = make_evhttp();
        evhttp_set_bevcb(https_, &HttpListener::make_tls_bufferevent, this);
        for (const auto& text : tls)
            if (!bind(https_, text, false, error)) return false;
    }
    router_.set_http_listeners(bound_, bound_tls_);
    return true;
}

bool HttpListener::bind(evhttp* http, const std::string& text, bool optional, std::string& error) {
    const bool tls = http == https_;
    auto addr = net::parse_listen_address(text);
    if (!addr) {
        error = std::string("bad ") + (tls ? "https_listen" : "http_listen") + " address '" + text + "'";
        return false;
    }
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC;
    if (addr->storage.ss_family == AF_INET6) flags |= LEV_OPT_BIND_IPV6ONLY;
    evconnlistener* l = evconnlistener_new_bind(base_, nullptr, nullptr, flags | LEV_OPT_DISABLED,
                                                128, addr->get(), int(addr->length));
    if (!l) {
        const std::string why = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
        if (optional) {
            net::logger().warn("HTTP not served on this address (cannot bind it)",
                               {{"address", text}, {"reason", why}});
            return true;
        }
        error = std::string("cannot listen for ") + (tls ? "HTTPS" : "HTTP") + " on " + text + ": " + why;
        return false;
    }
    if (!evhttp_bind_listener(http, l)) {
        evconnlistener_free(l);
        error = "cannot serve HTTP on " + text;
        return false;
    }
    evconnlistener_enable(l);
    (tls ? bound_tls_ : bound_).push_back(text);
    net::logger().info(tls ? "listening for HTTPS" : "listening for HTTP", {{"address", text}});
    return true;
}

void HttpListener::on_request(evhttp_request* req, void* self) {
    try {
        static_cast<HttpListener*>(self)->serve(req);
    } catch (const std::exception& e) {
        // The loop boundary: this request fails, the server keeps serving.
        try {
            net::logger().error("internal error", {{"where", "HTTP request"}, {"reason", e.what()}});
        } catch (...) {
        }
        evhttp_send_error(req, 500, nullptr);
    }
}

void HttpListener::serve(evhttp_request* req) {
    Request r;
    r.method = net::http_method_name(evhttp_request_get_command(req));
    if (const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req)) {
        if (const char* p = evhttp_uri_get_path(uri)) r.path = p;
        if (const char* q = evhttp_uri_get_query(uri)) r.query = q;
    }
    if (r.path.empty()) r.path = "/";
    for (evkeyval* kv = evhttp_request_get_input_headers(req)->tqh_first; kv; kv = kv->next.tqe_next)
        r.headers.emplace_back(kv->key, kv->value);
    if (evhttp_connection* conn = evhttp_request_get_connection(req)) {
        const sockaddr* sa = evhttp_connection_get_addr(conn);
        r.peer = sa ? net::format_address(sa) : "?";
        r.peer_is_loopback = loopback(sa);
        if (sa)
            r.peer_sockaddr.assign(reinterpret_cast<const char*>(sa),
                                   sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in));
    }
    if (evbuffer* in = evhttp_request_get_input_buffer(req)) {
        const std::size_t n = evbuffer_get_length(in);
        r.body.resize(n);
        if (n) evbuffer_copyout(in, r.body.data(), n);
    }
    timespec t0{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    // Replies answered since (their connections stay open for keep-alive) leave the list.
    std::erase_if(waiting_, [](const std::shared_ptr<PendingReply>& p) { return !p->alive; });
    auto pending = std::make_shared<PendingReply>();
    pending->req = req;
    pending->head = r.method == "HEAD";
    const std::string route = Router::route_label(r);
    router_.handle_async(r, [pending](Response out) {
        pending->answered = true;
        if (!pending->alive) return;  // the client left (or the listener stopped) meanwhile
        pending->alive = false;
        send_reply(pending->req, out, pending->head);
    });
    timespec t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    router_.account(route, double(t1.tv_sec - t0.tv_sec) + double(t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (pending->answered) return;
    // Answered later (a WHIP offer waits for the hooks): if the connection closes first, evhttp
    // frees the request, and the answer must not touch it.
    evhttp_connection* conn = evhttp_request_get_connection(req);
    pending->conn = conn;
    waiting_.push_back(pending);
    evhttp_connection_set_closecb(conn, &HttpListener::on_connection_closed, this);
}

void HttpListener::send_reply(evhttp_request* req, const Response& out, bool head) {
    evkeyvalq* headers = evhttp_request_get_output_headers(req);
    if (!out.content_type.empty()) evhttp_add_header(headers, "Content-Type", out.content_type.c_str());
    evhttp_add_header(headers, "Cache-Control", "no-store");
    for (const auto& [k, v] : out.headers) evhttp_add_header(headers, k.c_str(), v.c_str());
    evbuffer* body = evbuffer_new();
    if (!out.body.empty() && !head) evbuffer_add(body, out.body.data(), out.body.size());
    evhttp_send_reply(req, out.status, reason_phrase(out.status), body);
    evbuffer_free(body);
}

void HttpListener::on_connection_closed(evhttp_connection* conn, void* self) {
    auto* l = static_cast<HttpListener*>(self);
    std::erase_if(l->waiting_, [conn](const std::shared_ptr<PendingReply>& p) {
        if (p->conn == conn) p->alive = false;
        return p->conn == conn || !p->alive;
    });
}

}  // namespace http
