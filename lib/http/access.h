// Who may use the HTTP side (docs/http-api.md, Access): a Bearer token when api_token is set,
// else loopback peers naming a loopback Host (no DNS rebinding); never a foreign Origin.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace http {

enum class Area {
    Health,  // /healthz: anyone
    Page,    // the status page's HTML: needs no token (it asks for one), else as Api
    Api,     // /api/ and /metrics
};

struct Refusal {
    Response response;
    std::string log_reason;  // empty: not worth a log line
};

// nullopt when `request` may go on.
std::optional<Refusal> check_access(const Request& request, Area area, std::string_view api_token);

// "127.0.0.1", "127.1.2.3:80", "[::1]:8935", "localhost" (any case) ...
bool is_loopback_host(std::string_view host_header);

}  // namespace http
