// Session I/O and lifecycle: bytes from the socket through the handshake and the chunk decoder,
// messages out through the chunk encoder, timers, and closing without disturbing others.
#include "server/session.h"

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "hook/payload.h"
#include "net/log.h"
#include "net/timeval.h"
#include "rtmp/command_replies.h"
#include "server/server.h"
#include "server/server_stats.h"

namespace server {

namespace {
void random_fill(std::uint8_t* p, std::size_t n) {
    if (RAND_bytes(p, int(n)) != 1) {
        for (std::size_t i = 0; i < n; ++i) p[i] = std::uint8_t(std::rand());
    }
}

rtmp::ChunkLimits chunk_limits(const Config& c) {
    rtmp::ChunkLimits l;
    l.max_message_size = std::uint32_t(c.max_message_size);
    return l;
}

}  // namespace

Session::Session(Server& server, std::shared_ptr<const Config> config, std::uint64_t id,
                 bufferevent* bev, std::string peer, std::string local, bool tls)
    : server_(server),
      config_(std::move(config)),
      id_(id),
      since_ms_(server.now_ms()),
      bev_(bev),
      tls_(tls),
      out_(bufferevent_get_output(bev)),
      peer_(std::move(peer)),
      local_(std::move(local)),
      handshake_(random_fill, 0),
      decoder_(chunk_limits(*config_)),
      command_rate_(double(config_->max_command_rate), double(config_->max_command_rate)),
      control_rate_(double(config_->max_control_rate), double(config_->max_control_rate)) {
    const long long divisor = config_->server_buffer_enabled ? 1 : 4;
    QueueLimits limits;
    limits.max_bytes = std::size_t(config_->player_queue_max_bytes / divisor);
    limits.max_ms = std::uint32_t(config_->player_queue_max_time.count() / divisor);
    // Room for a whole cached GOP replayed to a new player, and as much again behind it.
    limits.max_messages = 2 * std::size_t(config_->gop_cache_max_messages);
    queue_ = PlayerQueue(limits);
    timer_ = evtimer_new(server_.base(), &Session::on_timer, this);
    bufferevent_setcb(bev_, &Session::on_read, &Session::on_write, &Session::on_event, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    timer_purpose_ = TimerPurpose::Handshake;
    arm_timer(config_->handshake_timeout.count());
    if (tls_)
        if (bufferevent* below = bufferevent_get_underlying(bev_))
            socket_drained_cb_ = evbuffer_add_cb(bufferevent_get_output(below),
                                                 &Session::on_socket_output_drained, this);
    net::logger().debug("connection accepted", {{"session", std::to_string(id_)}, {"peer", peer_}});
}

Session::~Session() {
    // Unconditionally: the server must never keep a pointer to a freed session, whatever the
    // flag says (a direct flush() once cleared it while the server still held the request).
    server_.forget_flush(this);
    try {
        server_.session_ended(totals());
        if (hook_ticket_ && hook_client_) hook_client_->cancel(hook_ticket_);
        stop_publishing();
        stop_playing();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rtmp-serve: session %llu: error while freeing it: %s\n",
                     (unsigned long long)id_, e.what());
    }
    if (writable_) event_free(writable_);
    if (stall_timer_) event_free(stall_timer_);
    if (timer_) event_free(timer_);
    if (drained_cb_) evbuffer_remove_cb_entry(out_, drained_cb_);
    if (socket_drained_cb_)
        if (bufferevent* below = bufferevent_get_underlying(bev_))
            evbuffer_remove_cb_entry(bufferevent_get_output(below), socket_drained_cb_);
    if (bev_) bufferevent_free(bev_);
}

void Session::arm_timer(long long ms) {
    if (ms <= 0) {
        evtimer_del(timer_);
        return;
    }
    timeval tv = net::to_timeval(ms);
    evtimer_add(timer_, &tv);
}

void Session::on_timer(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Session*>(self);
    s->guarded("timer", [s] {
        switch (s->timer_purpose_) {
            case TimerPurpose::Handshake:
                ServerStats::count(s->server_.stats().handshake_failures,
                                   s->handshake_.done() ? "no_connect" : "timeout");
                s->close("no handshake and connect within handshake_timeout", true);
                break;
            case TimerPurpose::Idle:
                s->close("idle: neither publish nor play within idle_timeout (" +
                             format_duration(s->config_->idle_timeout) + ")",
                         true);
                break;
            case TimerPurpose::PlayWait:
                if (s->playing_ && !s->playing_->has_publisher()) {
                    s->send_status(s->play_stream_id_, "error", rtmp::status::kPlayStreamNotFound,
                                   "Stream " + s->playing_->name() + " was not published within " +
                                       format_duration(s->config_->play_wait_timeout));
                    s->close_after_flush("stream not found: " + s->playing_->key(), false);
                }
                break;
            case TimerPurpose::Overflow:
                s->close(s->overflow_reason_, true);
                break;
            case TimerPurpose::Flush:
                s->close(s->pending_close_reason_ + " (peer did not take its last bytes)",
                         s->pending_close_error_);
                break;
            case TimerPurpose::None: break;
        }
    });
}

void Session::on_read(bufferevent*, void* self) {
    auto* s = static_cast<Session*>(self);
    s->guarded("read", [s] { s->read_input(); });
}

void Session::on_write(bufferevent*, void* self) {
    auto* s = static_cast<Session*>(self);
    s->guarded("write", [s] {
        if (s->flushing_ && !s->closing_) {
            // TLS: the records may still wait below; on_socket_output_drained closes then.
            if (s->all_sent()) s->close(s->pending_close_reason_, s->pending_close_error_);
            return;
        }
        // A TLS player's output is drained: writes wait for the next flush (write_coalesce).
        if (s->tls_ && s->player_output_ && !s->closing_) bufferevent_disable(s->bev_, EV_WRITE);
    });
}

void Session::on_event(bufferevent*, short what, void* self) {
    auto* s = static_cast<Session*>(self);
    s->guarded("socket event", [s, what] {
        if (s->closing_) return;
        if (what & BEV_EVENT_TIMEOUT) {
            if (what & BEV_EVENT_WRITING)
                s->close("write timeout: the peer took no bytes for " + format_duration(s->config_->write_timeout), true);
            else
                s->close("publisher idle for " + format_duration(s->config_->idle_publisher_timeout), true);
        } else if (what & BEV_EVENT_EOF) {
            s->close("peer closed the connection", false);
        } else if (what & BEV_EVENT_ERROR) {
            if (s->tls_ && bufferevent_get_openssl_error(s->bev_)) {
                // A plain RTMP handshake on the TLS port, garbage, a refused renegotiation...
                std::string why;
                while (unsigned long e = bufferevent_get_openssl_error(s->bev_)) {
                    char buf[256];
                    ERR_error_string_n(e, buf, sizeof buf);
                    why += (why.empty() ? "" : "; ") + std::string(buf);
                }
                if (!s->handshake_.done())
                    ServerStats::count(s->server_.stats().handshake_failures, "tls");
                s->close("TLS error: " + why, true);
                return;
            }
            s->close(std::string("socket error: ") +
                         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()),
                     false);
        }
    });
}

void Session::read_input() {
    evbuffer* in = bufferevent_get_input(bev_);
    // While a hook decides, input stays in the socket buffer: TCP pushes back on the peer.
    while (!stopped() && !awaiting_hook_ && evbuffer_get_length(in) > 0) {
        // Work through the contiguous first segment; libevent keeps the rest for the next round.
        evbuffer_iovec vec;
        if (evbuffer_peek(in, -1, nullptr, &vec, 1) < 1) break;
        util::ByteView data(static_cast<const std::uint8_t*>(vec.iov_base), vec.iov_len);
        std::size_t used = 0;
        if (!handshake_.done()) {
            util::Bytes out;
            auto r = handshake_.feed(data, out);
            if (!r) {
                evbuffer_drain(in, data.size());
                ServerStats::count(server_.stats().handshake_failures,
                                   r.error().code == rtmp::HandshakeErrc::BadVersion
                                       ? "bad_version"
                                       : "bad_digest");
                close(std::string("handshake failed: ") + rtmp::to_string(r.error().code), true);
                return;
            }
            used = *r;
            totals_.bytes_in += used;
            if (!out.empty()) {
                queued_total_ += out.size();
                bufferevent_write(bev_, out.data(), out.size());
                control_out_.appended(out.size(), true);
            }
        } else {
            auto r = decoder_.feed(data, [this](rtmp::Message&& m) {
                if (!stopped()) handle_message(std::move(m));
            });
            if (!r) {
                evbuffer_drain(in, data.size());
                count_command_failure("protocol_error");
                close(std::string("protocol error: ") +
                          std::string(rtmp::chunk_errc_name(r.error().code)) + ": " +
                          r.error().message,
                      true);
                return;
            }
            used = *r;
            totals_.bytes_in += used;
            if (auto seq = ack_.on_received(used))
                send_control(rtmp::MessageType::Acknowledgement, rtmp::acknowledgement_payload(*seq));
        }
        evbuffer_drain(in, used);
        if (used == 0) break;
    }
}

void Session::send(std::uint32_t csid, std::uint8_t type, std::uint32_t stream_id,
                   const util::Bytes& payload, std::uint32_t timestamp) {
    if (closing_ || !overflow_reason_.empty()) return;
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
    bufferevent_write(bev_, scratch_.data(), scratch_.size());
    queued_total_ += scratch_.size();
    ++totals_.messages_out;
    if (player_output_) ledger_.appended(scratch_.size(), false);
    control_out_.appended(scratch_.size(), true);
    queue_.queued_other(scratch_.size());
    const std::size_t unsent = control_out_.unsent_control(evbuffer_get_length(out_));
    if (unsent > std::size_t(config_->max_control_output)) {
        overflow("peer does not read its replies: " + std::to_string(unsent) +
                 " bytes of control output unsent (max_control_output " +
                 std::to_string(config_->max_control_output) + ")");
        return;
    }
    request_flush();
}

std::size_t Session::private_bytes() const {
    std::size_t n = evbuffer_get_length(bufferevent_get_input(bev_)) + decoder_.buffered_bytes();
    // Until the session writes its own socket, all its output is replies: private.
    n += player_output_ ? ledger_.private_bytes() : evbuffer_get_length(out_);
    for (const auto& m : pending_) n += m.payload.size();
    return n;
}

void Session::close_for_memory(std::size_t limit) {
    close("max_memory (" + std::to_string(limit) + " bytes) reached: this session held the most (" +
              std::to_string(private_bytes()) + " bytes of its own)",
          true);
}

void Session::arm_idle_timer() {
    const long long ms = config_->idle_timeout.count();
    if (ms <= 0 || closing_ || flushing_) return;
    timer_purpose_ = TimerPurpose::Idle;
    arm_timer(ms);
}

void Session::cancel_idle_timer() {
    if (timer_purpose_ != TimerPurpose::Idle) return;
    timer_purpose_ = TimerPurpose::None;
    evtimer_del(timer_);
}

bool Session::within_message_rates(std::uint8_t type) {
    using T = rtmp::MessageType;
    const long long now = server_.now_ms();
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

void Session::overflow(const std::string& reason) {
    if (closing_ || !overflow_reason_.empty()) return;
    overflow_reason_ = reason;
    bufferevent_disable(bev_, EV_READ);
    timer_purpose_ = TimerPurpose::Overflow;
    timeval now{0, 0};
    evtimer_add(timer_, &now);
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

void Session::close(const std::string& reason, bool error) {
    if (closing_) return;
    closing_ = true;
    net::LogFields fields = {{"session", std::to_string(id_)}, {"peer", peer_}, {"reason", reason}};
    if (playing_) fields.emplace_back("playing", playing_->key());
    if (publishing_) fields.emplace_back("publishing", publishing_->key());
    if (queue_.dropped_messages())
        fields.emplace_back("dropped_messages", std::to_string(queue_.dropped_messages()));
    if (error) net::logger().warn("session closed", fields);
    else net::logger().info("session closed", fields);
    stop_publishing();
    stop_playing();
    if (hook_ticket_ && hook_client_) {
        hook_client_->cancel(hook_ticket_);
        hook_ticket_ = 0;
    }
    if (established_sent_) {
        established_sent_ = false;
        notify(hook::method::kConnectionStatusEvent,
               hook::connection_status_payload(connect_info(connect_url_.connect_params),
                                               "DISCONNECTED", reason));
    }
    evtimer_del(timer_);
    server_.forget_flush(this);  // always: see ~Session
    flush_requested_ = false;
    if (writable_) event_del(writable_);
    if (stall_timer_) evtimer_del(stall_timer_);
    bufferevent_disable(bev_, EV_READ | EV_WRITE);
    server_.schedule_close(this);
}

bool Session::all_sent() const {
    if (evbuffer_get_length(out_) > 0) return false;
    bufferevent* below = tls_ ? bufferevent_get_underlying(bev_) : nullptr;
    return !below || evbuffer_get_length(bufferevent_get_output(below)) == 0;
}

void Session::on_socket_output_drained(evbuffer* buf, const evbuffer_cb_info* info, void* self) {
    auto* s = static_cast<Session*>(self);
    if (info->n_deleted == 0 || evbuffer_get_length(buf) > 0) return;
    s->guarded("sent", [s] {
        if (s->flushing_ && !s->closing_ && s->all_sent())
            s->close(s->pending_close_reason_, s->pending_close_error_);
    });
}

void Session::close_after_flush(const std::string& reason, bool error) {
    if (stopped()) return;
    flushing_ = true;
    stop_publishing();
    stop_playing();
    bufferevent_disable(bev_, EV_READ);
    if (all_sent()) {
        close(reason, error);
        return;
    }
    pending_close_reason_ = reason;
    pending_close_error_ = error;
    timer_purpose_ = TimerPurpose::Flush;
    arm_timer(2000);
    request_flush();
}

void Session::shut_down() {
    guarded("shut down", [this] {
        if (closing_) return;
        if (playing_) {
            send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
            send_status(play_stream_id_, "status", rtmp::status::kPlayStop, "Server is shutting down.");
        }
        if (publishing_) {
            send_status(publish_stream_id_, "status", rtmp::status::kUnpublishSuccess,
                        "Server is shutting down.");
        }
        close_after_flush("server shutting down", false);
    });
}

void Session::count_command_failure(std::string_view reason) {
    ServerStats::count(server_.stats().command_failures, reason);
}

SessionTotals Session::totals() const {
    SessionTotals t = totals_;
    const std::size_t unsent = evbuffer_get_length(out_);
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
    r.peer = peer_;
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
    r.output_queued = evbuffer_get_length(out_);
    r.messages_dropped = r.totals.dropped_slow_player + r.totals.dropped_too_large;
    r.since_ms = since_ms_;
    r.tls = tls_;
    if (tls_) r.tls_session = net::session_info(bufferevent_openssl_get_ssl(bev_));
    return r;
}

void Session::close_by_operator() {
    guarded("closed by the operator", [this] {
        if (stopped()) return;
        if (playing_) {
            send_user_control(rtmp::UserControlEvent::StreamEOF, play_stream_id_);
            send_status(play_stream_id_, "status", rtmp::status::kPlayStop,
                        "Closed by the server's operator.");
        }
        if (publishing_) {
            send_status(publish_stream_id_, "status", rtmp::status::kUnpublishSuccess,
                        "Unpublished by the server's operator.");
        }
        close_after_flush("closed by the operator (HTTP API)", false);
    });
}

void Session::replaced() {
    guarded("replaced", [this] {
        if (closing_ || !publishing_) return;
        send_status(publish_stream_id_, "error", rtmp::status::kPublishBadName,
                    "Another publisher took over " + publishing_->name() + ".");
        close_after_flush("replaced by a new publisher", false);
    });
}

}  // namespace server
