// What a played stream holds and how regular it is: metadata, codec descriptions from the
// sequence headers, the order of the first media messages, per-track timing (track_timing.h),
// keyframe interval and audio/video drift. Messages and arrival times in; sans-IO.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "media/audio.h"
#include "media/video.h"
#include "probe/track_timing.h"
#include "rtmp/amf_value.h"
#include "rtmp/message.h"

namespace probe {

// What one audio/video message is, as the first-media order names it.
enum class MediaKind { VideoHeader, VideoKey, VideoInter, VideoOther, AudioHeader, Audio };
const char* media_kind_name(MediaKind kind);  // "video-header", "video-key", "audio", ...
// nullopt for messages that are not audio/video or whose tag header does not parse.
std::optional<MediaKind> classify_media(std::uint8_t type, util::ByteView payload);

struct KeyframeInterval {
    std::uint64_t count = 0;  // intervals measured (keyframes - 1)
    double avg_ms = 0, min_ms = 0, max_ms = 0;
    double avg_frames = 0;  // video frames from one keyframe to the next
};

struct AvDrift {
    bool measured = false;  // both tracks present
    // audio timestamp minus video timestamp (latest of each) at the first and last video frame
    // seen after both started, and its extremes; drift = last - first.
    std::int64_t first_offset_ms = 0, last_offset_ms = 0, min_offset_ms = 0, max_offset_ms = 0;
    std::int64_t drift_ms() const { return last_offset_ms - first_offset_ms; }
};

class StreamAnalyzer {
public:
    static constexpr std::size_t kFirstMediaKept = 12;
    // Waiting stops for metadata or audio that metadata announced once this much media time has
    // arrived (some servers send neither).
    static constexpr std::int64_t kGiveUpWaitingMs = 2000;

    explicit StreamAnalyzer(TimingThresholds thresholds = {});

    void on_message(const rtmp::Message& m, std::uint64_t now_ms);

    // Metadata, the sequence headers of the tracks there are and the first keyframe are in.
    bool ready() const;
    // What ready() still waits for, for a timeout message ("first keyframe", ...).
    std::string waiting_for() const;

    const std::optional<rtmp::amf::Value>& metadata() const { return metadata_; }
    const std::optional<media::VideoDescription>& video() const { return video_; }
    const std::optional<media::AudioDescription>& audio() const { return audio_; }
    const std::vector<std::string>& first_media() const { return first_media_; }
    std::optional<std::uint64_t> first_media_at() const { return first_media_at_; }
    std::optional<std::uint64_t> first_keyframe_at() const { return first_keyframe_at_; }
    std::optional<std::uint64_t> metadata_at() const { return metadata_at_; }
    std::optional<std::uint64_t> last_media_at() const { return last_media_at_; }

    const TrackTiming& video_timing() const { return video_timing_; }
    const TrackTiming& audio_timing() const { return audio_timing_; }
    std::uint64_t keyframes() const { return keyframes_; }
    KeyframeInterval keyframe_interval() const;
    const AvDrift& av_drift() const { return drift_; }
    std::uint64_t media_bytes() const { return media_bytes_; }  // audio + video + data payloads
    std::uint64_t messages() const { return messages_; }

private:
    void on_video(const rtmp::Message& m, std::uint64_t now_ms);
    void on_audio(const rtmp::Message& m, std::uint64_t now_ms);
    void on_data(const rtmp::Message& m, std::uint64_t now_ms);
    void note_first(MediaKind kind, std::uint64_t now_ms);
    std::int64_t media_time_seen() const;
    bool video_expected() const;
    bool audio_expected() const;

    std::optional<rtmp::amf::Value> metadata_;
    std::optional<media::VideoDescription> video_;
    std::optional<media::AudioDescription> audio_;
    std::optional<media::AacConfig> aac_;
    bool video_needs_header_ = false, audio_needs_header_ = false;
    bool video_seen_ = false, audio_seen_ = false, audio_frame_seen_ = false;
    std::vector<std::string> first_media_;
    std::optional<std::uint64_t> first_media_at_, first_keyframe_at_, metadata_at_, last_media_at_;
    TrackTiming video_timing_, audio_timing_;
    std::uint64_t keyframes_ = 0, frames_since_key_ = 0, gop_frames_total_ = 0;
    std::int64_t last_key_ts_ = 0;
    std::uint64_t interval_count_ = 0;
    double interval_sum_ = 0, interval_min_ = 0, interval_max_ = 0;
    AvDrift drift_;
    std::uint64_t media_bytes_ = 0, messages_ = 0;
};

}  // namespace probe
