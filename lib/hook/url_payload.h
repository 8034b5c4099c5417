// What a hook says about a client, from its RTMP URL: the one place rtmp-serve and
// `rtmp-urlparse --hook` build connect, publishStream and playStream payloads from.
#pragma once

#include <string>

#include "hook/payload.h"
#include "url/rtmp_url.h"

namespace hook {

// connect: `custom` is the connection parameters; `login` their "login" value, if any.
ConnectInfo connect_info_for(const url::Params& connect_params, const std::string& node_id,
                             const std::string& session_id);

// publishStream / playStream (and their status events): `custom` is the stream parameters.
// A player's mediaSessionId is derived from the name; a publisher's is `publish_uuid`.
StreamInfo stream_info_for(const std::string& name, bool published, const std::string& status,
                           const url::Params& stream_params, const std::string& node_id,
                           const std::string& session_id, const std::string& publish_uuid);

// The payload of `method` (connect, publishStream or playStream) for a client at `url`;
// null json for another method.
json payload_for_url(const std::string& method, const url::RtmpUrl& url, const std::string& node_id,
                     const std::string& session_id, const std::string& publish_uuid);

}  // namespace hook
