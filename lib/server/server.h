// The RTMP server: listeners, sessions, the registry of live streams, graceful stop and reload.
#pragma once

#include <event2/event.h>
#include <event2/listener.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "hook/hook_client.h"
#include "net/tls.h"
#include "server/admission.h"
#include "server/config.h"
#include "server/memory_budget.h"
#include "server/merge_delay.h"
#include "server/registry.h"
#include "server/server_stats.h"
#include "server/session_io.h"
#include "server/stream.h"

namespace server {

class Session;
class SessionLink;
class WebrtcIngest;
class Recordings;

// Glue: the event loop's side of the server. It owns the sockets, timers and sessions and is the
// host each sans-IO Session asks for the registry, the hooks and the clock.
class Server : public SessionHost {
public:
    Server(event_base* base, Config config);
    ~Server() override;

    // Binds every listen address; false with a message when one cannot be bound.
    bool start(std::string& error);
    // SIGINT/SIGTERM: stop accepting, give every session its end status, exit the loop when all
    // are gone (or after a short grace period).
    void stop_gracefully();
    // SIGHUP: new sessions use `config` (listen addresses are not changed by a reload).
    void reload(Config config);

    event_base* base() const { return base_; }
    std::shared_ptr<const Config> config() const { return config_; }

    Stream* find_stream(const StreamKey& key) { return registry_.find(key); }

    // SessionHost
    long long now_ms() const override;
    Registry& registry() override { return registry_; }
    hook::Hooks* hooks() override { return hooks_.get(); }
    void publication_started(Stream& stream, const std::string& media_session_id,
                             bool record) override;
    void publication_ended(Stream& stream) override;
    bool recording(const StreamKey& key) const override;

    // Deletes the session at the next loop turn, so no caller's stack still uses it.
    void schedule_close(SessionLink* session);
    // Player output: `session` has bytes to send; they go out when the loop turn ends (or after
    // write_coalesce). forget_flush() when the session closes first.
    void schedule_flush(SessionLink* session);
    void forget_flush(SessionLink* session);

    std::size_t session_count() const { return sessions_.size(); }
    // An in-process session (a WebRTC publisher) is admitted as accept() admits a socket:
    // nullopt (and its admission key), or why it is refused (counted in /metrics).
    std::optional<std::string> admit_link(const sockaddr* peer, std::string& key);
    // Takes an admitted session (socket or link) into the server's sessions (freed through
    // schedule_close).
    void adopt(std::unique_ptr<SessionLink> link, std::string key);
    std::uint64_t take_session_id() { return next_session_id_++; }

    // What the HTTP API and metrics read (lib/http): sessions by id, streams, totals.
    std::vector<const Session*> sessions_by_id() const;
    // Sessions open now, indexed by SessionRole.
    std::array<std::size_t, kSessionRoles> sessions_by_role() const;
    const Session* find_session(std::uint64_t id) const;
    const std::map<StreamKey, std::unique_ptr<Stream>>& streams() const { return registry_.streams(); }
    const Session* publisher_session(const Stream& stream) const;
    ServerStats& stats() override { return stats_; }
    const ServerStats& stats() const { return stats_; }
    // Ended sessions' totals plus the live sessions' so far: counters that never go back.
    SessionTotals totals() const;
    std::uint64_t stream_dropped_too_large() const;
    // Bytes buffered now, as max_memory counts them (computed when asked).
    std::size_t buffered_bytes() const;
    long long started_at_ms() const { return started_at_ms_; }
    const std::vector<std::string>& listening_on() const { return listening_on_; }
    const std::vector<std::string>& listening_tls_on() const { return listening_tls_on_; }
    // The certificate context new TLS sessions (RTMPS, HTTPS) start with; empty without TLS.
    const net::TlsContext& tls_context() const { return tls_; }
    bool stopping() const { return stopping_; }
    // write_coalesce as applied now (it adapts to the load, merge_delay.h).
    const MergeDelay& merge_delay() const { return merge_; }
    // A session's destructor hands over its totals.
    void session_ended(const SessionTotals& totals) override { stats_.ended += totals; }

    // The API's actions. false when there is no such session / no publisher.
    bool close_session(std::uint64_t id);
    // Ends a publication at once: the publisher is told and closed, the players are told now
    // (no unpublish_notify_delay).
    bool end_publication(const StreamKey& key);

    // FLV recording (recordings.h): sessions tell it of publications, the API starts and stops.
    Recordings& recordings() { return *recordings_; }
    const Recordings& recordings() const { return *recordings_; }

    // WebRTC (WHIP) ingest; nullptr when webrtc_udp_listen is empty.
    WebrtcIngest* webrtc() const { return webrtc_.get(); }

    // The REST hook client, or nullptr when rest_hook_url is empty.
    hook::HookClient* hook_client() const { return hooks_.get(); }
    const std::string& node_id() const override { return node_id_; }

private:
    // libevent callbacks catch at the loop boundary (DESIGN.md, Errors) and log what they caught.
    static void on_accept(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int len, void* self);
    static void on_accept_tls(evconnlistener*, evutil_socket_t fd, sockaddr* addr, int len,
                              void* self);
    void accept(evutil_socket_t fd, sockaddr* addr, bool tls);
    struct Refused {
        std::string label, reason;
    };
    // The bounds every new session meets (stopping, max_connections, max_memory, per-IP);
    // on admission `key` is what admission_ counts it under.
    std::optional<Refused> admission_refusal(const sockaddr* addr, std::string& key);
    // Binds one listen address with `callback`; false with `error` when it cannot.
    bool bind(const std::string& text, evconnlistener_cb callback, std::string& error);
    // Loads tls_cert / tls_key when TLS is configured; false with `error` when they fail.
    bool load_tls(const Config& config, std::string& error);
    static void guard_log(const char* where, const char* what) noexcept;
    // accept() failed (EMFILE, ENFILE, ENOBUFS...): stop accepting for a moment instead of
    // spinning on a listen socket that stays readable, and log at most once a second.
    static void on_accept_error(evconnlistener*, void* self);
    static void on_accept_resume(evutil_socket_t, short, void* self);
    void reserve_descriptor_slots(long count);
    event* accept_resume_ = nullptr;
    long long accept_error_logged_ms_ = -1000000;
    std::uint64_t accept_errors_ = 0;
    // Refuses a connection at accept with one log line.
    // `label` names the reason in /metrics (a fixed word), `reason` in the log.
    void refuse(evutil_socket_t fd, const std::string& peer, std::string_view label,
                const std::string& reason);
    long long refusal_window_ms_ = -1000000;
    int refusals_logged_ = 0;
    std::uint64_t refusals_unlogged_ = 0;

    // Admission (admission.h): per-address counts and rates. The key of each session is kept
    // to release it when the session goes.
    Admission admission_;
    std::unordered_map<SessionLink*, std::string> admission_keys_;
    void apply_admission_limits();

    // max_memory (memory_budget.h): sampled from every session on a short timer.
    static void on_memory_sample(evutil_socket_t, short, void* self);
    void sample_memory();
    event* memory_sampler_ = nullptr;
    MemoryBudget budget_;
    bool over_budget_logged_ = false;

    // Memory given back after many sessions end (glibc keeps freed heap otherwise).
    static void on_trim(evutil_socket_t, short, void* self);
    event* trim_ = nullptr;
    std::size_t closed_since_trim_ = 0;
    static void on_reap(evutil_socket_t, short, void* self);
    static void on_flush(evutil_socket_t, short, void* self);
    std::vector<SessionLink*> to_flush_;
    std::vector<StreamKey> to_deliver_;  // streams with a batch for their players
    void arm_flush();
    MergeDelay merge_;
    long long merge_logged_ms_ = 0;
    double merge_logged_value_ = 0;
    void log_merge_delay();
    event* flush_ = nullptr;
    bool flush_pending_ = false;
    static void on_grace_timeout(evutil_socket_t, short, void* self);
    // While stopping: the loop ends once no session is left, every recording is on disk and
    // the hook events (a recording's end among them) are delivered; the grace period bounds it.
    void exit_if_done();
    static void on_stop_poll(evutil_socket_t, short, void* self);
    event* stop_poll_ = nullptr;
    static void on_unpublish_timer(evutil_socket_t, short, void* arg);
    void cancel_unpublish_timer(const Stream& stream);
    struct UnpublishTimer {
        Server* server;
        StreamKey key;
        event* ev;
    };
    std::map<StreamKey, std::unique_ptr<UnpublishTimer>> unpublish_timers_;
    static void unpublish_timer_fired(UnpublishTimer* t);

    static void on_bitrate_sample(evutil_socket_t, short, void* self);
    event* bitrate_sampler_ = nullptr;
    ServerStats stats_;
    long long started_at_ms_ = 0;
    std::vector<std::string> listening_on_;
    std::vector<std::string> listening_tls_on_;
    net::TlsContext tls_;

    event_base* base_;
    std::shared_ptr<const Config> config_;
    std::vector<evconnlistener*> listeners_;
    std::unordered_map<SessionLink*, std::unique_ptr<SessionLink>> sessions_;
    std::vector<SessionLink*> to_close_;
    event* reap_ = nullptr;
    event* grace_ = nullptr;
    Registry registry_;
    // A stream's publisher left: its players are told after unpublish_notify_delay unless a
    // publisher comes back first (a reconnecting OBS, a restarted ffmpeg).
    void publisher_left(Stream& stream);
    std::uint64_t next_session_id_ = 1;
    bool stopping_ = false;
    void make_hook_client();
    std::unique_ptr<hook::HookClient> hooks_;
    // Clients replaced by a reload stay until exit: sessions may still wait on their answers.
    std::vector<std::unique_ptr<hook::HookClient>> retired_hooks_;
    std::string node_id_;
    std::unique_ptr<Recordings> recordings_;
    std::unique_ptr<WebrtcIngest> webrtc_;
};

}  // namespace server
