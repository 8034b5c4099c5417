// Session lifecycle and I/O without sockets: bytes through the handshake and the chunk decoder,
// messages out through the chunk encoder, the state table's deadlines, and closing without
// disturbing others.
#include "server/session.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "hook/payload.h"
#include "net/log.h"
#include "rtmp/command_replies.h"
#include "server/server_stats.h"

namespace server {

namespace {
rtmp::ChunkLimits chunk_limits(const Config& c) {
    rtmp::ChunkLimits l;
    l.max_message_size = std::uint32_t(c.max_message_size);
    return l;
}

PlayerQueue make_queue(const Config& c) {
    const long long divisor = c.server_buffer_enabled ? 1 : 4;
    QueueLimits limits;
    limits.max_bytes = std::size_t(c.player_queue_max_bytes / divisor);
    limits.max_ms = std::uint32_t(c.player_queue_max_time.count() / divisor);
    // Room for a whole cached GOP replayed to a new player, and as much again behind it.
    limits.max_messages = 2 * std::size_t(c.gop_cache_max_messages);
    return PlayerQueue(limits);
}
}  // namespace

void secure_random_fill(std::uint8_t* p, std::size_t n) {
    if (RAND_bytes(p, int(n)) != 1)
        for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(std::rand());
}

std::string_view state_name(SessionState s) {
    switch (s) {
        case SessionState::Handshake: return "handshake";
        case SessionState::Connected: return "connected";
        case SessionState::AwaitingHook: return "awaiting_hook";
        case SessionState::Publishing: return "publishing";
        case SessionState::Playing: return "playing";
        case SessionState::Paused: return "paused";
        case SessionState::Closing: return "closing";
        case SessionState::Closed: return "closed";
    }
    return "?";
}

Session::Session(SessionHost& host, SessionIo& io, std::shared_ptr<const Config> config,
                 std::uint64_t id, SessionPeer peer, rtmp::RandomFill random)
    : host_(host),
      io_(io),
      config_(std::move(config)),
      id_(id),
      peer_(std::move(peer)),
      since_ms_(host.now_ms()),
      queue_(make_queue(*config_)),
      handshake_(std::move(random), 0),
      decoder_(chunk_limits(*config_)),
      command_rate_(double(config_->max_command_rate), double(config_->max_command_rate)),
      control_rate_(double(config_->max_control_rate), double(config_->max_control_rate)) {
    last_input_ms_ = last_progress_ms_ = since_ms_;
    enter(SessionState::Handshake);
    net::logger().debug("connection accepted", {{"session", std::to_string(id_)}, {"peer", peer_.peer}});
}

Session::~Session() {
    try {
        host_.session_ended(totals());
        if (hook_ticket_ && hooks_in_use_) hooks_in_use_->cancel(hook_ticket_);
        stop_publishing();
        stop_playing();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtmp-serve: session %llu: error while freeing it: %s\n",
                     (unsigned long long)id_, e.what());
    }
}

// --- lifecycle -------------------------------------------------------------------------------

void Session::enter(SessionState next) {
    state_ = next;
    Duration t = state_timeout(next, *config_);
    // A player waits for its publisher within play_wait_timeout; with one, there is no bound.
    if (next == SessionState::Playing && playing_ && playing_->has_publisher()) t = Duration{0};
    if (t.count() > 0) {
        state_deadline_ = host_.now_ms() + t.count();
        want_deadline(*state_deadline_);
    } else {
        state_deadline_.reset();
    }
    if (next == SessionState::Publishing && config_->idle_publisher_timeout.count() > 0)
        want_deadline(last_input_ms_ + config_->idle_publisher_timeout.count());
}

void Session::want_deadline(long long at_ms) {
    // Lazy: a later deadline waits for the armed one, which re-checks and asks again.
    if (armed_deadline_ && *armed_deadline_ <= at_ms) return;
    armed_deadline_ = at_ms;
    io_.set_deadline(at_ms);
}

void Session::on_deadline() noexcept {
    guarded("timer", [this] {
        armed_deadline_.reset();
        check_deadlines();
    });
}

void Session::check_deadlines() {
    if (state_ == SessionState::Closed) return;
    const long long now = host_.now_ms();
    if (state_deadline_ && now >= *state_deadline_) {
        state_deadline_.reset();
        const std::string expiry(kStateDeadlines[std::size_t(state_)].expiry);
        switch (state_) {
            case SessionState::Handshake:
                ServerStats::count(host_.stats().handshake_failures,
                                   handshake_.done() ? "no_connect" : "timeout");
                return close(expiry, true);
            case SessionState::Connected:
                return close(expiry + " (" + format_duration(config_->idle_timeout) + ")", true);
            case SessionState::Playing:
                if (playing_ && !playing_->has_publisher()) {
                    send_status(play_stream_id_, "error", rtmp::status::kPlayStreamNotFound,
                                "Stream " + playing_->name() + " was not published within " +
                                    format_duration(config_->play_wait_timeout));
                    close_after_flush(expiry + ": " + playing_->key(), false);
                    return;
                }
                break;
            case SessionState::Closing:
                if (close_unflushed_) return close(close_reason_, true);
                return close(close_reason_ + " (" + expiry + ")", close_error_);
            default: break;
        }
    }
    const long long idle = config_->idle_publisher_timeout.count();
    if (state_ == SessionState::Publishing && idle > 0 && now - last_input_ms_ >= idle)
        return close("publisher idle for " + format_duration(config_->idle_publisher_timeout), true);
    const long long wt = config_->write_timeout.count();
    const bool pending_output = !io_.all_sent();
    if (wt > 0 && pending_output && now - last_progress_ms_ >= wt)
        return close("write timeout: the peer took no bytes for " +
                         format_duration(config_->write_timeout),
                     true);
    if (state_deadline_) want_deadline(*state_deadline_);
    if (state_ == SessionState::Publishing && idle > 0) want_deadline(last_input_ms_ + idle);
    if (wt > 0 && pending_output) want_deadline(last_progress_ms_ + wt);
}

void Session::close(const std::string& reason, bool error) {
    if (state_ == SessionState::Closed) return;
    net::LogFields fields = {{"session", std::to_string(id_)}, {"peer", peer_.peer}, {"reason", reason}};
    if (playing_) fields.emplace_back("playing", playing_->key());
    if (publishing_) fields.emplace_back("publishing", publishing_->key());
    // What the session moved, as nginx-rtmp's access log says: the counters die with it.
    const SessionTotals moved = totals();
    if (moved.dropped_slow_player)
        fields.emplace_back("dropped_messages", std::to_string(moved.dropped_slow_player));
    fields.emplace_back("bytes_in", std::to_string(moved.bytes_in));
    fields.emplace_back("bytes_out", std::to_string(moved.bytes_out));
    state_ = SessionState::Closed;
    state_deadline_.reset();
    if (error) net::logger().warn("session closed", fields);
    else net::logger().info("session closed", fields);
    stop_publishing();
    stop_playing();
    if (hook_ticket_ && hooks_in_use_) {
        hooks_in_use_->cancel(hook_ticket_);
        hook_ticket_ = 0;
    }
    if (established_sent_) {
        established_sent_ = false;
        notify(hook::method::kConnectionStatusEvent,
               hook::connection_status_payload(connect_info(connect_url_.connect_params),
                                               "DISCONNECTED", reason));
    }
    armed_deadline_.reset();
    io_.set_deadline(std::nullopt);
    io_.finished();
}

void Session::close_after_flush(const std::string& reason, bool error) {
    if (stopped()) return;
    stop_publishing();
    stop_playing();
    io_.set_reading(false);
    close_reason_ = reason;
    close_error_ = error;
    enter(SessionState::Closing);
    if (io_.all_sent()) {
        close(reason, error);
        return;
    }
    io_.flush(false);
}

void Session::overflow(const std::string& reason) {
    if (stopped()) return;
    close_reason_ = reason;
    close_error_ = true;
    close_unflushed_ = true;
    io_.set_reading(false);
    enter(SessionState::Closing);
    state_deadline_ = host_.now_ms();  // the next loop turn, outside the caller's iteration
    armed_deadline_.reset();
    want_deadline(*state_deadline_);
}

void Session::fail(const char* where, const char* what) noexcept {
    try {
        if (state_ != SessionState::Closed) {
            close(std::string("internal error in ") + where + ": " + what, true);
            return;
        }
        net::logger().error("internal error while closing",
                            {{"session", std::to_string(id_)}, {"peer", peer_.peer},
                             {"where", where}, {"reason", what}});
    } catch (...) {
        std::fputs("rtmp-serve: internal error while closing a session\n", stderr);
    }
    // close() may have thrown half-way: make sure the session is gone at the next turn.
    try {
        state_ = SessionState::Closed;
        io_.finished();
    } catch (...) {
        std::fputs("rtmp-serve: cannot schedule a failed session's close\n", stderr);
    }
}

void Session::on_sent(std::size_t bytes) noexcept {
    guarded("sent", [&] {
        if (bytes) ledger_.sent(bytes);
        last_progress_ms_ = host_.now_ms();
        if (state_ == SessionState::Closing && !close_unflushed_ && io_.all_sent())
            close(close_reason_, close_error_);
    });
}

void Session::on_peer_closed() noexcept {
    guarded("socket event", [this] { close("peer closed the connection", false); });
}

void Session::on_transport_error(const std::string& why, bool tls) noexcept {
    guarded("socket event", [&] {
        if (tls) {
            // A plain RTMP handshake on the TLS port, garbage, a refused renegotiation...
            if (!handshake_.done()) ServerStats::count(host_.stats().handshake_failures, "tls");
            close("TLS error: " + why, true);
            return;
        }
        close("socket error: " + why, false);
    });
}

// --- input -----------------------------------------------------------------------------------

bool Session::wants_input() const {
    return state_ != SessionState::AwaitingHook && !stopped();
}

std::size_t Session::receive(util::ByteView data) noexcept {
    std::size_t used = 0;
    guarded("read", [&] {
        if (!wants_input()) return;
        last_input_ms_ = host_.now_ms();
        used = read_input(data);
    });
    // After a failure everything offered is taken: the session is closed and reads no more.
    return stopped() ? data.size() : used;
}

std::size_t Session::read_input(util::ByteView data) {
    std::size_t used = 0;
    while (wants_input() && used < data.size()) {
        const util::ByteView rest = data.subspan(used);
        if (!handshake_.done()) {
            util::Bytes out;
            auto r = handshake_.feed(rest, out);
            if (!r) {
                ServerStats::count(host_.stats().handshake_failures,
                                   r.error().code == rtmp::HandshakeErrc::BadVersion ? "bad_version"
                                                                                     : "bad_digest");
                close(std::string("handshake failed: ") + rtmp::to_string(r.error().code), true);
                return data.size();
            }
            totals_.bytes_in += *r;
            used += *r;
            if (!out.empty()) {
                io_.write(out);
                appended(out.size(), false, true);
            }
            if (*r == 0) break;
            continue;
        }
        auto r = decoder_.feed(rest, [this](rtmp::Message&& m) {
            if (!stopped()) handle_message(std::move(m));
        });
        if (!r) {
            count_command_failure("protocol_error");
            close(std::string("protocol error: ") + std::string(rtmp::chunk_errc_name(r.error().code)) +
                      ": " + r.error().message,
                  true);
            return data.size();
        }
        totals_.bytes_in += *r;
        used += *r;
        if (auto seq = ack_.on_received(*r))
            send_control(rtmp::MessageType::Acknowledgement, rtmp::acknowledgement_payload(*seq));
        if (*r == 0) break;
    }
    return used;
}

bool Session::within_message_rates(std::uint8_t type) {
    using T = rtmp::MessageType;
    const long long now = host_.now_ms();
    switch (static_cast<T>(type)) {
        case T::CommandAmf0:
        case T::CommandAmf3:
            if (command_rate_.take(now)) return true;
            count_command_failure("command_rate");
            close("over max_command_rate (" + std::to_string(config_->max_command_rate) +
                      " commands per second)",
                  true);
            return false;
        case T::SetChunkSize:
        case T::Abort:
        case T::Acknowledgement:
        case T::WindowAckSize:
        case T::SetPeerBandwidth:
        case T::UserControl:
            if (control_rate_.take(now)) return true;
            count_command_failure("control_rate");
            close("over max_control_rate (" + std::to_string(config_->max_control_rate) +
                      " control messages per second)",
                  true);
            return false;
        default: return true;
    }
}

// --- output ----------------------------------------------------------------------------------

void Session::appended(std::size_t bytes, bool shared, bool control) {
    if (bytes == 0) return;
    // Output that begins now may take write_timeout to leave before the peer counts as stalled.
    if (io_.unsent() <= bytes) {
        last_progress_ms_ = host_.now_ms();
        if (config_->write_timeout.count() > 0)
            want_deadline(last_progress_ms_ + config_->write_timeout.count());
    }
    queued_total_ += bytes;
    if (player_output_) ledger_.appended(bytes, shared);
    control_out_.appended(bytes, control);
}

void Session::send(std::uint32_t csid, std::uint8_t type, std::uint32_t stream_id,
                   const util::Bytes& payload, std::uint32_t timestamp) {
    if (state_ == SessionState::Closed || close_unflushed_) return;
    rtmp::MessageHeader h;
    h.csid = csid;
    h.type = type;
    h.stream_id = stream_id;
    h.timestamp = timestamp;
    scratch_.clear();
    if (auto r = encoder_.encode(h, payload, scratch_); !r) {
        // Only a reply built from peer data could be this large; the session goes on without it.
        log_unencodable(type, r.error().message);
        return;
    }
    io_.write(scratch_);
    ++totals_.messages_out;
    appended(scratch_.size(), false, true);
    queue_.queued_other(scratch_.size());
    const std::size_t unsent = control_out_.unsent_control(io_.unsent());
    if (unsent > std::size_t(config_->max_control_output)) {
        overflow("peer does not read its replies: " + std::to_string(unsent) +
                 " bytes of control output unsent (max_control_output " +
                 std::to_string(config_->max_control_output) + ")");
        return;
    }
    if (player_output_) io_.flush(false);
}

void Session::send_control(rtmp::MessageType type, const util::Bytes& payload) {
    send(rtmp::csid::kControl, std::uint8_t(type), 0, payload);
}

void Session::send_user_control(rtmp::UserControlEvent event, std::uint32_t value) {
    send_control(rtmp::MessageType::UserControl, rtmp::user_control_payload(event, value));
}

void Session::send_command(std::uint32_t stream_id, const util::Bytes& payload) {
    send(rtmp::csid::kCommand, std::uint8_t(rtmp::MessageType::CommandAmf0), stream_id, payload);
}

void Session::send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                          std::string_view description) {
    send_command(stream_id, rtmp::on_status(level, code, description));
}

void Session::log_unencodable(std::uint8_t type, const std::string& why) {
    ++dropped_unencodable_;
    net::logger().warn("message not sent: too large for RTMP",
                       {{"session", std::to_string(id_)},
                        {"peer", peer_.peer},
                        {"type", std::to_string(type)},
                        {"reason", why},
                        {"dropped", std::to_string(dropped_unencodable_)}});
}

void Session::count_command_failure(std::string_view reason) {
    ServerStats::count(host_.stats().command_failures, reason);
}

// --- what the server and the API ask -----------------------------------------------------------

std::size_t Session::private_bytes() const {
    std::size_t n = io_.unread() + decoder_.buffered_bytes();
    // Until the session is a player, all its output is replies: private.
    n += player_output_ ? ledger_.private_bytes() : io_.unsent();
    for (const auto& m : pending_) n += m.payload.size();
    return n;
}

void Session::close_for_memory(std::size_t limit) noexcept {
    guarded("max_memory", [&] {
        close("max_memory (" + std::to_string(limit) + " bytes) reached: this session held the most (" +
                  std::to_string(private_bytes()) + " bytes of its own)",
              true);
    });
}

void Session::end_by_server(std::string_view to_player, std::string_view to_publisher,
                            const std::string& reason) {
    // Closing already stopped both roles: the peer has been told, or is not told any more.
    if (stopped()) return;
    if (playing_) {
        send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
        send_status(play_stream_id_, "status", rtmp::status::kPlayStop, to_player);
    }
    if (publishing_) send_status(publish_stream_id_, "status", rtmp::status::kUnpublishSuccess, to_publisher);
    close_after_flush(reason, false);
}

void Session::shut_down() noexcept {
    guarded("shut down", [this] {
        end_by_server("Server is shutting down.", "Server is shutting down.", "server shutting down");
    });
}

void Session::close_by_operator() noexcept {
    guarded("closed by the operator", [this] {
        end_by_server("Closed by the server's operator.", "Unpublished by the server's operator.",
                      "closed by the operator (HTTP API)");
    });
}

void Session::replaced() noexcept {
    guarded("replaced", [this] {
        if (stopped() || !publishing_) return;
        send_status(publish_stream_id_, "error", rtmp::status::kPublishBadName,
                    "Another publisher took over " + publishing_->name() + ".");
        close_after_flush("replaced by a new publisher", false);
    });
}

SessionTotals Session::totals() const {
    SessionTotals t = totals_;
    const std::size_t unsent = io_.unsent();
    t.bytes_out = queued_total_ >= unsent ? queued_total_ - unsent : 0;
    t.dropped_slow_player = queue_.dropped_messages();
    t.dropped_too_large = dropped_unencodable_;
    t.dropped_too_short = short_media_dropped_;
    t.dropped_big_metadata = big_metadata_dropped_;
    return t;
}

SessionRole Session::role() const {
    if (stopped()) return SessionRole::Closing;
    if (publishing_) return SessionRole::Publisher;
    if (playing_) return SessionRole::Player;
    return connected_ ? SessionRole::Connected : SessionRole::Handshake;
}

SessionReport Session::report() const {
    SessionReport r;
    r.id = id_;
    r.peer = peer_.peer;
    r.role = role();
    r.app = app_;
    if (publishing_) r.stream = publishing_->id();
    else if (playing_) r.stream = playing_->id();
    r.connect_params = connect_url_.connect_params;
    if (publishing_) r.stream_params = publish_params_;
    else if (playing_) r.stream_params = play_params_;
    r.flash_ver = flash_ver_;
    r.tc_url = tc_url_;
    r.totals = totals();
    r.output_queued = io_.unsent();
    r.messages_dropped = r.totals.dropped_slow_player + r.totals.dropped_too_large;
    r.since_ms = since_ms_;
    r.tls = peer_.tls;
    if (peer_.tls) r.tls_session = io_.tls_info();
    r.webrtc = io_.webrtc_stats();
    return r;
}

void Session::send_media(const MediaPtr& message) {
    guarded("fan-out", [&] { deliver_media(message); });
}

void Session::on_publish_start(Stream& stream, bool resumed) {
    guarded("publish start", [&] { publish_started(stream, resumed); });
}

void Session::on_publish_stop(Stream& stream) {
    guarded("publish stop", [&] { publish_stopped(stream); });
}

}  // namespace server
