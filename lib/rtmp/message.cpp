// Human-readable names of RTMP message types, for logs and rtmp-probe.
#include "rtmp/message.h"

namespace rtmp {

std::string_view message_type_name(std::uint8_t type) {
    switch (static_cast<MessageType>(type)) {
        case MessageType::SetChunkSize: return "SetChunkSize";
        case MessageType::Abort: return "Abort";
        case MessageType::Acknowledgement: return "Acknowledgement";
        case MessageType::UserControl: return "UserControl";
        case MessageType::WindowAckSize: return "WindowAckSize";
        case MessageType::SetPeerBandwidth: return "SetPeerBandwidth";
        case MessageType::Audio: return "Audio";
        case MessageType::Video: return "Video";
        case MessageType::DataAmf3: return "DataAmf3";
        case MessageType::SharedObjectAmf3: return "SharedObjectAmf3";
        case MessageType::CommandAmf3: return "CommandAmf3";
        case MessageType::DataAmf0: return "DataAmf0";
        case MessageType::SharedObjectAmf0: return "SharedObjectAmf0";
        case MessageType::CommandAmf0: return "CommandAmf0";
        case MessageType::Aggregate: return "Aggregate";
    }
    return "Unknown";
}

}  // namespace rtmp
