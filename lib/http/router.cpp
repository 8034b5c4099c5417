#include "http/router.h"

#include <charconv>
#include <cmath>

#include "http/access.h"
#include "http/api_json.h"
#include "http/metrics.h"
#include "http/process_stats.h"
#include "http/status_page.h"
#include "net/log.h"
#include "server/recordings.h"
#include "server/session.h"
#include "server/webrtc_ingest.h"
#include "util/text_escape.h"
#include "util/version.h"

namespace http {

namespace {

constexpr std::size_t kMaxPathBytes = 2048;
constexpr std::size_t kMaxSegments = 16;
constexpr std::size_t kMaxItemsPerPage = 1000;

Response json_response(const json& j, int status = 200) {
    Response r;
    r.status = status;
    r.body = j.dump() + "\n";
    return r;
}

bool is_read(const Request& r) { return r.method == "GET" || r.method == "HEAD"; }

// A non-negative decimal that fits; nullopt otherwise ("", "-1", "1e3", "99999999999999999999").
std::optional<std::uint64_t> parse_count(std::string_view text) {
    std::uint64_t v = 0;
    if (text.empty() || text.size() > 19) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::vector<std::string>> split_path(std::string_view path) {
    if (path.size() > kMaxPathBytes || path.empty() || path.front() != '/') return std::nullopt;
    path.remove_prefix(1);
    if (!path.empty() && path.back() == '/') path.remove_suffix(1);
    std::vector<std::string> out;
    if (path.empty()) return out;
    while (true) {
        const auto slash = path.find('/');
        auto decoded = url::percent_decode(path.substr(0, slash));
        if (!decoded || out.size() >= kMaxSegments) return std::nullopt;
        out.push_back(std::move(*decoded));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

std::string Router::route_label(const Request& request) {
    auto s = split_path(request.path);
    if (!s) return "other";
    if (s->empty()) return "/";
    if (s->size() == 1 && ((*s)[0] == "healthz" || (*s)[0] == "metrics")) return "/" + (*s)[0];
    if (WhipRoutes::owns(*s)) return WhipRoutes::route_label(*s);
    if (s->size() >= 3 && (*s)[0] == "api" && (*s)[1] == "v1") {
        const std::string& what = (*s)[2];
        if (what == "server" && s->size() == 3) return "/api/v1/server";
        if (what == "streams" && s->size() == 3) return "/api/v1/streams";
        if (what == "streams" && s->size() == 5) return "/api/v1/streams/{app}/{name}";
        if (what == "sessions" && s->size() == 3) return "/api/v1/sessions";
        if (what == "sessions" && s->size() == 4) return "/api/v1/sessions/{id}";
    }
    return "other";
}

void Router::account(const std::string& route, double cpu_seconds) {
    RouteCost& c = costs_[route];
    ++c.requests;
    c.cpu_seconds += cpu_seconds;
}

void Router::log_refusal(const Request& request, const std::string& reason) {
    const long long now = server_.now_ms();
    if (now - log_window_ms_ >= 1000) {
        log_window_ms_ = now;
        logged_in_window_ = 0;
    }
    if (logged_in_window_ >= 20) {
        ++unlogged_;
        return;
    }
    ++logged_in_window_;
    // Never the Authorization header: a wrong token may be a right one for something else.
    net::LogFields fields = {{"peer", request.peer},
                             {"method", util::shorten(request.method, 16)},
                             {"path", util::shorten(request.path, 128)},
                             {"reason", reason}};
    if (unlogged_) fields.emplace_back("refused_unlogged", std::to_string(unlogged_));
    unlogged_ = 0;
    net::logger().warn("HTTP request refused", fields);
}

void Router::handle_async(const Request& request, std::function<void(Response)> done) {
    auto segments = split_path(request.path);
    if (segments && WhipRoutes::owns(*segments)) return whip_.handle(request, *segments, std::move(done));
    done(handle(request, segments));
}

Response Router::handle(const Request& request) { return handle(request, split_path(request.path)); }

Response Router::handle(const Request& request,
                        const std::optional<std::vector<std::string>>& segments) {
    if (!segments) return error_response(400, "malformed path");
    Area area;
    const auto& s = *segments;
    if (s.size() == 1 && s[0] == "healthz") area = Area::Health;
    else if (s.empty()) area = Area::Page;
    else if (s[0] == "api" || s[0] == "metrics") area = Area::Api;
    else return error_response(404, "no such path");
    if (auto refusal = check_access(request, area, server_.config()->api_token)) {
        if (!refusal->log_reason.empty()) log_refusal(request, refusal->log_reason);
        return refusal->response;
    }
    return route(request, s);
}

Response Router::route(const Request& request, const std::vector<std::string>& s) {
    if (s.empty()) {
        if (!is_read(request)) return method_not_allowed("GET, HEAD");
        Response r;
        r.content_type = "text/html; charset=utf-8";
        r.body = kStatusPageHtml;
        // The page's own scripts and styles only; nothing from elsewhere, no framing.
        r.headers.emplace_back("Content-Security-Policy",
                               "default-src 'self'; script-src 'unsafe-inline'; "
                               "style-src 'unsafe-inline'; img-src 'self' data:; "
                               "frame-ancestors 'none'");
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        return r;
    }
    if (s[0] == "healthz") {
        if (!is_read(request)) return method_not_allowed("GET, HEAD");
        Response r;
        r.content_type = "text/plain; charset=utf-8";
        if (server_.stopping()) {
            r.status = 503;
            r.body = "stopping\n";
        } else {
            r.body = "ok\n";
        }
        return r;
    }
    if (s[0] == "metrics") {
        if (s.size() != 1) return error_response(404, "no such path");
        if (!is_read(request)) return method_not_allowed("GET, HEAD");
        Response r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = render_metrics(server_, read_process_stats(), costs_);
        return r;
    }
    return api(request, s);
}

Response Router::api(const Request& request, const std::vector<std::string>& s) {
    if (s.size() < 3 || s[1] != "v1") return error_response(404, "no such path (the API is /api/v1/)");
    const std::string& what = s[2];
    if (what == "server" && s.size() == 3) {
        if (!is_read(request)) return method_not_allowed("GET, HEAD");
        return server_info();
    }
    if (what == "streams") {
        if (s.size() == 3) {
            if (!is_read(request)) return method_not_allowed("GET, HEAD");
            return streams();
        }
        if (s.size() == 5) return stream(request, s[3], s[4]);
        if (s.size() == 6 && s[5] == "record") return stream_recording(request, s[3], s[4]);
    }
    if (what == "recordings" && s.size() == 3) return recordings(request);
    if (what == "sessions") {
        if (s.size() == 3) {
            if (!is_read(request)) return method_not_allowed("GET, HEAD");
            return sessions(request);
        }
        if (s.size() == 4) return session(request, s[3]);
    }
    return error_response(404, "no such path");
}

Response Router::server_info() const {
    const auto& c = *server_.config();
    const ProcessStats p = read_process_stats();
    const auto roles = server_.sessions_by_role();
    auto count = [&roles](server::SessionRole r) { return roles[std::size_t(r)]; };
    json j;
    j["version"] = util::kVersion;
    j["node_id"] = util::json_safe(server_.node_id());
    j["started_at"] = iso_time(server_.started_at_ms());
    j["uptime_seconds"] = double(server_.now_ms() - server_.started_at_ms()) / 1000.0;
    j["listeners"] = {{"rtmp", server_.listening_on()},
                      {"rtmps", server_.listening_tls_on()},
                      {"http", http_listeners_},
                      {"https", https_listeners_}};
    if (const server::WebrtcIngest* w = server_.webrtc(); w && w->started()) {
        json candidates = json::array();
        for (const auto& [ip, port] : w->candidates()) candidates.push_back(ip);
        j["listeners"]["webrtc_udp"] = {w->address()};
        j["webrtc"] = {{"candidates", candidates}, {"sessions", w->sessions()}};
    }
    json connections;
    connections["total"] = server_.session_count();
    connections["handshake"] = count(server::SessionRole::Handshake);
    connections["connected"] = count(server::SessionRole::Connected);
    connections["publishers"] = count(server::SessionRole::Publisher);
    connections["players"] = count(server::SessionRole::Player);
    connections["closing"] = count(server::SessionRole::Closing);
    j["connections"] = connections;
    j["streams"] = server_.streams().size();
    j["write_merge"] = {{"write_coalesce_ms", server_.merge_delay().limit_ms()},
                        {"effective_ms", std::round(server_.merge_delay().effective_ms() * 10) / 10}};
    j["memory"] = {{"buffered_bytes", server_.buffered_bytes()},
                   {"max_memory", c.max_memory},
                   {"rss_bytes", p.resident_bytes}};
    // The bounds in force; secrets (api_token, rest_hook_secret) are never part of an answer.
    j["bounds"] = {{"max_connections", c.max_connections},
                   {"max_connections_per_ip", c.max_connections_per_ip},
                   {"max_connection_rate_per_ip", c.max_connection_rate_per_ip},
                   {"max_memory", c.max_memory},
                   {"max_command_rate", c.max_command_rate},
                   {"max_control_rate", c.max_control_rate},
                   {"max_message_size", c.max_message_size},
                   {"max_control_output", c.max_control_output},
                   {"max_metadata_size", c.max_metadata_size},
                   {"player_queue_max_bytes", c.player_queue_max_bytes},
                   {"player_queue_max_time", server::format_duration(c.player_queue_max_time)},
                   {"gop_cache_max_frames", c.gop_cache_max_frames},
                   {"gop_cache_max_bytes", c.gop_cache_max_bytes},
                   {"gop_cache_max_messages", c.gop_cache_max_messages},
                   {"handshake_timeout", server::format_duration(c.handshake_timeout)},
                   {"idle_timeout", server::format_duration(c.idle_timeout)},
                   {"idle_publisher_timeout", server::format_duration(c.idle_publisher_timeout)},
                   {"write_timeout", server::format_duration(c.write_timeout)},
                   {"rest_event_queue_max", c.rest_event_queue_max},
                   {"metrics_max_streams", c.metrics_max_streams}};
    return json_response(j);
}

std::vector<server::SessionReport> Router::players_of(const server::Stream& stream) const {
    std::vector<server::SessionReport> out;
    for (const server::Session* sess : server_.sessions_by_id())
        if (sess->playing_stream() == &stream) out.push_back(sess->report());
    return out;
}

Response Router::streams() const {
    // Players grouped by stream in one pass over the sessions.
    std::map<const server::Stream*, std::vector<server::SessionReport>> players;
    for (const server::Session* sess : server_.sessions_by_id())
        if (const server::Stream* st = sess->playing_stream()) players[st].push_back(sess->report());
    json list = json::array();
    for (const auto& [key, st] : server_.streams()) list.push_back(stream_json(server_, *st, players[st.get()]));
    json j;
    j["count"] = list.size();
    j["streams"] = std::move(list);
    return json_response(j);
}

Response Router::stream(const Request& request, const std::string& app, const std::string& name) {
    const server::StreamKey key{app, name};
    const auto& all = server_.streams();
    auto it = all.find(key);
    if (request.method == "DELETE") {
        if (it == all.end()) return error_response(404, "no such stream");
        if (!server_.end_publication(key)) return error_response(409, "the stream has no publisher");
        Response r;
        r.status = 204;
        r.content_type.clear();
        return r;
    }
    if (!is_read(request)) return method_not_allowed("GET, HEAD, DELETE");
    if (it == all.end()) return error_response(404, "no such stream");
    return json_response(stream_json(server_, *it->second, players_of(*it->second)));
}

Response Router::stream_recording(const Request& request, const std::string& app,
                                  const std::string& name) {
    const server::StreamKey key{app, name};
    if (!server_.streams().count(key)) return error_response(404, "no such stream");
    server::Recordings& recordings = server_.recordings();
    if (request.method == "POST") {
        using Start = server::Recordings::Start;
        switch (recordings.start(key, "HTTP API")) {
            case Start::Started: break;
            case Start::AlreadyRecording: return error_response(409, "the stream is being recorded already");
            case Start::NoPublisher: return error_response(409, "the stream has no publisher");
            case Start::Failed: return error_response(500, "the recording could not start (see the server log)");
        }
        // Started, unless the recorder stopped at once (its queue refused the GOP cache).
        const auto report = recordings.report(key);
        if (!report) return error_response(500, "the recording stopped at once (see the server log)");
        return json_response(recording_json(*report), 201);
    }
    if (request.method == "DELETE") {
        if (!recordings.stop(key, "stopped by the operator (HTTP API)"))
            return error_response(404, "the stream is not being recorded");
        Response r;
        r.status = 204;
        r.content_type.clear();
        return r;
    }
    if (!is_read(request)) return method_not_allowed("GET, HEAD, POST, DELETE");
    const auto report = recordings.report(key);
    if (!report) return error_response(404, "the stream is not being recorded");
    return json_response(recording_json(*report));
}

Response Router::recordings(const Request& request) const {
    if (!is_read(request)) return method_not_allowed("GET, HEAD");
    json list = json::array();
    for (const auto& r : server_.recordings().reports()) list.push_back(recording_json(r));
    json j;
    j["count"] = list.size();
    j["recordings"] = std::move(list);
    return json_response(j);
}

Response Router::sessions(const Request& request) const {
    auto query = url::parse_query(request.query);
    if (!query) return error_response(400, "malformed query");
    std::uint64_t page = 0, per_page = 100;
    if (const std::string* p = query->get("page")) {
        auto v = parse_count(*p);
        if (!v) return error_response(400, "page: expected a number from 0");
        page = *v;
    }
    if (const std::string* n = query->get("items_per_page")) {
        auto v = parse_count(*n);
        if (!v || *v == 0 || *v > kMaxItemsPerPage)
            return error_response(400, "items_per_page: expected 1.." + std::to_string(kMaxItemsPerPage));
        per_page = *v;
    }
    const auto all = server_.sessions_by_id();
    json items = json::array();
    if (page < (all.size() + per_page - 1) / per_page) {
        const std::size_t first = std::size_t(page * per_page);
        for (std::size_t i = first; i < all.size() && i < first + per_page; ++i)
            items.push_back(session_json(all[i]->report()));
    }
    json j;
    j["items"] = std::move(items);
    j["page"] = page;
    j["items_per_page"] = per_page;
    j["item_count"] = all.size();
    j["page_count"] = (all.size() + per_page - 1) / per_page;
    return json_response(j);
}

Response Router::session(const Request& request, const std::string& id_text) {
    auto id = parse_count(id_text);
    if (!id) return error_response(400, "a session id is a number");
    if (request.method == "DELETE") {
        if (!server_.close_session(*id)) return error_response(404, "no such session");
        Response r;
        r.status = 204;
        r.content_type.clear();
        return r;
    }
    if (!is_read(request)) return method_not_allowed("GET, HEAD, DELETE");
    const server::Session* sess = server_.find_session(*id);
    if (!sess) return error_response(404, "no such session");
    return json_response(session_json(sess->report()));
}

}  // namespace http
