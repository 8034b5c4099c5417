// net::HttpClient against a real evhttp server on 127.0.0.1 (ephemeral port), on one event loop.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "net/curl_multi.h"

namespace {

// Paths: /echo (200, body echoed, request headers noted), /forbidden (403 "no way"),
// /slow?ms=N (200 after N ms), /big (100 KiB), /gather (held until `gather_target` requests
// wait, then all answered: only concurrent requests can ever complete).
struct TestServer {
    event_base* base;
    evhttp* http;
    int port = 0;
    std::string last_content_type;
    std::string last_custom_header;
    std::vector<evhttp_request*> gathered;
    std::size_t gather_target = 0;
    int requests_seen = 0;

    explicit TestServer(event_base* b) : base(b), http(evhttp_new(b)) {
        evhttp_set_gencb(http, &TestServer::handle, this);
        evhttp_bound_socket* sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
        BOOST_REQUIRE(sock);
        sockaddr_in addr{};
        socklen_t len = sizeof addr;
        getsockname(evhttp_bound_socket_get_fd(sock), reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
    }
    ~TestServer() {
        for (Delayed* d : delayed) {
            event_free(d->timer);
            delete d;
        }
        evhttp_free(http);
    }

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }

    static std::string body_of(evhttp_request* req) {
        evbuffer* in = evhttp_request_get_input_buffer(req);
        std::string s(evbuffer_get_length(in), '\0');
        evbuffer_copyout(in, s.data(), s.size());
        return s;
    }

    static void reply(evhttp_request* req, int code, const std::string& body) {
        evbuffer* out = evbuffer_new();
        evbuffer_add(out, body.data(), body.size());
        evhttp_send_reply(req, code, code == 200 ? "OK" : "Forbidden", out);
        evbuffer_free(out);
    }

    struct Delayed {
        TestServer* server;
        evhttp_request* req;
        event* timer;
    };
    std::vector<Delayed*> delayed;  // not answered yet
    static void on_delay(evutil_socket_t, short, void* arg) {
        auto* d = static_cast<Delayed*>(arg);
        auto& list = d->server->delayed;
        list.erase(std::find(list.begin(), list.end(), d));
        reply(d->req, 200, "late");
        event_free(d->timer);
        delete d;
    }

    static void handle(evhttp_request* req, void* arg) {
        auto* self = static_cast<TestServer*>(arg);
        ++self->requests_seen;
        std::string uri = evhttp_request_get_uri(req);
        evkeyvalq* headers = evhttp_request_get_input_headers(req);
        if (uri == "/echo") {
            const char* ct = evhttp_find_header(headers, "Content-Type");
            const char* custom = evhttp_find_header(headers, "X-Test");
            self->last_content_type = ct ? ct : "";
            self->last_custom_header = custom ? custom : "";
            reply(req, 200, body_of(req));
        } else if (uri == "/forbidden") {
            reply(req, 403, "no way");
        } else if (uri.rfind("/slow?ms=", 0) == 0) {
            long ms = std::atol(uri.c_str() + 9);
            auto* d = new Delayed{self, req, nullptr};
            self->delayed.push_back(d);
            d->timer = evtimer_new(self->base, &TestServer::on_delay, d);
            timeval tv{ms / 1000, static_cast<suseconds_t>((ms % 1000) * 1000)};
            evtimer_add(d->timer, &tv);
        } else if (uri == "/big") {
            reply(req, 200, std::string(100 * 1024, 'x'));
        } else if (uri == "/gather") {
            self->gathered.push_back(req);
            if (self->gathered.size() == self->gather_target) {
                for (evhttp_request* r : self->gathered) reply(r, 200, body_of(r));
                self->gathered.clear();
            }
        } else {
            reply(req, 404, "");
        }
    }
};

// Runs the loop until `done()` or `seconds` passed. A periodic timer makes each turn return.
template <class Pred>
bool run_until(event_base* base, Pred done, double seconds = 10) {
    event* tick = event_new(base, -1, EV_PERSIST, [](evutil_socket_t, short, void*) {}, nullptr);
    timeval tv{0, 20000};
    event_add(tick, &tv);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        event_base_loop(base, EVLOOP_ONCE);
    }
    event_free(tick);
    return done();
}

// A port nothing listens on: bound, then closed.
int closed_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

struct Fixture {
    event_base* base = event_base_new();
    std::optional<TestServer> server;
    std::optional<net::HttpClient> client;
    Fixture() {
        server.emplace(base);
        client.emplace(base);
    }
    ~Fixture() {
        client.reset();
        server.reset();
        event_base_free(base);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(http_client, Fixture)

BOOST_AUTO_TEST_CASE(ok_answer_carries_status_body_and_sends_headers) {
    std::optional<net::HttpResult> got;
    bool called_inside_post = true;
    client->post_json(server->url("/echo"), R"({"a":1})", {{"X-Test", "v1\r\nX-Evil: 1"}}, 5000,
                      [&](net::HttpResult r) { got = std::move(r); });
    called_inside_post = got.has_value();
    BOOST_TEST(!called_inside_post);  // callbacks come from the loop, never synchronously
    BOOST_TEST(client->in_flight() == 1u);
    BOOST_REQUIRE(run_until(base, [&] { return got.has_value(); }));
    BOOST_TEST(got->status == 200);
    BOOST_TEST(got->reason == "OK");
    BOOST_TEST(got->body == R"({"a":1})");
    BOOST_TEST(got->error.empty());
    BOOST_TEST(!got->timed_out);
    BOOST_TEST(server->last_content_type == "application/json");
    BOOST_TEST(server->last_custom_header == "v1X-Evil: 1");  // CR/LF cannot split headers
    BOOST_TEST(client->in_flight() == 0u);
}

BOOST_AUTO_TEST_CASE(refusal_status_and_body_come_through) {
    std::optional<net::HttpResult> got;
    client->post_json(server->url("/forbidden"), "{}", {}, 5000,
                      [&](net::HttpResult r) { got = std::move(r); });
    BOOST_REQUIRE(run_until(base, [&] { return got.has_value(); }));
    BOOST_TEST(got->status == 403);
    BOOST_TEST(got->reason == "Forbidden");
    BOOST_TEST(got->body == "no way");
    BOOST_TEST(got->error.empty());
}

BOOST_AUTO_TEST_CASE(slow_answer_within_timeout_vs_after_it) {
    std::optional<net::HttpResult> fast_enough, too_slow;
    client->post_json(server->url("/slow?ms=100"), "{}", {}, 3000,
                      [&](net::HttpResult r) { fast_enough = std::move(r); });
    client->post_json(server->url("/slow?ms=3000"), "{}", {}, 300,
                      [&](net::HttpResult r) { too_slow = std::move(r); });
    BOOST_REQUIRE(run_until(base, [&] { return fast_enough && too_slow; }));
    BOOST_TEST(fast_enough->status == 200);
    BOOST_TEST(fast_enough->body == "late");
    BOOST_TEST(too_slow->timed_out);
    BOOST_TEST(too_slow->status == 0);
    BOOST_TEST(!too_slow->error.empty());
}

BOOST_AUTO_TEST_CASE(refused_connection_is_an_error_not_a_timeout) {
    std::optional<net::HttpResult> got;
    client->post_json("http://127.0.0.1:" + std::to_string(closed_port()) + "/x", "{}", {}, 5000,
                      [&](net::HttpResult r) { got = std::move(r); });
    BOOST_REQUIRE(run_until(base, [&] { return got.has_value(); }));
    BOOST_TEST(got->status == 0);
    BOOST_TEST(!got->timed_out);
    BOOST_TEST(!got->error.empty());
}

BOOST_AUTO_TEST_CASE(bad_urls_fail_through_the_callback) {
    std::vector<net::HttpResult> got;
    for (const char* url : {"ftp://127.0.0.1/x", "not a url", ""}) {
        client->post_json(url, "{}", {}, 1000, [&](net::HttpResult r) { got.push_back(r); });
    }
    BOOST_TEST(got.empty());
    BOOST_REQUIRE(run_until(base, [&] { return got.size() == 3; }));
    for (const auto& r : got) {
        BOOST_TEST(r.status == 0);
        BOOST_TEST(!r.error.empty());
    }
}

BOOST_AUTO_TEST_CASE(answers_over_the_body_cap_fail) {
    std::optional<net::HttpResult> got;
    client->post_json(server->url("/big"), "{}", {}, 5000,
                      [&](net::HttpResult r) { got = std::move(r); });
    BOOST_REQUIRE(run_until(base, [&] { return got.has_value(); }));
    BOOST_TEST(got->status == 0);
    BOOST_TEST(got->body.empty());
    BOOST_TEST(got->error.find("larger than") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(fifty_requests_are_in_flight_at_once) {
    // The server answers only once all 50 wait at the same time.
    const int n = 50;
    server->gather_target = n;
    std::vector<std::string> bodies;
    for (int i = 0; i < n; ++i) {
        client->post_json(server->url("/gather"), std::to_string(i), {}, 10000,
                          [&](net::HttpResult r) {
                              BOOST_TEST(r.status == 200);
                              bodies.push_back(r.body);
                          });
    }
    BOOST_TEST(client->in_flight() == std::size_t(n));
    BOOST_REQUIRE(run_until(base, [&] { return bodies.size() == std::size_t(n); }, 15));
    std::sort(bodies.begin(), bodies.end(), [](const std::string& a, const std::string& b) {
        return std::stoi(a) < std::stoi(b);
    });
    for (int i = 0; i < n; ++i) BOOST_TEST(bodies[i] == std::to_string(i));
}

BOOST_AUTO_TEST_CASE(cancelled_requests_never_call_back) {
    bool cancelled_called = false;
    std::optional<net::HttpResult> other;
    auto id = client->post_json(server->url("/slow?ms=200"), "{}", {}, 5000,
                                [&](net::HttpResult) { cancelled_called = true; });
    client->post_json(server->url("/slow?ms=400"), "{}", {}, 5000,
                      [&](net::HttpResult r) { other = std::move(r); });
    BOOST_TEST(id != 0u);
    BOOST_TEST(client->cancel(id));
    BOOST_TEST(!client->cancel(id));  // once only
    BOOST_TEST(!client->cancel(12345));
    BOOST_REQUIRE(run_until(base, [&] { return other.has_value(); }));
    BOOST_TEST(!cancelled_called);
    BOOST_TEST(other->status == 200);
    BOOST_TEST(client->in_flight() == 0u);
}

BOOST_AUTO_TEST_CASE(a_callback_may_cancel_and_start_requests) {
    bool victim_called = false;
    std::optional<net::HttpResult> second;
    net::HttpClient::RequestId victim = 0;
    client->post_json(server->url("/echo"), "first", {}, 5000, [&](net::HttpResult) {
        BOOST_TEST(client->cancel(victim));
        client->post_json(server->url("/echo"), "second", {}, 5000,
                          [&](net::HttpResult r) { second = std::move(r); });
    });
    victim = client->post_json(server->url("/slow?ms=500"), "{}", {}, 5000,
                               [&](net::HttpResult) { victim_called = true; });
    BOOST_REQUIRE(run_until(base, [&] { return second.has_value(); }));
    BOOST_TEST(second->body == "second");
    run_until(base, [] { return false; }, 0.7);  // past the victim's answer
    BOOST_TEST(!victim_called);
}

BOOST_AUTO_TEST_CASE(destroying_the_client_drops_requests_in_flight) {
    bool called = false;
    for (int i = 0; i < 5; ++i) {
        client->post_json(server->url("/slow?ms=100"), "{}", {}, 5000,
                          [&](net::HttpResult) { called = true; });
    }
    run_until(base, [&] { return server->requests_seen == 5; }, 5);
    client.reset();
    run_until(base, [] { return false; }, 0.3);
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_SUITE_END()
