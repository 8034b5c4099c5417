// A live stream: its publisher, its players, the headers and GOP a new player needs, and the
// fan-out of each published message (parsed and chunked once, then shared by reference).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "media/audio.h"
#include "media/video.h"
#include "server/bitrate_history.h"
#include "server/media_message.h"
#include "server/stream_key.h"
#include "server/timestamp_normalizer.h"

namespace server {

class Stream;

// Fewest bytes an audio (8) or video (9) payload needs to hold its FLV tag header.
std::size_t min_media_size(std::uint8_t type, util::ByteView payload);

// What a stream needs from a session that plays it.
class Player {
public:
    virtual ~Player() = default;
    virtual void send_media(const MediaPtr& message) = 0;
    // `resumed`: the player had been told the stream stopped (UnpublishNotify).
    virtual void on_publish_start(Stream& stream, bool resumed) = 0;
    virtual void on_publish_stop(Stream& stream) = 0;
};

struct GopLimits {
    bool enabled = true;
    std::size_t max_frames = 1800;
    std::size_t max_bytes = 64 << 20;
    // Messages of any kind: audio alone, or empty frames, would pass the other two bounds.
    std::size_t max_messages = 8192;
};

// What has been learnt of the stream's media, for logs, hooks and stats.
struct StreamInfo {
    std::optional<media::VideoDescription> video;  // from the video sequence header
    std::optional<media::AudioDescription> audio;  // from the first audio (or AAC header)
    double metadata_frame_rate = 0;                // onMetaData framerate, when given
    std::uint64_t bytes_in = 0;
    std::uint64_t video_bytes = 0;
    std::uint64_t audio_bytes = 0;
    std::uint64_t video_frames = 0;
    std::uint64_t audio_frames = 0;
    std::uint32_t first_ts = 0;  // normalised timestamps of the first and latest media
    std::uint32_t last_ts = 0;
    bool has_media = false;
    bool keyframe_seen = false;

    // Average bitrate over the media time seen so far, in kbit/s (0 before 1 s of media).
    int kbps(std::uint64_t bytes) const;
};

// What the GOP cache holds now: what a joining player is sent before live media.
struct GopStats {
    std::size_t messages = 0;
    std::size_t bytes = 0;       // held: each payload and its chunked copy
    std::uint32_t duration_ms = 0;  // from its keyframe to its latest message
};

class Stream {
public:
    Stream(std::string app, std::string name, std::uint32_t chunk_size, GopLimits gop)
        : app_(std::move(app)), name_(std::move(name)), chunk_size_(chunk_size), gop_limits_(gop) {}

    const std::string& app() const { return app_; }
    const std::string& name() const { return name_; }
    // The registry's key; key() is its "app/name" text, for log lines only.
    StreamKey id() const { return {app_, name_}; }
    std::string key() const { return id().text(); }

    // Whether someone publishes; who it is, the registry alone knows (registry.h).
    bool has_publisher() const { return publishing_; }
    void start_publishing();
    // The publisher left. Players are kept and told only by notify_unpublished(), which the
    // server calls after unpublish_notify_delay unless a publisher came back meanwhile.
    void stop_publishing();
    void notify_unpublished();

    void add_player(Player* p);
    void remove_player(Player* p);
    std::size_t player_count() const { return players_.size(); }
    // The recorder is fed like a player (after the players), but it is no player: it is not
    // counted, and a stream is not released while one is attached.
    void attach_recorder(Player* recorder) { recorder_ = recorder; }
    void detach_recorder() { recorder_ = nullptr; }
    bool idle() const { return !publishing_ && players_.empty() && !recorder_; }

    // A message from the publisher: audio (8), video (9) or data (18, without @setDataFrame).
    // Returns false when it was not taken: audio or video too short to hold its FLV tag header
    // (an empty message is nothing to play and costs a player as much as a frame).
    bool publish(std::uint8_t type, std::uint32_t timestamp, util::Bytes payload);
    std::uint64_t refused_messages() const { return refused_; }

    // Deferred fan-out: with a scheduler set, published messages wait in a batch, and the glue
    // calls deliver_pending() once per merge period (before it writes the players). Each player
    // then takes the whole batch in one go, so its state is loaded once per period instead of
    // once per message (1000 players x 70 messages a second touched it 70 000 times). The
    // scheduler is called when a batch begins. Without one, every message goes out at once.
    void set_deliver_later(std::function<void(Stream&)> schedule) { deliver_later_ = std::move(schedule); }
    void deliver_pending();
    std::size_t pending_messages() const { return pending_.size(); }

    // Sends what a player joining now needs, in order: metadata, sequence headers, GOP. A player
    // that joins while a batch waits skips the batch's messages up to the newest it was sent.
    void replay_to(Player& p);
    // When the GOP cache's keyframe is shown (its timestamp plus its composition time), if that
    // is later than its timestamp (B-frames).
    std::optional<std::uint32_t> first_picture_time() const;

    const MediaPtr& video_header() const { return video_header_; }
    const MediaPtr& audio_header() const { return audio_header_; }
    const StreamInfo& info() const { return info_; }
    // Payload bytes the GOP cache keeps (beside their shared chunks), for max_memory.
    std::size_t gop_cache_bytes() const { return gop_bytes_; }
    void note_metadata_frame_rate(double fps) { info_.metadata_frame_rate = fps; }
    // Messages dropped because they cannot be encoded (over 16 MiB - 1 bytes).
    std::uint64_t dropped_unencodable() const { return dropped_unencodable_; }
    GopStats gop_stats() const;
    // Timestamp discontinuities the normaliser smoothed over (new publishers, jumps).
    std::uint64_t discontinuities() const { return timestamps_.discontinuities(); }
    // The server samples bytes in every BitrateHistory::kIntervalMs.
    void sample_bitrate(long long now_ms) { bitrate_.sample(now_ms, info_.bytes_in); }
    const BitrateHistory& bitrate_history() const { return bitrate_; }
    // When the current publisher started, ms since the epoch (0 without one).
    long long published_since_ms() const { return published_since_ms_; }
    void set_published_since(long long ms) { published_since_ms_ = ms; }

private:
    void cache(const MediaPtr& m);
    // The current header of m's kind holds the same bytes: the publisher repeated it.
    bool repeats_header(const MediaMessage& m) const;
    void learn(const MediaMessage& m);

    std::string app_, name_;
    std::uint32_t chunk_size_;
    GopLimits gop_limits_;
    bool publishing_ = false;
    bool players_told_stop_ = false;
    std::vector<Player*> players_;
    std::uint64_t removals_ = 0;  // players removed ever (deliver_pending's snapshot check)
    Player* recorder_ = nullptr;
    std::function<void(Stream&)> deliver_later_;
    std::vector<MediaPtr> pending_;  // published, not yet given to the players
    struct Replayed {
        Player* player;
        std::uint64_t through_serial;  // the newest message its replay sent
    };
    std::vector<Replayed> replayed_in_batch_;
    TimestampNormalizer timestamps_;
    MediaPtr metadata_, video_header_, audio_header_;
    std::deque<MediaPtr> gop_;
    std::size_t gop_bytes_ = 0;
    std::size_t gop_frames_ = 0;
    bool gop_open_ = false;  // collecting since the last keyframe and within the limits
    StreamInfo info_;
    std::optional<media::AacConfig> aac_config_;
    std::uint64_t dropped_unencodable_ = 0;
    std::uint64_t refused_ = 0;  // too-short media from the publisher
    BitrateHistory bitrate_;
    long long published_since_ms_ = 0;
};

}  // namespace server
