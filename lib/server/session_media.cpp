// A session as a player: what of the shared stream it sends, in which order, and when it drops.
#include <event2/buffer.h>

#include <algorithm>

#include "net/log.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/command_replies.h"
#include "server/session.h"

namespace server {

void Session::send_media(const MediaPtr& m) {
    if (stopped() || paused_ || !playing_) return;
    if ((m->is_audio() && !receive_audio_) || (m->is_video() && !receive_video_)) return;

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

    evbuffer* out = out_;
    const std::size_t unsent = evbuffer_get_length(out);
    const Admission admission = queue_.admit(*m, unsent);
    if (admission == Admission::Skip) return;
    if (admission == Admission::Close) {
        overflow("player too slow for the stream's headers: " + std::to_string(unsent) +
                 " bytes unsent");
        return;
    }
    if (admission == Admission::Drop) {
        const std::uint64_t dropped = queue_.dropped_messages();
        // Log the first drop of a burst and then every 1000th, not every message.
        if (unsent > 0 && (drops_logged_ == 0 || dropped - drops_logged_ >= 1000)) {
            drops_logged_ = dropped;
            net::logger().warn("player too slow, dropping messages",
                               {{"session", std::to_string(id_)},
                                {"peer", peer_},
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
    const std::size_t before = evbuffer_get_length(out_);
    m.chunks->append_to(out_);
    note_media_queued(m, evbuffer_get_length(out_) - before);
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
    const std::size_t before = evbuffer_get_length(out_);
    evbuffer_add(out_, header, n);
    m.chunks->append_from(out_, n);
    note_media_queued(m, evbuffer_get_length(out_) - before);
}

void Session::note_media_queued(const MediaMessage& m, std::size_t bytes) {
    control_out_.appended(bytes, false);
    if (m.is_header()) queue_.queued_header(bytes, m);
    else queue_.queued(bytes, m.timestamp);
    request_flush();
}

void Session::write_payload(const MediaMessage& m, util::ByteView payload) {
    rtmp::MessageHeader h;
    h.csid = csid_for_type(m.type);
    h.timestamp = m.timestamp;
    h.type = m.type;
    h.stream_id = play_stream_id_;
    scratch_.clear();
    rtmp::encode_message_absolute(h, payload, encoder_.chunk_size(), scratch_);
    evbuffer_add(out_, scratch_.data(), scratch_.size());
    note_media_queued(m, scratch_.size());
}

void Session::on_publish_start(Stream& stream, bool resumed) {
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
    silencer_.reset();
    if (timer_purpose_ == TimerPurpose::PlayWait) {
        timer_purpose_ = TimerPurpose::None;
        evtimer_del(timer_);
    }
}

void Session::on_publish_stop(Stream& stream) {
    if (stopped()) return;
    send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
    send_status(play_stream_id_, "status", rtmp::status::kPlayUnpublishNotify,
                stream.name() + " is now unpublished.");
}

}  // namespace server
