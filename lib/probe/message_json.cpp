// JSON view of a received message; see message_json.h.
#include "probe/message_json.h"

#include <string>

#include "media/audio.h"
#include "media/video.h"
#include "rtmp/amf_json.h"
#include "rtmp/command.h"
#include "rtmp/control.h"

namespace probe {

namespace {

const char* user_control_name(rtmp::UserControlEvent e) {
    switch (e) {
    case rtmp::UserControlEvent::StreamBegin: return "stream_begin";
    case rtmp::UserControlEvent::StreamEOF: return "stream_eof";
    case rtmp::UserControlEvent::StreamDry: return "stream_dry";
    case rtmp::UserControlEvent::SetBufferLength: return "set_buffer_length";
    case rtmp::UserControlEvent::StreamIsRecorded: return "stream_is_recorded";
    case rtmp::UserControlEvent::PingRequest: return "ping_request";
    case rtmp::UserControlEvent::PingResponse: return "ping_response";
    }
    return "unknown";
}

void add_video(nlohmann::ordered_json& j, util::ByteView payload) {
    auto h = media::parse_video_tag_header(payload);
    if (!h) {
        j["error"] = h.error().message;
        return;
    }
    j["codec"] = h->codec_name();
    j["keyframe"] = h->keyframe;
    j["frame_type"] = h->frame_type;
    if (h->sequence_header) j["packet_type"] = "sequence_header";
    else if (h->end_of_sequence) j["packet_type"] = "end_of_sequence";
    else if (h->command) j["packet_type"] = "command";
    else if (h->metadata) j["packet_type"] = "metadata";
    else j["packet_type"] = "frame";
    j["composition_time"] = h->composition_time;
}

void add_audio(nlohmann::ordered_json& j, util::ByteView payload) {
    auto h = media::parse_audio_tag_header(payload);
    if (!h) {
        j["error"] = h.error().message;
        return;
    }
    j["codec"] = media::sound_format_name(h->sound_format);
    j["packet_type"] = h->is_sequence_header() ? "sequence_header" : "frame";
}

nlohmann::ordered_json values_json(const std::vector<rtmp::amf::Value>& values) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& v : values) a.push_back(rtmp::amf::to_json(v));
    return a;
}

}  // namespace

nlohmann::ordered_json message_json(const rtmp::Message& m, std::uint64_t at_ms) {
    nlohmann::ordered_json j;
    j["at_ms"] = at_ms;
    j["type"] = std::string(rtmp::message_type_name(m.type));
    j["type_id"] = m.type;
    j["chunk_stream"] = m.csid;
    j["message_stream"] = m.stream_id;
    j["timestamp"] = m.timestamp;
    j["size"] = m.payload.size();
    switch (rtmp::MessageType(m.type)) {
    case rtmp::MessageType::Video: add_video(j, m.payload); break;
    case rtmp::MessageType::Audio: add_audio(j, m.payload); break;
    case rtmp::MessageType::CommandAmf0:
    case rtmp::MessageType::CommandAmf3: {
        auto c = rtmp::decode_command(m.payload, m.type == 17);
        if (!c) {
            j["error"] = c.error().message;
            break;
        }
        j["name"] = c->name;
        j["transaction_id"] = c->transaction_id;
        j["args"] = values_json(c->args);
        break;
    }
    case rtmp::MessageType::DataAmf0:
    case rtmp::MessageType::DataAmf3: {
        auto d = rtmp::decode_data(m.payload, m.type == 15);
        if (!d) j["error"] = d.error().message;
        else j["values"] = values_json(*d);
        break;
    }
    case rtmp::MessageType::UserControl: {
        auto uc = rtmp::read_user_control(m.payload);
        if (!uc) break;
        j["event"] = user_control_name(uc->event);
        j["value"] = uc->value;
        if (uc->event == rtmp::UserControlEvent::SetBufferLength) j["buffer_ms"] = uc->extra;
        break;
    }
    case rtmp::MessageType::SetChunkSize:
    case rtmp::MessageType::Abort:
    case rtmp::MessageType::Acknowledgement:
    case rtmp::MessageType::WindowAckSize:
    case rtmp::MessageType::SetPeerBandwidth:
        if (auto v = rtmp::read_u32_payload(m.payload)) j["value"] = *v;
        if (m.type == 6 && m.payload.size() >= 5) j["limit_type"] = m.payload[4];
        break;
    default: break;
    }
    return j;
}

}  // namespace probe
