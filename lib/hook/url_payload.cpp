// Hook payloads from URL parts (see url_payload.h).
#include "hook/url_payload.h"

namespace hook {

ConnectInfo connect_info_for(const url::Params& connect_params, const std::string& node_id,
                             const std::string& session_id) {
    ConnectInfo info;
    info.node_id = node_id;
    info.session_id = session_id;
    info.custom = connect_params.items;
    if (const std::string* login = connect_params.get("login")) info.login = *login;
    return info;
}

StreamInfo stream_info_for(const std::string& name, bool published, const std::string& status,
                           const url::Params& stream_params, const std::string& node_id,
                           const std::string& session_id, const std::string& publish_uuid) {
    StreamInfo info;
    info.node_id = node_id;
    info.session_id = session_id;
    info.name = name;
    info.published = published;
    info.status = status;
    info.custom = stream_params.items;
    info.media_session_id = published ? publish_uuid : play_media_session_id(name, session_id);
    return info;
}

json payload_for_url(const std::string& method, const url::RtmpUrl& url, const std::string& node_id,
                     const std::string& session_id, const std::string& publish_uuid) {
    if (method == method::kConnect)
        return connect_payload(connect_info_for(url.connect_params, node_id, session_id));
    if (method == method::kPublishStream || method == method::kPlayStream) {
        const bool published = method == method::kPublishStream;
        return stream_payload(stream_info_for(url.stream, published, "NEW", url.stream_params, node_id,
                                              session_id, publish_uuid));
    }
    return nullptr;
}

}  // namespace hook
