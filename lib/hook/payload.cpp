// Builds the REST hook JSON bodies and applies a backend's field overwrites (see payload.h).
#include "hook/payload.h"

#include <algorithm>

namespace hook {

namespace {

void append_endpoint(std::string& out, std::string_view ip, std::uint16_t port) {
    out += '/';
    bool v6 = ip.find(':') != std::string_view::npos;
    if (v6) out += '[';
    out += ip;
    if (v6) out += ']';
    out += ':';
    out += std::to_string(port);
}

// Numbers compare as one type: a backend may answer 2.0 where 2 was sent.
bool same_kind(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return true;
    return a.type() == b.type();
}

}  // namespace

std::string format_session_id(std::string_view remote_ip, std::uint16_t remote_port,
                              std::string_view local_ip, std::uint16_t local_port) {
    std::string out;
    append_endpoint(out, remote_ip, remote_port);
    append_endpoint(out, local_ip, local_port);
    return out;
}

std::string play_media_session_id(std::string_view name, std::string_view session_id) {
    if (!session_id.empty() && session_id.front() == '/') session_id.remove_prefix(1);
    std::string out(name);
    out += '/';
    out += session_id;
    return out;
}

std::string uuid_v4(const std::array<std::uint8_t, 16>& random_bytes) {
    std::array<std::uint8_t, 16> b = random_bytes;
    b[6] = std::uint8_t((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = std::uint8_t((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 0x0F];
    }
    return out;
}

json params_object(const Params& params) {
    json out = json::object();
    for (const auto& [key, value] : params) out[key] = value;
    return out;
}

json connect_payload(const ConnectInfo& info) {
    return json{
        {"nodeId", info.node_id},
        {"appKey", info.app_key},
        {"sessionId", info.session_id},
        {"useWsTunnel", false},
        {"useWsTunnelPacketization2", false},
        {"useBase64BinaryEncoding", false},
        {"keepAlive", false},
        {"custom", params_object(info.custom)},
        {"login", info.login},
    };
}

json connection_status_payload(const ConnectInfo& info, std::string_view status,
                               std::string_view why) {
    json out = connect_payload(info);
    out["status"] = status;
    if (!why.empty()) out["info"] = why;
    return out;
}

json stream_payload(const StreamInfo& info) {
    json out{
        {"nodeId", info.node_id},
        {"appKey", info.app_key},
        {"sessionId", info.session_id},
        {"mediaSessionId", info.media_session_id},
        {"name", info.name},
        {"published", info.published},
        {"hasVideo", info.has_video},
        {"hasAudio", info.has_audio},
        {"status", info.status},
        {"record", info.record},
        {"width", info.width},
        {"height", info.height},
        {"bitrate", info.bitrate},
        {"minBitrate", info.min_bitrate},
        {"maxBitrate", info.max_bitrate},
        {"quality", info.quality},
        {"mediaProvider", info.media_provider},
        {"custom", params_object(info.custom)},
    };
    if (!info.info.empty()) out["info"] = info.info;
    const MediaFacts& f = info.facts;
    if (f.video_codec) out["videoCodec"] = *f.video_codec;
    if (f.audio_codec) out["audioCodec"] = *f.audio_codec;
    if (f.frame_rate) out["frameRate"] = *f.frame_rate;
    if (f.video_bitrate) out["videoBitrate"] = *f.video_bitrate;
    if (f.audio_bitrate) out["audioBitrate"] = *f.audio_bitrate;
    if (f.audio_sample_rate) out["audioSampleRate"] = *f.audio_sample_rate;
    if (f.audio_channels) out["audioChannels"] = *f.audio_channels;
    return out;
}

json recording_status_payload(const RecordingStatus& r) {
    json out{
        {"nodeId", r.node_id},
        {"appKey", r.app_key},
        {"name", r.name},
        {"mediaSessionId", r.media_session_id},
        {"path", r.path},
        {"size", r.size},
        {"duration", r.duration_ms},
        {"firstTimestamp", r.first_timestamp},
        {"lastTimestamp", r.last_timestamp},
        {"status", r.status},
    };
    if (!r.reason.empty()) out["reason"] = r.reason;
    return out;
}

std::string to_body(const json& payload) {
    return payload.dump(-1, ' ', false, json::error_handler_t::replace);
}

Overwrite apply_overwrite(const json& sent, const std::vector<std::string>& allowed,
                          std::string_view answer_body) {
    Overwrite out;
    // The non-throwing parse: a malformed body yields a "discarded" value.
    json answer = json::parse(answer_body.begin(), answer_body.end(), nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) return out;
    out.body_was_json = true;
    for (const auto& [key, value] : answer.items()) {
        const json* before = nullptr;
        if (sent.is_object()) {
            auto it = sent.find(key);
            if (it != sent.end()) before = &*it;
        }
        if (before && *before == value) continue;  // echoed unchanged
        bool is_allowed = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
        bool type_ok = before ? same_kind(*before, value)
                              : (value.is_string() || value.is_number() || value.is_boolean());
        if (is_allowed && type_ok) {
            out.fields[key] = value;
        } else {
            out.refused.push_back(key);
            if (is_allowed) out.wrong_type.push_back(key);
        }
    }
    return out;
}

}  // namespace hook
