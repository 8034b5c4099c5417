// One published message as the fan-out shares it: parsed once, chunked once, referenced by the
// GOP cache and by every player's output buffer.
#pragma once

#include <cstdint>
#include <memory>

#include "net/shared_buffer.h"
#include "rtmp/message.h"

namespace server {

// Stream id that every session gives its first createStream: shared chunks are encoded for it.
constexpr std::uint32_t kSharedStreamId = 1;

enum class MediaKind : std::uint8_t { Metadata, AudioHeader, VideoHeader, Audio, Video };

struct MediaMessage {
    MediaKind kind = MediaKind::Video;
    std::uint8_t type = 0;          // RTMP message type (8, 9, 18)
    std::uint32_t timestamp = 0;    // after the stream's monotonic normalisation
    bool keyframe = false;          // video: frame type 1 (or a sequence header)
    bool disposable = false;        // video: frame type 3 (disposable inter frame)
    util::Bytes payload;            // kept for players that need their own encoding
    net::SharedRef chunks;          // payload chunked for kSharedStreamId at the server chunk size
    // Where chunks' first (fmt 0) header ends and where its stream id field starts: a player on
    // another stream id gets its own copy of that header only, the rest stays shared.
    std::uint8_t first_header_size = 0;
    std::uint8_t stream_id_offset = 0;
    // Unique per message (never 0 for one made by make_media_message): tells a header replayed
    // again from a new header with the same bytes, without comparing payloads.
    std::uint64_t serial = 0;

    bool is_header() const {
        return kind == MediaKind::Metadata || kind == MediaKind::AudioHeader ||
               kind == MediaKind::VideoHeader;
    }
    bool is_video() const { return kind == MediaKind::Video || kind == MediaKind::VideoHeader; }
    bool is_audio() const { return kind == MediaKind::Audio || kind == MediaKind::AudioHeader; }
};

using MediaPtr = std::shared_ptr<const MediaMessage>;

// Classifies and chunks a publisher's audio (8), video (9) or data (18) message; nullptr when
// the payload is too large for RTMP's 24-bit length (re-encoded metadata can grow past it).
MediaPtr make_media_message(std::uint8_t type, std::uint32_t timestamp, util::Bytes payload,
                            std::uint32_t chunk_size);

// Chunk stream an outgoing message of `type` uses.
std::uint32_t csid_for_type(std::uint8_t type);

}  // namespace server
