// hook::HookClient end to end against an evhttp backend on 127.0.0.1: decisions, signing,
// overwrites, rest_on_error, cancel, and event retries with backoff.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hook/hook_client.h"
#include "hook/signature.h"

using hook::json;

namespace {

struct Seen {
    std::string path;
    std::string body;
    std::string signature;
};

// A backend whose answer is scripted per test: script(path, body) -> {status, body}.
struct Backend {
    evhttp* http;
    int port = 0;
    std::vector<Seen> seen;
    std::function<std::pair<int, std::string>(const std::string&, const std::string&)> script =
        [](const std::string&, const std::string& body) { return std::make_pair(200, body); };

    explicit Backend(event_base* base) : http(evhttp_new(base)) {
        evhttp_set_gencb(http, &Backend::handle, this);
        evhttp_bound_socket* sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
        BOOST_REQUIRE(sock);
        sockaddr_in addr{};
        socklen_t len = sizeof addr;
        getsockname(evhttp_bound_socket_get_fd(sock), reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
    }
    ~Backend() { evhttp_free(http); }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port) + "/apps/live"; }

    static void handle(evhttp_request* req, void* arg) {
        auto* self = static_cast<Backend*>(arg);
        evbuffer* in = evhttp_request_get_input_buffer(req);
        std::string body(evbuffer_get_length(in), '\0');
        evbuffer_copyout(in, body.data(), body.size());
        const char* sig =
            evhttp_find_header(evhttp_request_get_input_headers(req), hook::kSignatureHeader);
        std::string path = evhttp_request_get_uri(req);
        self->seen.push_back({path, body, sig ? sig : ""});
        auto [status, answer] = self->script(path, body);
        evbuffer* out = evbuffer_new();
        evbuffer_add(out, answer.data(), answer.size());
        evhttp_send_reply(req, status, nullptr, out);
        evbuffer_free(out);
    }
};

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

std::string closed_port_url() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/apps/live";
}

struct Fixture {
    event_base* base = event_base_new();
    std::optional<Backend> backend;
    std::vector<std::string> logged;
    Fixture() { backend.emplace(base); }
    ~Fixture() {
        backend.reset();
        event_base_free(base);
    }
    hook::HookConfig config() {
        hook::HookConfig c;
        c.base_url = backend->base_url() + "/";  // a trailing slash is tolerated
        c.log = [this](const std::string& line) { logged.push_back(line); };
        return c;
    }
};

const json kPublish = json::parse(R"({"name":"s1","record":false,"published":true})");

}  // namespace

BOOST_FIXTURE_TEST_SUITE(hook_client, Fixture)

BOOST_AUTO_TEST_CASE(echo_allows_posts_to_method_url_and_signs) {
    auto cfg = config();
    cfg.secret = "s3cret";
    hook::HookClient client(base, cfg);
    std::optional<hook::Decision> d;
    auto ticket = client.authorize("publishStream", kPublish, [&](hook::Decision x) { d = x; });
    BOOST_TEST(ticket != 0u);
    BOOST_REQUIRE(run_until(base, [&] { return d.has_value(); }));
    BOOST_TEST(d->allowed);
    BOOST_TEST(d->status == 200);
    BOOST_TEST(d->overwritten_fields == json::object());
    BOOST_REQUIRE(backend->seen.size() == 1u);
    const Seen& s = backend->seen[0];
    BOOST_TEST(s.path == "/apps/live/publishStream");
    BOOST_TEST(json::parse(s.body) == kPublish);
    BOOST_TEST(hook::verify_signature("s3cret", s.body, s.signature));
}

BOOST_AUTO_TEST_CASE(unsigned_without_a_secret) {
    hook::HookClient client(base, config());
    std::optional<hook::Decision> d;
    client.authorize("connect", json::object(), [&](hook::Decision x) { d = x; });
    BOOST_REQUIRE(run_until(base, [&] { return d.has_value(); }));
    BOOST_TEST(backend->seen.at(0).signature == "");
}

BOOST_AUTO_TEST_CASE(overwrites_only_allowed_fields) {
    auto cfg = config();
    cfg.overwrite = {"name"};
    backend->script = [](const std::string&, const std::string&) {
        return std::make_pair(200, std::string(R"({"name":"channel1","record":true})"));
    };
    hook::HookClient client(base, cfg);
    std::optional<hook::Decision> d;
    client.authorize("publishStream", kPublish, [&](hook::Decision x) { d = x; });
    BOOST_REQUIRE(run_until(base, [&] { return d.has_value(); }));
    BOOST_TEST(d->allowed);
    BOOST_TEST(d->overwritten_fields == json::parse(R"({"name":"channel1"})"));
}

BOOST_AUTO_TEST_CASE(refusal_carries_the_backend_text) {
    backend->script = [](const std::string& path, const std::string&) {
        if (path.find("playStream") != std::string::npos) {
            return std::make_pair(403, std::string("players need a token"));
        }
        return std::make_pair(500, std::string());
    };
    hook::HookClient client(base, config());
    std::optional<hook::Decision> play, conn;
    client.authorize("playStream", kPublish, [&](hook::Decision x) { play = x; });
    client.authorize("connect", kPublish, [&](hook::Decision x) { conn = x; });
    BOOST_REQUIRE(run_until(base, [&] { return play && conn; }));
    BOOST_TEST(!play->allowed);
    BOOST_TEST(play->status == 403);
    BOOST_TEST(play->reason == "players need a token");
    BOOST_TEST(!conn->allowed);
    BOOST_TEST(conn->reason == "HTTP 500 Internal Server Error");
    BOOST_TEST(!conn->backend_error);
}

BOOST_AUTO_TEST_CASE(unreachable_backend_follows_rest_on_error) {
    auto cfg = config();
    cfg.base_url = closed_port_url();
    std::optional<hook::Decision> fail, log;
    hook::HookClient failing(base, cfg);
    cfg.on_error = hook::OnError::Log;
    hook::HookClient logging(base, cfg);
    failing.authorize("connect", json::object(), [&](hook::Decision x) { fail = x; });
    logging.authorize("connect", json::object(), [&](hook::Decision x) { log = x; });
    BOOST_REQUIRE(run_until(base, [&] { return fail && log; }));
    BOOST_TEST(!fail->allowed);
    BOOST_TEST(fail->backend_error);
    BOOST_TEST(log->allowed);
    BOOST_TEST(log->backend_error);
    BOOST_REQUIRE(logged.size() == 1u);  // LOG mode says what it let through
    BOOST_TEST(logged[0].find("rest_on_error is LOG") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cancelled_decision_never_arrives) {
    hook::HookClient client(base, config());
    bool called = false;
    std::optional<hook::Decision> other;
    auto t = client.authorize("connect", json::object(), [&](hook::Decision) { called = true; });
    client.authorize("connect", json::object(), [&](hook::Decision x) { other = x; });
    BOOST_TEST(client.cancel(t));
    BOOST_REQUIRE(run_until(base, [&] { return other.has_value(); }));
    run_until(base, [] { return false; }, 0.2);
    BOOST_TEST(!called);
}

BOOST_AUTO_TEST_CASE(events_are_retried_until_accepted) {
    auto cfg = config();
    cfg.retry_backoff_ms = 50;
    cfg.event_retries = 3;
    int calls = 0;
    backend->script = [&](const std::string&, const std::string&) {
        return std::make_pair(++calls < 3 ? 503 : 200, std::string());
    };
    hook::HookClient client(base, cfg);
    client.notify("StreamStatusEvent", json{{"status", "PUBLISHING"}});
    BOOST_TEST(client.pending_events() == 1u);
    BOOST_REQUIRE(run_until(base, [&] { return client.pending_events() == 0; }));
    BOOST_TEST(calls == 3);
    BOOST_TEST(backend->seen.at(2).path == "/apps/live/StreamStatusEvent");
    BOOST_TEST(backend->seen.at(2).body == backend->seen.at(0).body);
    BOOST_TEST(logged.empty());
}

BOOST_AUTO_TEST_CASE(events_give_up_after_the_retry_bound) {
    auto cfg = config();
    cfg.retry_backoff_ms = 20;
    cfg.event_retries = 2;
    backend->script = [](const std::string&, const std::string&) {
        return std::make_pair(500, std::string("down"));
    };
    hook::HookClient client(base, cfg);
    client.notify("stopStream", json::object());
    BOOST_REQUIRE(run_until(base, [&] { return client.pending_events() == 0; }));
    BOOST_TEST(backend->seen.size() == 3u);  // the first attempt and two retries
    BOOST_REQUIRE(logged.size() == 1u);
    BOOST_TEST(logged[0].find("gave up after 3 attempts") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_4xx_event_answer_is_final) {
    auto cfg = config();
    cfg.retry_backoff_ms = 20;
    backend->script = [](const std::string&, const std::string&) {
        return std::make_pair(404, std::string("no such app"));
    };
    hook::HookClient client(base, cfg);
    client.notify("unPublishStream", json::object());
    BOOST_REQUIRE(run_until(base, [&] { return client.pending_events() == 0; }));
    run_until(base, [] { return false; }, 0.2);
    BOOST_TEST(backend->seen.size() == 1u);
    BOOST_REQUIRE(logged.size() == 1u);
    BOOST_TEST(logged[0].find("no such app") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(destroying_the_client_with_retries_pending_is_clean) {
    auto cfg = config();
    cfg.retry_backoff_ms = 10000;
    backend->script = [](const std::string&, const std::string&) {
        return std::make_pair(503, std::string());
    };
    {
        hook::HookClient client(base, cfg);
        client.notify("ConnectionStatusEvent", json::object());
        client.notify("ConnectionStatusEvent", json::object());
        BOOST_REQUIRE(run_until(base, [&] { return backend->seen.size() == 2; }));
        run_until(base, [] { return false; }, 0.1);
        BOOST_TEST(client.pending_events() == 2u);  // waiting for their retry timers
    }
    run_until(base, [] { return false; }, 0.1);
    BOOST_TEST(backend->seen.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_event_queue_is_bounded_and_drops_are_counted) {
    // A backend that is down keeps every event waiting for a retry: the queue must not grow.
    auto cfg = config();
    cfg.retry_backoff_ms = 10000;
    cfg.max_pending_events = 3;
    backend->script = [](const std::string&, const std::string&) {
        return std::make_pair(503, std::string());
    };
    hook::HookClient client(base, cfg);
    for (int i = 0; i < 250; ++i) client.notify("StreamStatusEvent", json::object());
    BOOST_TEST(client.pending_events() == 3u);
    BOOST_TEST(client.dropped_events() == 247u);
    // Logged, but not once per event: the first drop, then every 100th.
    BOOST_REQUIRE(logged.size() == 3u);
    BOOST_TEST(logged[0].find("event dropped") != std::string::npos);
    BOOST_REQUIRE(run_until(base, [&] { return backend->seen.size() == 3; }));
    run_until(base, [] { return false; }, 0.1);
    BOOST_TEST(backend->seen.size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
