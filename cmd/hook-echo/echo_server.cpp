// hook-echo's evhttp server (see echo_server.h).
#include "echo_server.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <set>

#include "net/http_method.h"
#include "net/log.h"
#include "net/timeval.h"

namespace hook_echo {

namespace {

struct Server;

// An answer waiting for --delay.
struct Pending {
    Server* server;
    evhttp_request* req;
    Answer answer;
    event* timer = nullptr;
};

struct Server {
    ServerOptions opts;
    event_base* base = nullptr;
    evhttp* http = nullptr;
    long answered = 0;
    int exit_code = 0;
    std::set<Pending*> pending;
};

std::string decoded_path(evhttp_request* req) {
    const evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* raw = uri ? evhttp_uri_get_path(uri) : nullptr;
    if (!raw) return "";
    std::size_t len = 0;
    char* dec = evhttp_uridecode(raw, 0, &len);
    if (!dec) return raw;
    std::string out(dec, len);
    std::free(dec);
    return out;
}

std::string peer_of(evhttp_request* req) {
    evhttp_connection* con = evhttp_request_get_connection(req);
    if (!con) return "?";
    char* addr = nullptr;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(con, &addr, &port);
    return std::string(addr ? addr : "?") + ":" + std::to_string(port);
}

// One JSON line per request: time, method, app, status, signature (if sent), body (the request's
// JSON, null when it was not JSON), reason (when refused).
void print_line(Server& s, const Request& r, const Answer& a) {
    // ordered_json: the line's fields, and the body's, stay in the order written / received.
    nlohmann::ordered_json line;
    line["time"] = net::now_iso8601();
    line["method"] = a.method;
    line["app"] = a.app;
    line["status"] = a.status;
    if (a.method.empty()) line["path"] = r.path;
    if (r.signature) line["signature"] = *r.signature;
    line["body"] = nullptr;
    if (!a.parsed.is_null()) line["body"] = nlohmann::ordered_json::parse(r.body, nullptr, false);
    if (!a.problem.empty()) line["reason"] = a.problem;
    std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        net::logger().error("cannot write to stdout, stopping");
        s.exit_code = 1;
        event_base_loopexit(s.base, nullptr);
    }
}

void on_last_reply_sent(evhttp_request*, void* arg) {
    event_base_loopexit(static_cast<Server*>(arg)->base, nullptr);
}

void send_answer(Server& s, evhttp_request* req, const Answer& a) {
    evkeyvalq* headers = evhttp_request_get_output_headers(req);
    bool ok = a.status >= 200 && a.status < 300;
    evhttp_add_header(headers, "Content-Type", ok ? "application/json" : "text/plain");
    bool last = s.opts.count > 0 && ++s.answered == s.opts.count;
    if (last) {
        // Exit once the answer is out; and in a second at most if the peer vanished meanwhile.
        evhttp_request_set_on_complete_cb(req, &on_last_reply_sent, &s);
        timeval grace{1, 0};
        event_base_loopexit(s.base, &grace);
    }
    evbuffer* out = evbuffer_new();
    evbuffer_add(out, a.body.data(), a.body.size());
    evhttp_send_reply(req, a.status, nullptr, out);  // nullptr: the standard reason phrase
    evbuffer_free(out);
}

void on_delay_done(evutil_socket_t, short, void* arg) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(arg));
    p->server->pending.erase(p.get());
    event_free(p->timer);
    send_answer(*p->server, p->req, p->answer);
}

void on_request(evhttp_request* req, void* arg) {
    auto& s = *static_cast<Server*>(arg);
    Request r;
    r.http_method = net::http_method_name(evhttp_request_get_command(req));
    r.path = decoded_path(req);
    evbuffer* in = evhttp_request_get_input_buffer(req);
    r.body.resize(evbuffer_get_length(in));
    evbuffer_copyout(in, r.body.data(), r.body.size());
    if (const char* sig = evhttp_find_header(evhttp_request_get_input_headers(req),
                                             "X-Rtmpkit-Signature")) {
        r.signature = sig;
    }
    Answer a = answer(s.opts.rules, r);
    print_line(s, r, a);
    if (!a.problem.empty()) {
        net::logger().warn("refused", {{"peer", peer_of(req)},
                                       {"request", r.http_method + " " + r.path},
                                       {"status", std::to_string(a.status)},
                                       {"reason", a.problem}});
    }
    if (s.opts.delay_ms <= 0) return send_answer(s, req, a);
    auto* p = new Pending{&s, req, std::move(a)};
    p->timer = evtimer_new(s.base, &on_delay_done, p);
    s.pending.insert(p);
    timeval tv = net::to_timeval(s.opts.delay_ms);
    evtimer_add(p->timer, &tv);
}

void on_signal(evutil_socket_t, short, void* arg) {
    event_base_loopexit(static_cast<event_base*>(arg), nullptr);
}

std::uint16_t bound_port(evhttp_bound_socket* sock) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getsockname(evhttp_bound_socket_get_fd(sock), reinterpret_cast<sockaddr*>(&addr), &len);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
    return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

int run(const ServerOptions& options) {
    Server s;
    s.opts = options;
    s.base = event_base_new();
    s.http = evhttp_new(s.base);
    if (!s.base || !s.http) {
        net::logger().error("cannot set up libevent");
        return 1;
    }
    // Bodies up to this size reach the rules and get a logged 413 past --max-body; evhttp
    // refuses still larger ones by itself (after reading them, so clients see the 413).
    std::size_t hard_cap = std::max<std::size_t>(s.opts.rules.max_body * 4, 1 << 20);
    evhttp_set_max_body_size(s.http, static_cast<ev_ssize_t>(hard_cap));
    evhttp_set_flags(s.http, EVHTTP_SERVER_LINGERING_CLOSE);
    evhttp_set_allowed_methods(s.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                           EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(s.http, &on_request, &s);
    evhttp_bound_socket* sock =
        evhttp_bind_socket_with_handle(s.http, s.opts.host.c_str(), s.opts.port);
    if (!sock) {
        int err = errno;
        std::fprintf(stderr, "hook-echo: cannot listen on %s:%u: %s\n", s.opts.host.c_str(),
                     unsigned(s.opts.port), err ? std::strerror(err) : "bind failed");
        evhttp_free(s.http);
        event_base_free(s.base);
        return 1;
    }
    event* sigint = evsignal_new(s.base, SIGINT, &on_signal, s.base);
    event* sigterm = evsignal_new(s.base, SIGTERM, &on_signal, s.base);
    event_add(sigint, nullptr);
    event_add(sigterm, nullptr);
    net::logger().info("listening", {{"address", s.opts.host + ":" +
                                                      std::to_string(bound_port(sock))}});

    event_base_dispatch(s.base);

    for (Pending* p : s.pending) {
        event_free(p->timer);
        delete p;
    }
    event_free(sigint);
    event_free(sigterm);
    evhttp_free(s.http);
    event_base_free(s.base);
    return s.exit_code;
}

}  // namespace hook_echo
