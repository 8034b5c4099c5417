// Stream state and fan-out. A published message is turned into one MediaMessage (chunked once);
// each player gets a reference to it. Nothing here is O(players) beyond handing out references.
#include "server/stream.h"

#include <algorithm>

namespace server {

void Stream::start_publishing(const void* owner) {
    publisher_ = owner;
    timestamps_.new_source();
    // The new publisher brings its own headers; the old GOP would not decode with them.
    metadata_.reset();
    video_header_.reset();
    audio_header_.reset();
    gop_.clear();
    gop_bytes_ = gop_frames_ = 0;
    gop_open_ = false;
    std::vector<Player*> snapshot = players_;
    for (Player* p : snapshot) p->on_publish_start(*this);
}

void Stream::stop_publishing() {
    publisher_ = nullptr;
    std::vector<Player*> snapshot = players_;
    for (Player* p : snapshot) p->on_publish_stop(*this);
}

void Stream::add_player(Player* p) {
    if (std::find(players_.begin(), players_.end(), p) == players_.end()) players_.push_back(p);
}

void Stream::remove_player(Player* p) {
    players_.erase(std::remove(players_.begin(), players_.end(), p), players_.end());
}

void Stream::publish(std::uint8_t type, std::uint32_t timestamp, util::Bytes payload) {
    using Track = TimestampNormalizer::Track;
    const Track track = type == 8 ? Track::Audio : type == 9 ? Track::Video : Track::Data;
    info_.bytes_in += payload.size();
    if (type == 9 && !payload.empty()) info_.video_codec = (payload[0] & 0x80) ? 0x80 : payload[0] & 0x0F;
    if (type == 8 && !payload.empty()) info_.audio_format = payload[0] >> 4;
    const std::uint32_t ts = timestamps_.normalize(timestamp, track);
    MediaPtr m = make_media_message(type, ts, std::move(payload), chunk_size_);
    if (m->kind == MediaKind::Video) ++info_.video_frames;
    if (m->kind == MediaKind::Audio) ++info_.audio_frames;
    cache(m);
    for (Player* p : players_) p->send_media(m);
}

void Stream::cache(const MediaPtr& m) {
    switch (m->kind) {
        case MediaKind::Metadata: metadata_ = m; return;
        case MediaKind::VideoHeader: video_header_ = m; return;
        case MediaKind::AudioHeader: audio_header_ = m; return;
        default: break;
    }
    if (!gop_limits_.enabled) return;
    if (m->kind == MediaKind::Video && m->keyframe) {
        gop_.clear();
        gop_bytes_ = gop_frames_ = 0;
        gop_open_ = true;
    }
    if (!gop_open_) return;
    gop_.push_back(m);
    gop_bytes_ += m->payload.size();
    if (m->kind == MediaKind::Video) ++gop_frames_;
    if (gop_frames_ > gop_limits_.max_frames || gop_bytes_ > gop_limits_.max_bytes) {
        // Too long a GOP to keep: new players wait for the next keyframe instead.
        gop_.clear();
        gop_bytes_ = gop_frames_ = 0;
        gop_open_ = false;
    }
}

void Stream::replay_to(Player& p) const {
    if (metadata_) p.send_media(metadata_);
    if (video_header_) p.send_media(video_header_);
    if (audio_header_) p.send_media(audio_header_);
    for (const MediaPtr& m : gop_) p.send_media(m);
}

}  // namespace server
