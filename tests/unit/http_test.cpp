// The HTTP side without sockets: path splitting, access rules, metrics text, the bitrate ring,
// and the router against a real (unstarted) Server.
#include <event2/event.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "http/access.h"
#include "http/api_json.h"
#include "http/metrics.h"
#include "http/router.h"
#include "server/bitrate_history.h"
#include "server/server.h"

using http::Area;
using http::Request;

namespace {

Request request(std::string method, std::string path, bool loopback = true) {
    Request r;
    r.method = std::move(method);
    auto q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) r.query = path.substr(q + 1);
    r.peer = loopback ? "127.0.0.1:5000" : "192.0.2.7:5000";
    r.peer_is_loopback = loopback;
    r.headers.emplace_back("Host", "127.0.0.1:8935");
    return r;
}

struct ServerFixture {
    event_base* base = event_base_new();
    std::unique_ptr<server::Server> srv;
    std::unique_ptr<http::Router> router;
    explicit ServerFixture(server::Config c = {}) {
        srv = std::make_unique<server::Server>(base, std::move(c));
        router = std::make_unique<http::Router>(*srv);
    }
    ~ServerFixture() {
        router.reset();
        srv.reset();
        event_base_free(base);
    }
    http::Response get(const std::string& path) { return router->handle(request("GET", path)); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(paths_split_into_decoded_segments) {
    using http::split_path;
    BOOST_CHECK(split_path("/")->empty());
    BOOST_CHECK((*split_path("/api/v1/streams") == std::vector<std::string>{"api", "v1", "streams"}));
    BOOST_CHECK((*split_path("/api/v1/streams/") == std::vector<std::string>{"api", "v1", "streams"}));
    BOOST_CHECK((*split_path("/s/a%2Fb/c%20d") == std::vector<std::string>{"s", "a/b", "c d"}));
    BOOST_CHECK((*split_path("/s//x") == std::vector<std::string>{"s", "", "x"}));
    BOOST_CHECK(!split_path("/s/%zz"));
    BOOST_CHECK(!split_path("/s/a%00b"));
    BOOST_CHECK(!split_path("/s/%ff%fe"));  // not UTF-8
    BOOST_CHECK(!split_path("relative"));
    BOOST_CHECK(!split_path(""));
    std::string deep;
    for (int i = 0; i < 17; ++i) deep += "/x";
    BOOST_CHECK(!split_path(deep));
    BOOST_CHECK(!split_path("/" + std::string(3000, 'a')));
}

BOOST_AUTO_TEST_CASE(loopback_hosts) {
    for (const char* h : {"127.0.0.1", "127.0.0.1:8935", "127.9.8.7:1", "localhost", "LOCALHOST:80",
                          "[::1]", "[::1]:8935", "[::ffff:127.0.0.1]:80"})
        BOOST_CHECK_MESSAGE(http::is_loopback_host(h), h);
    for (const char* h : {"evil.example", "evil.example:8935", "128.0.0.1", "10.0.0.1:80",
                          "[::2]:80", "localhost.evil.example", "[::1", "", "127.0.0.1.evil"})
        BOOST_CHECK_MESSAGE(!http::is_loopback_host(h), h);
}

BOOST_AUTO_TEST_CASE(access_without_a_token_is_loopback_only) {
    Request r = request("GET", "/api/v1/server");
    BOOST_CHECK(!check_access(r, Area::Api, ""));
    r.headers = {};  // no Host (HTTP/1.0 tools): not a browser
    BOOST_CHECK(!check_access(r, Area::Api, ""));
    Request far = request("GET", "/api/v1/server", false);
    auto refused = check_access(far, Area::Api, "");
    BOOST_REQUIRE(refused);
    BOOST_CHECK_EQUAL(refused->response.status, 403);
    BOOST_CHECK(!check_access(far, Area::Health, ""));
    Request rebinding = request("GET", "/api/v1/server");
    rebinding.headers = {{"host", "attacker.example"}};
    BOOST_CHECK_EQUAL(check_access(rebinding, Area::Api, "")->response.status, 403);
    BOOST_CHECK_EQUAL(check_access(rebinding, Area::Page, "")->response.status, 403);
}

BOOST_AUTO_TEST_CASE(foreign_origins_are_refused) {
    Request r = request("DELETE", "/api/v1/sessions/1");
    r.headers.emplace_back("Origin", "http://127.0.0.1:8935");
    BOOST_CHECK(!check_access(r, Area::Api, ""));
    r.headers.back().second = "https://127.0.0.1:8935";
    BOOST_CHECK(!check_access(r, Area::Api, ""));
    for (const char* o : {"http://evil.example", "null", "http://127.0.0.1:8936", "http://127.0.0.1"}) {
        r.headers.back().second = o;
        auto refused = check_access(r, Area::Api, "");
        BOOST_REQUIRE_MESSAGE(refused, o);
        BOOST_CHECK_EQUAL(refused->response.status, 403);
        // A token does not make a cross-site request acceptable either.
        BOOST_CHECK(check_access(r, Area::Api, "tok"));
    }
}

BOOST_AUTO_TEST_CASE(tokens_are_bearer_and_exact) {
    Request r = request("GET", "/metrics", false);
    auto none = check_access(r, Area::Api, "s3cret");
    BOOST_REQUIRE(none);
    BOOST_CHECK_EQUAL(none->response.status, 401);
    BOOST_CHECK_EQUAL(none->log_reason, "no API token");
    BOOST_CHECK(none->response.body.find("s3cret") == std::string::npos);
    r.headers.emplace_back("Authorization", "Bearer s3cret");
    BOOST_CHECK(!check_access(r, Area::Api, "s3cret"));
    r.headers.back().second = "bearer   s3cret ";
    BOOST_CHECK(!check_access(r, Area::Api, "s3cret"));
    for (const char* wrong : {"Bearer s3cre", "Bearer s3cretX", "Basic s3cret", "s3cret", "Bearer "}) {
        r.headers.back().second = wrong;
        auto refused = check_access(r, Area::Api, "s3cret");
        BOOST_REQUIRE_MESSAGE(refused, wrong);
        BOOST_CHECK_EQUAL(refused->response.status, 401);
    }
    // With a token the page itself loads (it asks for the token) from anywhere.
    BOOST_CHECK(!check_access(request("GET", "/", false), Area::Page, "s3cret"));
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
    BOOST_CHECK_EQUAL(http::escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

BOOST_AUTO_TEST_CASE(bitrate_history_is_a_bounded_ring) {
    server::BitrateHistory h;
    BOOST_CHECK_EQUAL(h.recent_bps(10000), 0u);
    h.sample(0, 0);
    h.sample(1000, 1000);  // too early: no sample
    BOOST_CHECK(h.bits_per_second().empty());
    h.sample(2000, 250000);  // 250 kB in 2 s = 1 Mbit/s
    BOOST_REQUIRE_EQUAL(h.bits_per_second().size(), 1u);
    BOOST_CHECK_EQUAL(h.bits_per_second()[0], 1000000u);
    h.sample(4000, 250000);  // nothing
    BOOST_CHECK_EQUAL(h.recent_bps(2000), 0u);
    BOOST_CHECK_EQUAL(h.recent_bps(4000), 500000u);
    for (int i = 3; i < 500; ++i) h.sample(i * 2000, 250000ull * i);
    BOOST_CHECK_EQUAL(h.bits_per_second().size(), server::BitrateHistory::kSamples);
    BOOST_CHECK_EQUAL(h.recent_bps(10000), 1000000u);
}

BOOST_AUTO_TEST_CASE(router_answers_and_errors) {
    ServerFixture f;
    auto health = f.get("/healthz");
    BOOST_CHECK_EQUAL(health.status, 200);
    BOOST_CHECK_EQUAL(health.body, "ok\n");
    auto page = f.get("/");
    BOOST_CHECK_EQUAL(page.status, 200);
    BOOST_CHECK(page.content_type.find("text/html") == 0);
    BOOST_CHECK(page.body.find("<html") != std::string::npos);
    BOOST_CHECK_EQUAL(f.get("/nope").status, 404);
    BOOST_CHECK_EQUAL(f.get("/api/v2/server").status, 404);
    BOOST_CHECK_EQUAL(f.get("/api/v1/streams/live/cam").status, 404);
    BOOST_CHECK_EQUAL(f.get("/api/v1/streams/live").status, 404);
    BOOST_CHECK_EQUAL(f.get("/api/v1/sessions/12").status, 404);
    BOOST_CHECK_EQUAL(f.get("/api/v1/sessions/-1").status, 400);
    BOOST_CHECK_EQUAL(f.get("/api/v1/sessions/1x").status, 400);
    BOOST_CHECK_EQUAL(f.get("/api/v1/sessions?items_per_page=1001").status, 400);
    BOOST_CHECK_EQUAL(f.get("/api/v1/sessions?page=x").status, 400);
    BOOST_CHECK_EQUAL(f.get("/api/v1/streams/%zz/x").status, 400);
    auto post = f.router->handle(request("POST", "/api/v1/server"));
    BOOST_CHECK_EQUAL(post.status, 405);
    BOOST_REQUIRE_EQUAL(post.headers.size(), 1u);
    BOOST_CHECK_EQUAL(post.headers[0].first, "Allow");
    BOOST_CHECK_EQUAL(f.router->handle(request("DELETE", "/api/v1/sessions/7")).status, 404);
    BOOST_CHECK_EQUAL(f.router->handle(request("DELETE", "/api/v1/streams/live/x")).status, 404);
    BOOST_CHECK_EQUAL(f.router->handle(request("PATCH", "/api/v1/sessions/7")).status, 405);
    auto err = nlohmann::json::parse(f.get("/nope").body);
    BOOST_CHECK_EQUAL(err["error"]["status"], 404);
    BOOST_CHECK(err["error"]["reason"].is_string());
}

BOOST_AUTO_TEST_CASE(webrtc_counters_are_null_for_rtmp_and_named_for_whip) {
    BOOST_CHECK(http::webrtc_json(std::nullopt).is_null());
    webrtc::WhipStats s;
    s.kbps = 1450;
    s.video_packets = 38000;
    s.rtx_packets = 12;
    s.plis_sent = 31;
    s.ssrc_changes = 1;
    const auto j = http::webrtc_json(s);
    BOOST_CHECK_EQUAL(j["kbps"], 1450);
    BOOST_CHECK_EQUAL(j["video_packets"], 38000);
    BOOST_CHECK_EQUAL(j["rtx_packets"], 12);
    BOOST_CHECK_EQUAL(j["plis_sent"], 31);
    BOOST_CHECK_EQUAL(j["ssrc_changes"], 1);
    BOOST_CHECK_EQUAL(j["lost_packets"], 0);
    // The documented fields, no more (docs/http-api.md, WebRTC).
    BOOST_CHECK_EQUAL(j.size(), 15u);
}

BOOST_AUTO_TEST_CASE(router_lists_nothing_when_idle) {
    ServerFixture f;
    auto sessions = nlohmann::json::parse(f.get("/api/v1/sessions").body);
    BOOST_CHECK_EQUAL(sessions["item_count"], 0);
    BOOST_CHECK_EQUAL(sessions["page_count"], 0);
    BOOST_CHECK(sessions["items"].empty());
    auto streams = nlohmann::json::parse(f.get("/api/v1/streams").body);
    BOOST_CHECK_EQUAL(streams["count"], 0);
    auto info = nlohmann::json::parse(f.get("/api/v1/server").body);
    BOOST_CHECK_EQUAL(info["connections"]["total"], 0);
    BOOST_CHECK(info["bounds"].contains("max_connections"));
    BOOST_CHECK(info["uptime_seconds"].is_number());
}

BOOST_AUTO_TEST_CASE(secrets_never_answer) {
    server::Config c;
    c.api_token = "TOKEN-abc";
    c.rest_hook_secret = "HOOK-xyz";
    ServerFixture f(c);
    Request r = request("GET", "/api/v1/server");
    BOOST_CHECK_EQUAL(f.router->handle(r).status, 401);
    r.headers.emplace_back("Authorization", "Bearer TOKEN-abc");
    for (const char* path : {"/api/v1/server", "/metrics", "/api/v1/streams", "/api/v1/sessions"}) {
        r.path = path;
        auto a = f.router->handle(r);
        BOOST_CHECK_EQUAL(a.status, 200);
        BOOST_CHECK_MESSAGE(a.body.find("TOKEN-abc") == std::string::npos, path);
        BOOST_CHECK_MESSAGE(a.body.find("HOOK-xyz") == std::string::npos, path);
    }
}

BOOST_AUTO_TEST_CASE(metrics_are_prometheus_text) {
    ServerFixture f;
    auto m = f.get("/metrics");
    BOOST_CHECK_EQUAL(m.status, 200);
    BOOST_CHECK(m.content_type.find("text/plain; version=0.0.4") == 0);
    std::istringstream lines(m.body);
    std::string line;
    const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [-+0-9.e]+$)");
    int samples = 0;
    std::set<std::string> families;
    while (std::getline(lines, line)) {
        if (line.rfind("# TYPE ", 0) == 0) {
            std::istringstream t(line.substr(7));
            std::string name;
            t >> name;
            BOOST_CHECK_MESSAGE(families.insert(name).second, "TYPE twice: " + name);
            continue;
        }
        if (line.rfind("# HELP ", 0) == 0) continue;
        BOOST_CHECK_MESSAGE(std::regex_match(line, sample), line);
        BOOST_CHECK(line.rfind("rtmpkit_", 0) == 0 || line.rfind("process_", 0) == 0);
        ++samples;
    }
    BOOST_CHECK_GT(samples, 20);
    BOOST_CHECK(families.count("rtmpkit_build_info"));
    BOOST_CHECK(families.count("rtmpkit_sent_bytes_total"));
    BOOST_CHECK(families.count("process_cpu_seconds_total"));
}
