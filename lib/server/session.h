// One RTMP connection on the server: handshake, chunk stream, commands, and the role it takes
// (publisher or player). Protocol work is done by the sans-IO core in lib/rtmp; this class glues
// it to a libevent bufferevent and to the server's streams.
#pragma once

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <deque>
#include <functional>
#include <memory>
#include <exception>
#include <optional>
#include <string>

#include "rtmp/chunk_decoder.h"
#include "rtmp/chunk_encoder.h"
#include "rtmp/command.h"
#include "rtmp/control.h"
#include "hook/hook_client.h"
#include "media/silence.h"
#include "rtmp/handshake.h"
#include "server/config.h"
#include "server/output_ledger.h"
#include "server/control_output.h"
#include "server/player_queue.h"
#include "server/rate_limit.h"
#include "server/session_report.h"
#include "server/stream.h"
#include "url/rtmp_url.h"

namespace server {

class Server;

// A random UUID (v4) for a publisher's mediaSessionId.
std::string hook_uuid();

class Session : public Player {
public:
    // `tls`: bev is a bufferevent_openssl (RTMPS), and every byte goes through it.
    Session(Server& server, std::shared_ptr<const Config> config, std::uint64_t id,
            bufferevent* bev, std::string peer, std::string local, bool tls = false);
    ~Session() override;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    std::uint64_t id() const { return id_; }
    const std::string& peer() const { return peer_; }

    // Player
    void send_media(const MediaPtr& message) override;
    void on_publish_start(Stream& stream, bool resumed) override;
    void on_publish_stop(Stream& stream) override;

    // Server shutdown: tell the peer its stream ends, then close once the bytes are out.
    void shut_down();
    // A second publisher replaced this one (publish_conflict: replace).
    void replaced();

    // max_memory accounting (sampled by the server): bytes this session holds that are its own,
    // not shared: unread and partial input, and unsent output that is not a reference to
    // shared chunks.
    std::size_t private_bytes() const;
    // The server is over max_memory and this session holds the most private bytes.
    void close_for_memory(std::size_t limit);

    // The API: what this session is and has done; its totals so far.
    SessionReport report() const;
    SessionRole role() const;
    SessionTotals totals() const;
    const Stream* playing_stream() const { return playing_; }
    // DELETE /api/v1/sessions/{id}: a player gets StreamEOF and NetStream.Play.Stop, a
    // publisher NetStream.Unpublish.Success, then the session closes once that is sent.
    void close_by_operator();

private:
    static void on_read(bufferevent*, void* self);
    static void on_write(bufferevent*, void* self);
    static void on_event(bufferevent*, short what, void* self);
    static void on_timer(evutil_socket_t, short, void* self);

    // The Player calls, run by the guarded wrappers above (session_media.cpp): a failure in one
    // player ends that player, not the publisher whose message it was.
    void deliver_media(const MediaPtr& message);
    void publish_started(Stream& stream, bool resumed);
    void publish_stopped(Stream& stream);

    void read_input();
    void handle_message(rtmp::Message&& m);
    void handle_control(const rtmp::Message& m);
    void handle_command(const rtmp::Command& cmd, std::uint32_t stream_id);
    void handle_connect(const rtmp::Command& cmd);
    void handle_create_stream(const rtmp::Command& cmd);
    void handle_publish(const rtmp::Command& cmd, std::uint32_t stream_id);
    void handle_play(const rtmp::Command& cmd, std::uint32_t stream_id);
    void handle_pause(const rtmp::Command& cmd);
    void handle_data(const rtmp::Message& m);
    void handle_media(rtmp::Message&& m);
    void drop_big_metadata(std::size_t size);

    void finish_connect(double txn);
    void start_publish(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id,
                       const std::string& type);
    void start_play(const url::RtmpUrl& where, std::string name, std::uint32_t stream_id);
    void stop_publishing();
    void stop_playing();

    // REST hooks (session_hooks.cpp). Without rest_hook_url every decision is "allowed" at once.
    using HookDone = std::function<void(const hook::Decision&)>;
    void authorize(const char* method, const hook::json& payload, HookDone done);
    void hook_answered(const std::string& method, const HookDone& done, const hook::Decision& d);
    void notify(const char* method, const hook::json& payload);
    // The connect hook deferred by rtmp_use_stream_params_as_connection, then `done`.
    void authorize_deferred_connect(const url::RtmpUrl& where, std::function<void()> done,
                                    std::function<void(const std::string&, const std::string&)> refused);
    std::string hook_session_id() const;
    hook::ConnectInfo connect_info(const url::Params& custom) const;
    hook::StreamInfo stream_info(const std::string& name, bool published, const char* status,
                                 const url::Params& custom) const;
    void fill_facts(hook::StreamInfo& info, const Stream& stream) const;
    void publishing_event_if_ready();
    void replay_pending();
    // Parses a publish/play name with its query, per the connect parameters.
    bool split_stream_name(const std::string& raw, url::RtmpUrl& out);

    void send(std::uint32_t csid, std::uint8_t type, std::uint32_t stream_id,
              const util::Bytes& payload, std::uint32_t timestamp = 0);
    void send_control(rtmp::MessageType type, const util::Bytes& payload);
    void send_user_control(rtmp::UserControlEvent event, std::uint32_t value);
    void send_command(std::uint32_t stream_id, const util::Bytes& payload);
    void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                     std::string_view description);
    void write_media(const MediaMessage& m);

    // Player output (session_output.cpp). A player's socket is written by the session itself,
    // not by the bufferevent: everything queued during one event-loop turn (or one
    // write_coalesce period) goes out in one writev, and the socket is watched for writability
    // only while a write could not finish.
public:
    void flush();  // called by the server for sessions that asked for it (schedule_flush)
private:
    // Writes what is queued now. Does not touch the server's flush list: only flush() does.
    void write_now();
    void enter_player_output();
    void request_flush();
    void arm_stall_timer();
    static void on_writable(evutil_socket_t, short, void* self);
    // TLS players: the bufferevent writes through OpenSSL; what it takes is counted here.
    static void on_output_drained(evbuffer*, const evbuffer_cb_info* info, void* self);
    evbuffer_cb_entry* drained_cb_ = nullptr;
    // TLS: the socket bufferevent under the OpenSSL filter has sent its last encrypted byte.
    static void on_socket_output_drained(evbuffer*, const evbuffer_cb_info* info, void* self);
    evbuffer_cb_entry* socket_drained_cb_ = nullptr;
    bool all_sent() const;
    static void on_stall_timer(evutil_socket_t, short, void* self);
    void write_silenced(const MediaMessage& m);
    // `m` with this payload, encoded for this player alone (its stream id, silence).
    void write_payload(const MediaMessage& m, util::ByteView payload);
    // `m` for a player on a stream id other than kSharedStreamId: its own first chunk header,
    // the rest of the shared chunks by reference.
    void write_on_own_stream_id(const MediaMessage& m);
    // Records `bytes` of `m` just appended to the output, for the queue and the control bound.
    void note_media_queued(const MediaMessage& m, std::size_t bytes);

    // A bound was passed where nothing can be dropped (control replies, headers): the session
    // stops now and closes on the next loop turn, outside the caller's iteration (fan-out).
    void overflow(const std::string& reason);
    bool stopped() const { return closing_ || flushing_ || !overflow_reason_.empty(); }

    // The event-callback boundary (session_guard.cpp): every libevent and hook callback of a
    // session runs its body through guarded(); an exception ends this one session with a log
    // line naming the peer and the reason, and the server keeps serving.
    template <class Body>
    void guarded(const char* where, Body&& body) noexcept;
    void fail(const char* where, const char* what) noexcept;
    // A message too large for the 24-bit length field was not sent: counted and logged.
    void log_unencodable(std::uint8_t type, const std::string& why);

    // Ends the session now (nothing more is sent).
    void close(const std::string& reason, bool error);
    // Stops reading, lets queued bytes go out, then closes (bounded by a short timer).
    void close_after_flush(const std::string& reason, bool error);
    void arm_timer(long long ms);

    Server& server_;
    std::shared_ptr<const Config> config_;
    std::uint64_t id_;
    long long since_ms_;
    SessionTotals totals_;           // bytes and messages in; the rest is derived in totals()
    std::uint64_t queued_total_ = 0; // bytes ever appended to out_ (sent = this - unsent)
    std::string flash_ver_;
    // Counts a failure of the peer's for /metrics (`reason`: one of the server's fixed words).
    void count_command_failure(std::string_view reason);
    bufferevent* bev_;
    bool tls_;
    evbuffer* out_;  // bev_'s output, looked up once: the fan-out touches it per message
    event* timer_ = nullptr;
    std::string peer_, local_;

    rtmp::ServerHandshake handshake_;
    rtmp::ChunkDecoder decoder_;
    rtmp::ChunkEncoder encoder_;
    rtmp::AckCounter ack_;
    util::Bytes scratch_;

    enum class TimerPurpose { None, Handshake, Idle, PlayWait, Flush, Overflow };
    // idle_timeout: from connect (or the end of a play or publish) until the next one starts.
    void arm_idle_timer();
    void cancel_idle_timer();
    // max_command_rate / max_control_rate: false (and the session closing) when over the rate.
    bool within_message_rates(std::uint8_t type);
    TokenBucket command_rate_;
    TokenBucket control_rate_;
    OutputLedger ledger_;  // what of out_ is private, once player output is ours (flush())
    TimerPurpose timer_purpose_ = TimerPurpose::None;
    bool connected_ = false;
    bool closing_ = false;
    bool flushing_ = false;
    std::string pending_close_reason_;
    bool pending_close_error_ = false;
    std::string overflow_reason_;  // set by overflow(): closing on the next loop turn
    ControlOutput control_out_;
    std::uint64_t short_media_dropped_ = 0;
    long long short_media_logged_ms_ = 0;
    std::uint64_t big_metadata_dropped_ = 0;
    std::string app_;
    url::RtmpUrl connect_url_;
    std::string tc_url_;
    std::string app_field_;  // the connect command's app, query included
    double object_encoding_ = 0;
    std::uint32_t next_stream_id_ = 1;

    Stream* publishing_ = nullptr;
    std::uint32_t publish_stream_id_ = 0;

    Stream* playing_ = nullptr;
    std::uint32_t play_stream_id_ = 0;
    PlayerQueue queue_;
    bool paused_ = false;
    bool receive_audio_ = true;
    bool receive_video_ = true;
    bool suppress_sound_ = false;
    media::AudioSilencer silencer_;    // suppress_sound=true: this player's audio
    bool silence_failed_logged_ = false;
    bool video_started_ = false;       // rtmp_send_video_first: a keyframe went out
    bool video_first_logged_ = false;
    MediaPtr held_audio_header_;       // rtmp_send_video_first: sent after the first keyframe
    std::uint64_t dropped_unencodable_ = 0;
    // A joiner's audio starts at its first picture's presentation time (see start_replay).
    std::optional<std::uint32_t> audio_starts_at_;
    void start_replay();
    std::uint64_t drops_logged_ = 0;   // dropped_messages at the last drop log line
    long long drop_logged_ms_ = 0;     // when that line was written
    bool player_output_ = false;   // writes are ours (see flush())
    bool flush_requested_ = false;
    bool want_writable_ = false;   // the last write met a full socket buffer
    event* writable_ = nullptr;    // added while the socket buffer is full
    event* stall_timer_ = nullptr;
    long long last_progress_ms_ = 0;

    // Hooks: while a decision is pending, later messages wait in pending_.
    hook::HookClient* hook_client_ = nullptr;
    hook::HookClient::Ticket hook_ticket_ = 0;
    bool awaiting_hook_ = false;
    std::deque<rtmp::Message> pending_;
    bool connect_hook_deferred_ = false;  // rtmp_use_stream_params_as_connection
    bool established_sent_ = false;
    std::string publish_name_, play_name_;  // stream names as hooks know them
    std::string publish_media_session_id_;
    url::Params publish_params_, play_params_;
    bool publishing_event_sent_ = false;
    bool publish_record_ = false;  // the publication is recorded (config, params, hook)
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
