// Classification of published media (sequence headers, keyframes) and its one-time chunking.
#include "server/media_message.h"

#include "rtmp/chunk_encoder.h"

namespace server {

std::uint32_t csid_for_type(std::uint8_t type) {
    switch (static_cast<rtmp::MessageType>(type)) {
        case rtmp::MessageType::Audio: return rtmp::csid::kAudio;
        case rtmp::MessageType::Video: return rtmp::csid::kVideo;
        default: return rtmp::csid::kData;
    }
}

namespace {

// Legacy FLV video tag byte: frame type (high nibble), codec id (low nibble); enhanced RTMP sets
// the top bit and carries a packet type in the low nibble (0 = sequence start).
void classify_video(MediaMessage& m) {
    m.kind = MediaKind::Video;
    if (m.payload.empty()) return;
    const std::uint8_t b = m.payload[0];
    if (b & 0x80) {
        const unsigned frame_type = (b >> 4) & 0x07;
        const unsigned packet_type = b & 0x0F;
        if (packet_type == 0) m.kind = MediaKind::VideoHeader;
        m.keyframe = frame_type == 1;
        m.disposable = frame_type == 3;
        return;
    }
    const unsigned frame_type = b >> 4;
    const unsigned codec = b & 0x0F;
    if ((codec == 7 || codec == 12 || codec == 13) && m.payload.size() >= 2 && m.payload[1] == 0) {
        m.kind = MediaKind::VideoHeader;
    }
    m.keyframe = frame_type == 1;
    m.disposable = frame_type == 3;
}

void classify_audio(MediaMessage& m) {
    m.kind = MediaKind::Audio;
    if (m.payload.size() >= 2 && (m.payload[0] >> 4) == 10 && m.payload[1] == 0) {
        m.kind = MediaKind::AudioHeader;  // AAC AudioSpecificConfig
    }
}

}  // namespace

MediaPtr make_media_message(std::uint8_t type, std::uint32_t timestamp, util::Bytes payload,
                            std::uint32_t chunk_size) {
    auto m = std::make_shared<MediaMessage>();
    m->type = type;
    m->timestamp = timestamp;
    m->payload = std::move(payload);
    if (type == std::uint8_t(rtmp::MessageType::Video)) {
        classify_video(*m);
    } else if (type == std::uint8_t(rtmp::MessageType::Audio)) {
        classify_audio(*m);
    } else {
        m->kind = MediaKind::Metadata;
    }
    rtmp::MessageHeader h;
    h.csid = csid_for_type(type);
    h.timestamp = timestamp;
    h.type = type;
    h.stream_id = kSharedStreamId;
    static std::uint64_t next_serial = 0;  // the event loop is single-threaded
    m->serial = ++next_serial;
    util::Bytes chunked;
    if (!rtmp::encode_message_absolute(h, m->payload, chunk_size, chunked)) return nullptr;
    const std::size_t basic = h.csid < 64 ? 1 : h.csid < 320 ? 2 : 3;
    m->stream_id_offset = std::uint8_t(basic + 7);
    m->first_header_size = std::uint8_t(basic + 11 + (timestamp >= 0xFFFFFF ? 4 : 0));
    m->chunks = net::SharedRef(net::SharedBytes::make(std::move(chunked)));
    return m;
}

}  // namespace server
