// The HTTP side's routes (docs/http-api.md): access rules, then the API, /metrics, /healthz and
// the status page. Sans-IO: a Request in, a Response out; it reads and acts on the server.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/http_message.h"
#include "http/metrics.h"
#include "http/whip_routes.h"
#include "server/server.h"

namespace http {

class Router {
public:
    explicit Router(server::Server& srv) : server_(srv), whip_(srv) {}
    // The HTTP addresses being served, for GET /api/v1/server.
    void set_http_listeners(std::vector<std::string> plain, std::vector<std::string> tls) {
        http_listeners_ = std::move(plain);
        https_listeners_ = std::move(tls);
    }

    Response handle(const Request& request);
    // Every request: WHIP's answer may come later (a hook decides); the rest at once.
    void handle_async(const Request& request, std::function<void(Response)> done);
    // The route a request is counted under in /metrics (a fixed label, never the raw path).
    static std::string route_label(const Request& request);
    // The glue reports what answering took (CPU time of the loop's thread).
    void account(const std::string& route, double cpu_seconds);

private:
    // handle() with the path split already (split_path's answer).
    Response handle(const Request& request, const std::optional<std::vector<std::string>>& segments);
    Response route(const Request& request, const std::vector<std::string>& segments);
    Response api(const Request& request, const std::vector<std::string>& segments);
    Response server_info() const;
    Response streams() const;
    Response stream(const Request& request, const std::string& app, const std::string& name);
    Response stream_recording(const Request& request, const std::string& app, const std::string& name);
    Response recordings(const Request& request) const;
    Response sessions(const Request& request) const;
    Response session(const Request& request, const std::string& id);
    std::vector<server::SessionReport> players_of(const server::Stream& stream) const;
    // One line per refused request, at most 20 a second.
    void log_refusal(const Request& request, const std::string& reason);

    server::Server& server_;
    WhipRoutes whip_;
    std::vector<std::string> http_listeners_, https_listeners_;
    HttpCosts costs_;
    long long log_window_ms_ = 0;
    int logged_in_window_ = 0;
    std::uint64_t unlogged_ = 0;
};

// The path's segments, each percent-decoded; nullopt for a malformed escape, %00, invalid
// UTF-8, or more than 16 segments. "/" is no segment; one trailing '/' is ignored.
std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace http
