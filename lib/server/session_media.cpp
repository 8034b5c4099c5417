// A session as a player: what of the shared stream it sends, in which order, and when it drops.
#include <algorithm>

#include "net/log.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/command_replies.h"
#include "server/session.h"

namespace server {

void Session::start_replay() {
    // A joiner's audio starts where its first picture shows, not at the keyframe's decoding
    // time: with B-frames the keyframe shows a few frames after it is decoded. ffmpeg starts
    // a stream at its earliest presentation time over all tracks and puts frames on the
    // frame-rate grid from there; audio half a frame off that grid (50 ms before a keyframe
    // shown 67 ms after its dts, at 30 fps) makes two frames round to one slot, and ffmpeg
    // warns "non monotonically increasing dts to muxer". The audio left out (from the GOP
    // cache or live, until the picture time) would play before any picture of the joiner.
    audio_starts_at_ = playing_->first_picture_time();
    queue_.begin_replay(playing_->info().last_ts);
    playing_->replay_to(*this);
    queue_.end_replay();
}

void Session::deliver_media(const MediaPtr& m) {
    if (state_ != SessionState::Playing || !playing_) return;
    if ((m->is_audio() && !receive_audio_) || (m->is_video() && !receive_video_)) return;
    if (audio_starts_at_ && m->kind == MediaKind::Audio) {
        if (std::int32_t(m->timestamp - *audio_starts_at_) < 0) return;
        audio_starts_at_.reset();
    }

    if (config_->rtmp_send_video_first && !video_started_) {
        // Video first: hold audio back until a video sequence header and keyframe went out.
        if (m->is_audio()) {
            if (m->kind == MediaKind::AudioHeader) held_audio_header_ = m;
            if (!video_first_logged_ && !playing_->video_header()) {
                video_first_logged_ = true;
                net::logger().info("no video yet: rtmp_send_video_first holds this player's audio back",
                                   {{"session", std::to_string(id_)}, {"stream", playing_->key()}});
            }
            return;
        }
    }

    const std::size_t unsent = io_.unsent();
    const QueueDecision admission = queue_.admit(*m, unsent);
    if (admission == QueueDecision::Skip) return;
    if (admission == QueueDecision::Close) {
        overflow("player too slow for the stream's headers: " + std::to_string(unsent) +
                 " bytes unsent");
        return;
    }
    if (admission == QueueDecision::Drop) {
        const std::uint64_t dropped = queue_.dropped_messages();
        // Every drop is counted (dropped_messages, also in the close line) and logged: the
        // first at once, later ones at most once a second (with the count so far), so that a
        // burst of drops after a quiet while is never missing from the log.
        const long long now = host_.now_ms();
        if (unsent > 0 && dropped > drops_logged_ &&
            (drops_logged_ == 0 || now - drop_logged_ms_ >= 1000)) {
            drops_logged_ = dropped;
            drop_logged_ms_ = now;
            net::logger().warn("player too slow, dropping messages",
                               {{"session", std::to_string(id_)},
                                {"peer", peer_.peer},
                                {"stream", playing_->key()},
                                {"queued_bytes", std::to_string(unsent)},
                                {"dropped_messages", std::to_string(dropped)}});
        }
        return;
    }
    write_media(*m);
    if (config_->rtmp_send_video_first && !video_started_ && m->kind == MediaKind::Video &&
        m->keyframe) {
        video_started_ = true;
        if (held_audio_header_) {
            MediaPtr header = std::move(held_audio_header_);
            write_media(*header);
        }
    }
}

void Session::write_silenced(const MediaMessage& m) {
    auto silent = silencer_.silence(m.payload);
    if (!silent) {
        // Never let the real sound through: drop what cannot be silenced, and say why once.
        if (!silence_failed_logged_) {
            silence_failed_logged_ = true;
            net::logger().warn("suppress_sound: cannot make silence for this audio, dropping it",
                               {{"session", std::to_string(id_)},
                                {"stream", playing_ ? playing_->key() : ""},
                                {"reason", silent.error().message}});
        }
        return;
    }
    write_payload(m, *silent);
}

void Session::write_media(const MediaMessage& m) {
    if (suppress_sound_ && m.is_audio()) return write_silenced(m);
    if (play_stream_id_ != kSharedStreamId) return write_on_own_stream_id(m);
    io_.write_shared(*m.chunks.get(), 0);
    appended(m.chunks->size(), true, false);
    note_media_queued(m, m.chunks->size());
}

void Session::write_on_own_stream_id(const MediaMessage& m) {
    // Only the fmt 0 header of the first chunk names the stream id; later chunks are fmt 3.
    const util::Bytes& shared = m.chunks->bytes();
    std::uint8_t header[32];
    const std::size_t n = m.first_header_size;
    if (n == 0 || n > sizeof header || n > shared.size()) return write_payload(m, m.payload);
    std::copy(shared.begin(), shared.begin() + std::ptrdiff_t(n), header);
    for (int i = 0; i < 4; ++i)
        header[m.stream_id_offset + i] = std::uint8_t(play_stream_id_ >> (8 * i));  // LE
    io_.write(util::ByteView(header, n));
    appended(n, false, false);
    io_.write_shared(*m.chunks.get(), n);
    appended(shared.size() - n, true, false);
    note_media_queued(m, shared.size());
}

void Session::note_media_queued(const MediaMessage& m, std::size_t bytes) {
    ++totals_.messages_out;
    if (m.is_header()) queue_.queued_header(bytes, m);
    else queue_.queued(bytes, m.timestamp);
    io_.flush(false);
}

void Session::write_payload(const MediaMessage& m, util::ByteView payload) {
    rtmp::MessageHeader h;
    h.csid = csid_for_type(m.type);
    h.timestamp = m.timestamp;
    h.type = m.type;
    h.stream_id = play_stream_id_;
    scratch_.clear();
    if (auto r = rtmp::encode_message_absolute(h, payload, encoder_.chunk_size(), scratch_); !r) {
        log_unencodable(m.type, r.error().message);  // e.g. silence output grown past 16 MiB
        return;
    }
    io_.write(scratch_);
    appended(scratch_.size(), false, false);
    note_media_queued(m, scratch_.size());
}

void Session::publish_started(Stream& stream, bool resumed) {
    if (stopped()) return;
    if (resumed) {
        send_user_control(rtmp::UserControlEvent::StreamBegin, play_stream_id_);
        send_status(play_stream_id_, "status", rtmp::status::kPlayPublishNotify,
                    stream.name() + " is now published.");
    }
    // Either way the new publisher's headers and keyframe come next; nothing before them.
    queue_.wait_for_keyframe();
    video_started_ = false;
    held_audio_header_.reset();
    audio_starts_at_.reset();
    silencer_.reset();
    // A player that waited for its publisher waits no more (play_wait_timeout).
    if (state_ == SessionState::Playing) state_deadline_.reset();
}

void Session::publish_stopped(Stream& stream) {
    if (stopped()) return;
    send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
    send_status(play_stream_id_, "status", rtmp::status::kPlayUnpublishNotify,
                stream.name() + " is now unpublished.");
}

}  // namespace server
