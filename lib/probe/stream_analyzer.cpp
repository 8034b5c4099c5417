// Stream analysis of received media; see stream_analyzer.h.
#include "probe/stream_analyzer.h"

#include <algorithm>

#include "rtmp/command.h"

namespace probe {

const char* media_kind_name(MediaKind kind) {
    switch (kind) {
    case MediaKind::VideoHeader: return "video-header";
    case MediaKind::VideoKey: return "video-key";
    case MediaKind::VideoInter: return "video-inter";
    case MediaKind::VideoOther: return "video-other";
    case MediaKind::AudioHeader: return "audio-header";
    case MediaKind::Audio: return "audio";
    }
    return "unknown";
}

std::optional<MediaKind> classify_media(std::uint8_t type, util::ByteView payload) {
    if (type == 9) {
        auto h = media::parse_video_tag_header(payload);
        if (!h) return std::nullopt;
        if (h->sequence_header) return MediaKind::VideoHeader;
        if (h->end_of_sequence || h->command || h->metadata) return MediaKind::VideoOther;
        return h->keyframe ? MediaKind::VideoKey : MediaKind::VideoInter;
    }
    if (type == 8) {
        auto h = media::parse_audio_tag_header(payload);
        if (!h) return std::nullopt;
        return h->is_sequence_header() ? MediaKind::AudioHeader : MediaKind::Audio;
    }
    return std::nullopt;
}

StreamAnalyzer::StreamAnalyzer(TimingThresholds thresholds)
    : video_timing_(thresholds), audio_timing_(thresholds) {}

void StreamAnalyzer::on_message(const rtmp::Message& m, std::uint64_t now_ms) {
    switch (m.type) {
    case 9: on_video(m, now_ms); break;
    case 8: on_audio(m, now_ms); break;
    case 18:
    case 15: on_data(m, now_ms); break;
    default: return;
    }
}

void StreamAnalyzer::note_first(MediaKind kind, std::uint64_t now_ms) {
    ++messages_;
    last_media_at_ = now_ms;
    if (!first_media_at_) first_media_at_ = now_ms;
    if (first_media_.size() < kFirstMediaKept) first_media_.push_back(media_kind_name(kind));
}

void StreamAnalyzer::on_video(const rtmp::Message& m, std::uint64_t now_ms) {
    auto h = media::parse_video_tag_header(m.payload);
    if (!h) return;
    media_bytes_ += m.payload.size();
    video_seen_ = true;
    std::string codec = h->codec_name();
    // Codecs carried with a decoder configuration record; the others describe themselves.
    video_needs_header_ = codec == "h264" || codec == "hevc" || codec == "av1" || codec == "vp9";
    if (h->sequence_header) {
        note_first(MediaKind::VideoHeader, now_ms);
        auto d = media::describe_video(m.payload);
        if (d) video_ = *d;
        return;
    }
    if (h->end_of_sequence || h->command || h->metadata) {
        note_first(MediaKind::VideoOther, now_ms);
        return;
    }
    note_first(h->keyframe ? MediaKind::VideoKey : MediaKind::VideoInter, now_ms);
    if (!video_needs_header_ && !video_) video_ = media::VideoDescription{codec, "", 0, 0, 0, 0};
    video_timing_.add(m.timestamp, m.payload.size());
    ++frames_since_key_;
    if (h->keyframe) {
        if (!first_keyframe_at_) first_keyframe_at_ = now_ms;
        if (keyframes_ > 0) {
            double interval = double(video_timing_.last_ts() - last_key_ts_);
            interval_min_ = interval_count_ == 0 ? interval : std::min(interval_min_, interval);
            interval_max_ = interval_count_ == 0 ? interval : std::max(interval_max_, interval);
            interval_sum_ += interval;
            gop_frames_total_ += frames_since_key_ - 1;
            ++interval_count_;
        }
        ++keyframes_;
        frames_since_key_ = 1;
        last_key_ts_ = video_timing_.last_ts();
    }
    if (audio_timing_.frames() > 0) {
        // Both clocks in the unwrapped domain of their own first timestamp; offsets compare
        // raw timestamps, which start from the same origin on a well-behaved server.
        std::int64_t offset = audio_timing_.last_ts() - video_timing_.last_ts();
        if (!drift_.measured) {
            drift_.measured = true;
            drift_.first_offset_ms = drift_.min_offset_ms = drift_.max_offset_ms = offset;
        }
        drift_.last_offset_ms = offset;
        drift_.min_offset_ms = std::min(drift_.min_offset_ms, offset);
        drift_.max_offset_ms = std::max(drift_.max_offset_ms, offset);
    }
}

void StreamAnalyzer::on_audio(const rtmp::Message& m, std::uint64_t now_ms) {
    auto h = media::parse_audio_tag_header(m.payload);
    if (!h) return;
    media_bytes_ += m.payload.size();
    audio_seen_ = true;
    audio_needs_header_ = h->aac_packet_type.has_value() || h->ex_packet_type.has_value();
    if (h->is_sequence_header()) {
        note_first(MediaKind::AudioHeader, now_ms);
        if (h->aac_packet_type) {
            auto cfg = media::parse_audio_specific_config(m.payload.size() > 2
                                                              ? util::ByteView(m.payload).subspan(2)
                                                              : util::ByteView());
            if (cfg) aac_ = *cfg;
        }
        if (auto d = media::describe_audio(m.payload, aac_)) audio_ = *d;
        return;
    }
    note_first(MediaKind::Audio, now_ms);
    audio_frame_seen_ = true;
    if (!audio_needs_header_ && !audio_) {
        if (auto d = media::describe_audio(m.payload)) audio_ = *d;
    }
    audio_timing_.add(m.timestamp, m.payload.size());
}

void StreamAnalyzer::on_data(const rtmp::Message& m, std::uint64_t now_ms) {
    media_bytes_ += m.payload.size();
    auto values = rtmp::decode_data(m.payload, m.type == 15);
    if (!values || values->empty()) return;
    std::size_t i = 0;
    if ((*values)[0].as_string() == "@setDataFrame") i = 1;
    if (i + 1 >= values->size() || (*values)[i].as_string() != "onMetaData") return;
    metadata_ = (*values)[i + 1];
    if (!metadata_at_) metadata_at_ = now_ms;
}

std::int64_t StreamAnalyzer::media_time_seen() const {
    std::int64_t seen = 0;
    if (video_timing_.frames() > 0) seen = video_timing_.max_ts() - video_timing_.min_ts();
    if (audio_timing_.frames() > 0)
        seen = std::max(seen, audio_timing_.max_ts() - audio_timing_.min_ts());
    return seen;
}

bool StreamAnalyzer::video_expected() const {
    if (video_seen_) return true;
    const rtmp::amf::Value* id = metadata_ ? metadata_->get("videocodecid") : nullptr;
    return id && !id->is_null() && !(id->is_number() && id->as_number() == 0);
}

bool StreamAnalyzer::audio_expected() const {
    if (audio_seen_) return true;
    const rtmp::amf::Value* id = metadata_ ? metadata_->get("audiocodecid") : nullptr;
    return id && !id->is_null();
}

std::string StreamAnalyzer::waiting_for() const {
    bool gave_up = media_time_seen() >= kGiveUpWaitingMs;
    if (!video_seen_ && !audio_seen_) return "media";
    if (video_expected()) {
        if (video_needs_header_ && !video_) return "the video sequence header";
        if (!first_keyframe_at_) return "the first keyframe";
    }
    if (audio_expected() && !gave_up) {
        if (!audio_seen_) return "audio";
        if (audio_needs_header_ && !audio_) return "the audio sequence header";
        if (!audio_frame_seen_) return "the first audio frame";
    }
    if (!metadata_ && !gave_up) return "metadata";
    return {};
}

bool StreamAnalyzer::ready() const { return waiting_for().empty(); }

KeyframeInterval StreamAnalyzer::keyframe_interval() const {
    KeyframeInterval k;
    k.count = interval_count_;
    if (interval_count_ == 0) return k;
    k.avg_ms = interval_sum_ / double(interval_count_);
    k.min_ms = interval_min_;
    k.max_ms = interval_max_;
    k.avg_frames = double(gop_frames_total_) / double(interval_count_);
    return k;
}

}  // namespace probe
