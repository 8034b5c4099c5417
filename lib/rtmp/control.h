// Protocol control messages (types 1-6) and user control events (type 4): payload builders and
// a reader. Payloads only; the chunk encoder frames them on chunk stream 2, message stream 0.
#pragma once

#include <cstdint>
#include <optional>

#include "util/bytes.h"

namespace rtmp {

enum class UserControlEvent : std::uint16_t {
    StreamBegin = 0,
    StreamEOF = 1,
    StreamDry = 2,
    SetBufferLength = 3,
    StreamIsRecorded = 4,
    PingRequest = 6,
    PingResponse = 7,
};

enum class PeerBandwidthLimit : std::uint8_t { Hard = 0, Soft = 1, Dynamic = 2 };

util::Bytes set_chunk_size_payload(std::uint32_t size);
util::Bytes abort_payload(std::uint32_t csid);
util::Bytes acknowledgement_payload(std::uint32_t sequence_number);
util::Bytes window_ack_size_payload(std::uint32_t size);
util::Bytes set_peer_bandwidth_payload(std::uint32_t size, PeerBandwidthLimit limit);
util::Bytes user_control_payload(UserControlEvent event, std::uint32_t value);
util::Bytes set_buffer_length_payload(std::uint32_t stream_id, std::uint32_t buffer_ms);

struct UserControl {
    UserControlEvent event;
    std::uint32_t value = 0;   // stream id, or the timestamp for ping events
    std::uint32_t extra = 0;   // buffer length in ms for SetBufferLength
};

// Reads a user control payload; nullopt when it is too short for its event.
std::optional<UserControl> read_user_control(util::ByteView payload);

// Reads the 4-byte value of Set Chunk Size, Abort, Acknowledgement or Window Ack Size, and the
// size of Set Peer Bandwidth; nullopt when the payload is too short.
std::optional<std::uint32_t> read_u32_payload(util::ByteView payload);

// Tracks bytes received and says when an Acknowledgement is due (window / 2 as ffmpeg expects).
class AckCounter {
public:
    void set_window(std::uint32_t window) { window_ = window; }
    // Adds received bytes; returns the sequence number to acknowledge when one is due.
    std::optional<std::uint32_t> on_received(std::uint64_t n);

private:
    std::uint32_t window_ = 0;
    std::uint64_t total_ = 0;
    std::uint64_t last_acked_ = 0;
};

}  // namespace rtmp
