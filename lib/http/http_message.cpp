#include "http/http_message.h"

#include <nlohmann/json.hpp>
#include <strings.h>

#include "util/text_escape.h"

namespace http {

const std::string* Request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0)
            return &v;
    return nullptr;
}

Response error_response(int status, std::string_view reason) {
    Response r;
    r.status = status;
    nlohmann::ordered_json j;
    j["error"] = {{"status", status}, {"reason", util::json_safe(reason)}};
    r.body = j.dump() + "\n";
    return r;
}

Response method_not_allowed(std::string_view allow) {
    Response r = error_response(405, "method not allowed; allowed: " + std::string(allow));
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
}

}  // namespace http
