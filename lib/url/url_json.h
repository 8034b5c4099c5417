// RtmpUrl as JSON (nlohmann), for rtmp-urlparse output and the server's hook payloads.
#pragma once

#include <nlohmann/json.hpp>

#include "url/rtmp_url.h"

namespace url {

// {"k": "v", ...}; a repeated key appears once with its LAST value, as Params::get reads it.
nlohmann::json to_json(const Params& params);

// {"scheme", "host", "port", "app", "tcUrl", "stream", "connect_params", "stream_params"}.
// `host` is without IPv6 brackets; `stream` is "" when the URL names none.
nlohmann::json to_json(const RtmpUrl& url);

}  // namespace url
