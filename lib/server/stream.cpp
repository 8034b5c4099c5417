// Stream state and fan-out. A published message is turned into one MediaMessage (chunked once);
// each player gets a reference to it. Nothing here is O(players) beyond handing out references.
#include "server/stream.h"

#include <algorithm>

#include "net/log.h"

namespace server {

std::size_t min_media_size(std::uint8_t type, util::ByteView payload) {
    // FLV tag headers: one byte of format, then for AAC a packet type, for AVC / HEVC / AV1
    // (legacy codec ids 7, 12, 13) a packet type and a 24-bit composition time, for enhanced
    // RTMP video a FourCC after the first byte.
    if (payload.empty()) return 1;
    const std::uint8_t b = payload[0];
    if (type == 8) return (b >> 4) == 10 ? 2 : 1;
    if (b & 0x80) return 5;
    const unsigned codec = b & 0x0F;
    return codec == 7 || codec == 12 || codec == 13 ? 5 : 1;
}

void Stream::start_publishing() {
    publishing_ = true;
    deliver_pending();  // the old publisher's last messages, before anything of the new one
    timestamps_.new_source();
    // The new publisher brings its own headers; the old GOP would not decode with them.
    metadata_.reset();
    video_header_.reset();
    audio_header_.reset();
    gop_.clear();
    gop_bytes_ = gop_frames_ = 0;
    gop_open_ = false;
    info_ = StreamInfo{};
    aac_config_.reset();
    const bool resumed = players_told_stop_;
    players_told_stop_ = false;
    std::vector<Player*> snapshot = players_;
    for (Player* p : snapshot) p->on_publish_start(*this, resumed);
    if (recorder_) recorder_->on_publish_start(*this, resumed);
}

void Stream::stop_publishing() {
    deliver_pending();
    publishing_ = false;
    published_since_ms_ = 0;
}

GopStats Stream::gop_stats() const {
    GopStats g;
    g.messages = gop_.size();
    g.bytes = gop_bytes_;
    // Audio may be stamped a little before the cached keyframe (interleaving): no wrap below 0.
    if (!gop_.empty() && gop_.back()->timestamp > gop_.front()->timestamp)
        g.duration_ms = gop_.back()->timestamp - gop_.front()->timestamp;
    return g;
}

void Stream::notify_unpublished() {
    if (publishing_ || players_told_stop_) return;
    deliver_pending();
    players_told_stop_ = true;
    std::vector<Player*> snapshot = players_;
    for (Player* p : snapshot) p->on_publish_stop(*this);
}

void Stream::add_player(Player* p) {
    if (std::find(players_.begin(), players_.end(), p) == players_.end()) players_.push_back(p);
}

void Stream::remove_player(Player* p) {
    players_.erase(std::remove(players_.begin(), players_.end(), p), players_.end());
    ++removals_;
    replayed_in_batch_.erase(std::remove_if(replayed_in_batch_.begin(), replayed_in_batch_.end(),
                                            [p](const Replayed& r) { return r.player == p; }),
                             replayed_in_batch_.end());
}

bool Stream::publish(std::uint8_t type, std::uint32_t timestamp, util::Bytes payload) {
    using Track = TimestampNormalizer::Track;
    const Track track = type == 8 ? Track::Audio : type == 9 ? Track::Video : Track::Data;
    info_.bytes_in += payload.size();
    if (track != Track::Data && payload.size() < min_media_size(type, payload)) {
        ++refused_;
        return false;
    }
    // onMetaData (the only data published) goes to players stamped 0, as nginx-rtmp sends it:
    // ffmpeg's FLV demuxer turns an onMetaData at any other timestamp into a data packet, and
    // players then show a third ("text"/data) stream. GStreamer's flvmux stamps it with the
    // time it is (re)sent. It stays out of the normaliser: its timestamp says nothing of the
    // media's, and a new publisher's rebase belongs to its first audio or video.
    const std::uint32_t ts = track == Track::Data ? 0 : timestamps_.normalize(timestamp, track);
    const std::size_t size = payload.size();
    MediaPtr m = make_media_message(type, ts, std::move(payload), chunk_size_);
    if (!m) {  // taken and logged here: it is not a too-short message
        ++dropped_unencodable_;
        net::logger().warn("message dropped: too large for RTMP's 24-bit length",
                           {{"stream", key()},
                            {"type", std::to_string(type)},
                            {"bytes", std::to_string(size)},
                            {"dropped", std::to_string(dropped_unencodable_)}});
        return true;
    }
    // A header equal to the current one (some encoders repeat it before each keyframe; a hostile
    // one repeats it for every frame) tells players nothing new: they have it already.
    if (repeats_header(*m)) return true;
    learn(*m);
    cache(m);
    if (deliver_later_) {
        pending_.push_back(m);
        if (pending_.size() == 1) deliver_later_(*this);
    } else {
        for (Player* p : players_) p->send_media(m);
    }
    if (recorder_) recorder_->send_media(m);  // last: it may detach itself
    return true;
}

bool Stream::repeats_header(const MediaMessage& m) const {
    const MediaPtr* current = m.kind == MediaKind::VideoHeader   ? &video_header_
                              : m.kind == MediaKind::AudioHeader ? &audio_header_
                              : m.kind == MediaKind::Metadata    ? &metadata_
                                                                 : nullptr;
    return current && *current && (*current)->payload == m.payload;
}

int StreamInfo::kbps(std::uint64_t bytes) const {
    const std::uint32_t span = last_ts - first_ts;
    if (!has_media || span < 1000) return 0;
    return int(bytes * 8 / span);  // bytes*8 per ms = kbit/s
}

void Stream::learn(const MediaMessage& m) {
    // Descriptions come from headers, once each: nothing per frame beyond counters.
    switch (m.kind) {
        case MediaKind::VideoHeader:
            if (auto d = media::describe_video(m.payload)) info_.video = *d;
            return;
        case MediaKind::AudioHeader:
            if (auto a = media::parse_audio_tag_header(m.payload); a && m.payload.size() > 2) {
                if (auto cfg = media::parse_audio_specific_config(
                        util::ByteView(m.payload).subspan(a->header_size)))
                    aac_config_ = *cfg;
            }
            if (auto d = media::describe_audio(m.payload, aac_config_)) info_.audio = *d;
            return;
        case MediaKind::Metadata:
            return;
        default:
            break;
    }
    if (!info_.has_media) {
        info_.has_media = true;
        info_.first_ts = m.timestamp;
    }
    info_.last_ts = m.timestamp;
    if (m.kind == MediaKind::Video) {
        ++info_.video_frames;
        info_.video_bytes += m.payload.size();
        if (m.keyframe) info_.keyframe_seen = true;
    } else {
        ++info_.audio_frames;
        info_.audio_bytes += m.payload.size();
        if (!info_.audio)
            if (auto d = media::describe_audio(m.payload, aac_config_)) info_.audio = *d;
    }
}

void Stream::cache(const MediaPtr& m) {
    switch (m->kind) {
        case MediaKind::Metadata:
            metadata_ = m;
            return;
        case MediaKind::VideoHeader:
            video_header_ = m;
            return;
        case MediaKind::AudioHeader:
            audio_header_ = m;
            return;
        default:
            break;
    }
    if (!gop_limits_.enabled) return;
    if (m->kind == MediaKind::Video && m->keyframe) {
        gop_.clear();
        gop_bytes_ = gop_frames_ = 0;
        gop_open_ = true;
    }
    if (!gop_open_) return;
    gop_.push_back(m);
    // What the cache really holds: the payload and its chunked copy.
    gop_bytes_ += m->payload.size() + m->chunks->size();
    if (m->kind == MediaKind::Video) ++gop_frames_;
    if (gop_frames_ > gop_limits_.max_frames || gop_bytes_ > gop_limits_.max_bytes ||
        gop_.size() > gop_limits_.max_messages) {
        // Too long a GOP to keep: new players wait for the next keyframe instead.
        gop_.clear();
        gop_bytes_ = gop_frames_ = 0;
        gop_open_ = false;
    }
}

void Stream::replay_to(Player& p) {
    std::uint64_t newest = 0;
    auto send = [&](const MediaPtr& m) {
        newest = std::max(newest, m->serial);
        p.send_media(m);
    };
    if (metadata_) send(metadata_);
    if (video_header_) send(video_header_);
    if (audio_header_) send(audio_header_);
    for (const MediaPtr& m : gop_) send(m);
    // The batch's older messages were sent now (the GOP cache and headers hold them) or come
    // before where this player starts: only what is newer than its replay is still for it.
    if (!pending_.empty()) {
        auto it = std::find_if(replayed_in_batch_.begin(), replayed_in_batch_.end(),
                               [&](const Replayed& r) { return r.player == &p; });
        if (it == replayed_in_batch_.end()) replayed_in_batch_.push_back({&p, newest});
        else it->through_serial = newest;
    }
}

void Stream::deliver_pending() {
    if (pending_.empty()) return;
    std::vector<MediaPtr> batch;
    batch.swap(pending_);
    std::vector<Replayed> replayed;
    replayed.swap(replayed_in_batch_);
    // Player by player: a player may leave (or close) while it takes the batch. Only after a
    // removal is the snapshot searched: a search per player would be quadratic in players.
    const std::vector<Player*> snapshot = players_;
    const std::uint64_t removals = removals_;
    for (Player* p : snapshot) {
        if (removals_ != removals && std::find(players_.begin(), players_.end(), p) == players_.end())
            continue;
        std::uint64_t skip_through = 0;
        for (const Replayed& r : replayed)
            if (r.player == p) skip_through = r.through_serial;
        for (const MediaPtr& m : batch)
            if (m->serial > skip_through) p->send_media(m);
    }
}

std::optional<std::uint32_t> Stream::first_picture_time() const {
    if (gop_.empty() || gop_.front()->kind != MediaKind::Video) return std::nullopt;
    const MediaMessage& key = *gop_.front();
    const auto h = media::parse_video_tag_header(key.payload);
    if (!h || h->composition_time <= 0) return std::nullopt;
    return key.timestamp + std::uint32_t(h->composition_time);
}

}  // namespace server
