// RtmpUrl and Params as JSON objects.
#include "url/url_json.h"

namespace url {

nlohmann::json to_json(const Params& params) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : params.items) out[key] = value;
    return out;
}

nlohmann::json to_json(const RtmpUrl& url) {
    return nlohmann::json{
        {"scheme", url.scheme},
        {"host", url.host},
        {"port", url.port},
        {"app", url.app},
        {"tcUrl", url.tc_url},
        {"stream", url.stream},
        {"connect_params", to_json(url.connect_params)},
        {"stream_params", to_json(url.stream_params)},
    };
}

}  // namespace url
