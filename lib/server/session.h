// One RTMP connection on the server, as a sans-IO state machine (the probe client's shape, and
// nghttp2's): bytes and the time in (receive(), on_deadline(), on_sent()), and out come bytes to
// send and requests to the glue through SessionIo (write, write_shared, set_reading,
// set_deadline, flush, finished) and SessionHost (hooks, the registry). Nothing here knows a
// socket or the event loop: socket_session.h is the libevent glue, tests drive it from memory.
// Its lifecycle is `state()` (session_state.h); the protocol work is lib/rtmp's.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "hook/decision.h"
#include "hook/payload.h"
#include "media/silence.h"
#include "rtmp/chunk_decoder.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/command.h"
#include "rtmp/control.h"
#include "rtmp/handshake.h"
#include "server/config.h"
#include "server/control_output.h"
#include "server/output_ledger.h"
#include "server/player_queue.h"
#include "server/rate_limit.h"
#include "server/session_io.h"
#include "server/session_report.h"
#include "server/session_state.h"
#include "server/stream.h"
#include "url/rtmp_url.h"

namespace server {

// A random UUID (v4) for a publisher's mediaSessionId.
std::string hook_uuid();

// Handshake randomness (OpenSSL's generator; tests may pass their own).
void secure_random_fill(std::uint8_t* p, std::size_t n);

struct SessionPeer {
    std::string peer;   // "ip:port" of the client
    std::string local;  // "ip:port" it connected to
    bool tls = false;   // RTMPS
    // What hooks are told the client is ("Flash" for RTMP, "WebRTC" for a WHIP publisher).
    std::string media_provider = hook::kMediaProvider;
};

class Session : public Player {
public:
    Session(SessionHost& host, SessionIo& io, std::shared_ptr<const Config> config,
            std::uint64_t id, SessionPeer peer, rtmp::RandomFill random = secure_random_fill);
    ~Session() override;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Bytes from the peer. Returns how many were taken: fewer when the session stopped reading
    // (a hook decides, or it is closing); the rest stays with the transport until
    // wants_input() and a later call. Never throws: a failure ends this session only.
    std::size_t receive(util::ByteView data) noexcept;
    bool wants_input() const;
    // The deadline set through SessionIo::set_deadline has come.
    void on_deadline() noexcept;
    // The peer took `bytes` of the output (0: only a lower layer drained, e.g. TLS records).
    void on_sent(std::size_t bytes) noexcept;
    // The transport ended: the peer closed, or an error (a TLS failure among them, `tls`).
    void on_peer_closed() noexcept;
    void on_transport_error(const std::string& why, bool tls) noexcept;

    std::uint64_t id() const { return id_; }
    const std::string& peer() const { return peer_.peer; }
    SessionState state() const { return state_; }

    // Player
    void send_media(const MediaPtr& message) override;
    void on_publish_start(Stream& stream, bool resumed) override;
    void on_publish_stop(Stream& stream) override;

    // Server shutdown: tell the peer its stream ends, then close once the bytes are out.
    void shut_down() noexcept;
    // A second publisher replaced this one (publish_conflict: replace).
    void replaced() noexcept;
    // max_memory: bytes of its own this session holds (input not taken yet, partial messages,
    // output that is not a reference to shared chunks, messages held while a hook decides).
    std::size_t private_bytes() const;
    void close_for_memory(std::size_t limit) noexcept;
    // DELETE /api/v1/sessions/{id}: a player gets StreamEOF and NetStream.Play.Stop, a
    // publisher NetStream.Unpublish.Success, then the session closes once that is sent.
    void close_by_operator() noexcept;

    // The API: what this session is and has done.
    SessionReport report() const;
    SessionRole role() const;
    SessionTotals totals() const;
    const Stream* playing_stream() const { return playing_; }

private:
    // --- lifecycle (session.cpp) ---------------------------------------------------------
    // The one place a state changes: sets that state's deadline from kStateDeadlines.
    void enter(SessionState next);
    void want_deadline(long long at_ms);
    // Acts on every bound that has passed and asks for the next deadline.
    void check_deadlines();
    bool stopped() const { return state_ == SessionState::Closing || state_ == SessionState::Closed; }
    // Ends the session now (nothing more is sent).
    void close(const std::string& reason, bool error);
    // Stops reading, lets queued bytes go out, then closes (bounded by the Closing deadline).
    void close_after_flush(const std::string& reason, bool error);
    // A bound was passed where nothing can be dropped (control replies, headers): the session
    // stops now and closes on the next deadline check, outside the caller's iteration.
    void overflow(const std::string& reason);
    template <class Body>
    void guarded(const char* where, Body&& body) noexcept;
    void fail(const char* where, const char* what) noexcept;
    // The server ends the session (shutdown, the operator): a player gets StreamEOF and
    // NetStream.Play.Stop, a publisher NetStream.Unpublish.Success, then the close after flush.
    void end_by_server(std::string_view to_player, std::string_view to_publisher,
                       const std::string& reason);

    // --- input ---------------------------------------------------------------------------
    std::size_t read_input(util::ByteView data);
    void handle_message(rtmp::Message&& m);
    void handle_control(const rtmp::Message& m);
    bool within_message_rates(std::uint8_t type);
    void handle_data(const rtmp::Message& m);
    void handle_media(rtmp::Message&& m);
    void drop_big_metadata(std::size_t size);

    // --- commands (session_commands.cpp): a table of name → handler -----------------------
    struct CommandEntry;
    static const CommandEntry kCommands[];
    void handle_command(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_connect(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_create_stream(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_publish(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_play(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_close_stream(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_pause(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_seek(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_receive_track(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_get_stream_length(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_check_bandwidth(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_publish_prelude(const rtmp::Command& cmd, std::uint32_t stream_id);
    void on_fc_unpublish(const rtmp::Command& cmd, std::uint32_t stream_id);
    void finish_connect(double txn);

    // Publish and play share their steps (session_commands.cpp): the name check, the busy
    // check, the deferred connect hook, the publishStream / playStream hook and the name a
    // backend may give; then start_publish or start_play.
    struct StreamRequest;
    static const StreamRequest kPublishRequest;
    static const StreamRequest kPlayRequest;
    void request_stream(const StreamRequest& kind, const rtmp::Command& cmd, std::uint32_t stream_id);
    void refuse_stream(const StreamRequest& kind, std::uint32_t stream_id, std::string_view code,
                       const std::string& told, std::string_view counter, const std::string& logged,
                       bool error);
    void start_publish(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id,
                       const std::string& type);
    void start_play(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id);
    void stop_publishing();
    void stop_playing();
    // Parses a publish/play name with its query, per the connect parameters.
    bool split_stream_name(const std::string& raw, url::RtmpUrl& out);

    // --- hooks (session_hooks.cpp). Without rest_hook_url every decision is "allowed" at once.
    using HookDone = std::function<void(const hook::Decision&)>;
    void authorize(const char* method, const hook::json& payload, HookDone done);
    void hook_answered(const std::string& method, const HookDone& done, const hook::Decision& d);
    void notify(const char* method, const hook::json& payload);
    void authorize_deferred_connect(const url::RtmpUrl& where, std::function<void()> done,
                                    std::function<void(const std::string&, const std::string&)> refused);
    std::string hook_session_id() const;
    hook::ConnectInfo connect_info(const url::Params& custom) const;
    hook::StreamInfo stream_info(const std::string& name, bool published, const char* status,
                                 const url::Params& custom) const;
    void fill_facts(hook::StreamInfo& info, const Stream& stream) const;
    void publishing_event_if_ready();
    void replay_pending();

    // --- output --------------------------------------------------------------------------
    void send(std::uint32_t csid, std::uint8_t type, std::uint32_t stream_id,
              const util::Bytes& payload, std::uint32_t timestamp = 0);
    void send_control(rtmp::MessageType type, const util::Bytes& payload);
    void send_user_control(rtmp::UserControlEvent event, std::uint32_t value);
    void send_command(std::uint32_t stream_id, const util::Bytes& payload);
    void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                     std::string_view description);
    // Every append goes through here: the ledger, the totals, the write-stall clock.
    void appended(std::size_t bytes, bool shared, bool control);
    void log_unencodable(std::uint8_t type, const std::string& why);
    void count_command_failure(std::string_view reason);

    // --- player (session_media.cpp) -------------------------------------------------------
    void deliver_media(const MediaPtr& message);
    void publish_started(Stream& stream, bool resumed);
    void publish_stopped(Stream& stream);
    void start_replay();
    void write_media(const MediaMessage& m);
    void write_silenced(const MediaMessage& m);
    void write_payload(const MediaMessage& m, util::ByteView payload);
    void write_on_own_stream_id(const MediaMessage& m);
    void note_media_queued(const MediaMessage& m, std::size_t bytes);

    SessionHost& host_;
    SessionIo& io_;
    std::shared_ptr<const Config> config_;
    std::uint64_t id_;
    SessionPeer peer_;
    long long since_ms_;

    // What the fan-out touches for every player on every published message, side by side: a
    // session is 2 KB (codecs, names, hook state), and scattered fields cost a cache line each.
    SessionState state_ = SessionState::Handshake;
    std::optional<long long> state_deadline_;
    std::optional<long long> armed_deadline_;  // what the glue was last asked for
    long long last_progress_ms_ = 0;           // the peer last took bytes (or output began)
    SessionTotals totals_;            // bytes and messages in; the rest is derived in totals()
    std::uint64_t queued_total_ = 0;  // bytes ever appended to the output
    OutputLedger ledger_;             // which unsent bytes are private (max_memory)
    ControlOutput control_out_;
    Stream* playing_ = nullptr;
    std::uint32_t play_stream_id_ = 0;
    bool player_output_ = false;
    PlayerQueue queue_;
    bool receive_audio_ = true;
    bool receive_video_ = true;
    bool suppress_sound_ = false;
    bool video_started_ = false;     // rtmp_send_video_first: a keyframe went out
    // A joiner's audio starts at its first picture's presentation time (see start_replay).
    std::optional<std::uint32_t> audio_starts_at_;

    SessionState before_hook_ = SessionState::Handshake;  // where AwaitingHook returns
    std::string close_reason_;                 // Closing: the reason of the close to come
    bool close_error_ = false;
    bool close_unflushed_ = false;             // overflow: close at once, no flush
    long long last_input_ms_ = 0;

    rtmp::ServerHandshake handshake_;
    rtmp::ChunkDecoder decoder_;
    rtmp::ChunkEncoder encoder_;
    rtmp::AckCounter ack_;
    util::Bytes scratch_;

    TokenBucket command_rate_;
    TokenBucket control_rate_;
    std::uint64_t short_media_dropped_ = 0;
    long long short_media_logged_ms_ = 0;
    std::uint64_t big_metadata_dropped_ = 0;
    std::uint64_t dropped_unencodable_ = 0;

    bool connected_ = false;  // connect was answered with _result
    std::string flash_ver_;
    std::string app_;
    url::RtmpUrl connect_url_;
    std::string tc_url_;
    std::string app_field_;  // the connect command's app, query included
    double object_encoding_ = 0;
    std::uint32_t next_stream_id_ = 1;

    Stream* publishing_ = nullptr;  // a handle; the registry says who publishes what
    std::uint32_t publish_stream_id_ = 0;

    media::AudioSilencer silencer_;  // suppress_sound=true: this player's audio
    bool silence_failed_logged_ = false;
    bool video_first_logged_ = false;
    MediaPtr held_audio_header_;     // rtmp_send_video_first: sent after the first keyframe
    std::uint64_t drops_logged_ = 0;
    long long drop_logged_ms_ = 0;

    // Hooks: while a decision is pending, later messages wait in pending_.
    hook::Hooks* hooks_in_use_ = nullptr;
    hook::Hooks::Ticket hook_ticket_ = 0;
    std::deque<rtmp::Message> pending_;
    bool connect_hook_deferred_ = false;  // rtmp_use_stream_params_as_connection
    bool established_sent_ = false;
    std::string publish_name_, play_name_;  // stream names as hooks know them
    std::string publish_media_session_id_;
    url::Params publish_params_, play_params_;
    bool publishing_event_sent_ = false;
    bool publish_record_ = false;
};

template <class Body>
void Session::guarded(const char* where, Body&& body) noexcept {
    try {
        body();
    } catch (const std::exception& e) {
        fail(where, e.what());
    } catch (...) {
        fail(where, "unknown exception");
    }
}

}  // namespace server
