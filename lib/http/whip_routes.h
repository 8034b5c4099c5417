// The WHIP endpoints (RFC 9725) and the publishing page: POST /whip/{app}/{name} with an SDP
// offer, DELETE and PATCH on the resource /whip/{app}/{name}/{id} it names, CORS for pages of
// any origin on /whip/ only, and GET /publish. Not behind api_token: a Bearer token here is the
// publisher's, passed to the hooks as the connection parameter `token`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/http_message.h"

namespace server {
class Server;
}

namespace http {

class WhipRoutes {
  public:
    explicit WhipRoutes(server::Server& srv) : server_(srv) {}

    // The path is WHIP's or the page's: handle() answers it.
    static bool owns(const std::vector<std::string>& segments);
    static std::string route_label(const std::vector<std::string>& segments);
    // `done` is called once: at once, or when the hooks decided on a POST.
    void handle(const Request& request, const std::vector<std::string>& segments,
                std::function<void(Response)> done);

  private:
    void post(const Request& request, const std::string& app, const std::string& name,
              std::function<void(Response)> done);

    server::Server& server_;
};

}  // namespace http
