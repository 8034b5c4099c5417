// RTMP message types and the message as the chunk layer delivers it.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/bytes.h"

namespace rtmp {

enum class MessageType : std::uint8_t {
    SetChunkSize = 1,
    Abort = 2,
    Acknowledgement = 3,
    UserControl = 4,
    WindowAckSize = 5,
    SetPeerBandwidth = 6,
    Audio = 8,
    Video = 9,
    DataAmf3 = 15,
    SharedObjectAmf3 = 16,
    CommandAmf3 = 17,
    DataAmf0 = 18,
    SharedObjectAmf0 = 19,
    CommandAmf0 = 20,
    Aggregate = 22,
};

std::string_view message_type_name(std::uint8_t type);

// Chunk stream ids this implementation uses when it sends. Media gets its own ids so that a
// message chunked once with absolute headers never disturbs the state of the per-session ids.
namespace csid {
constexpr std::uint32_t kControl = 2;   // protocol control, user control (spec: must be 2)
constexpr std::uint32_t kCommand = 3;   // AMF commands and replies
constexpr std::uint32_t kAudio = 4;
constexpr std::uint32_t kData = 5;      // onMetaData and other data messages
constexpr std::uint32_t kVideo = 6;
}  // namespace csid

struct MessageHeader {
    std::uint32_t csid = csid::kCommand;
    std::uint32_t timestamp = 0;
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
};

struct Message {
    std::uint32_t csid = 0;
    std::uint32_t timestamp = 0;  // absolute, modulo 2^32
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
    util::Bytes payload;
};

}  // namespace rtmp
