// Player output: the session writes its own socket. Fan-out appends references to shared chunks
// to the output buffer and asks the server for a flush; the flush writes everything queued with
// writev (evbuffer_write) once per loop turn, and only a socket that is full gets a write watch
// until it drains (so a player that keeps up costs no epoll_ctl per message). A write that makes
// no progress for write_timeout closes the player.
#include <event2/buffer.h>

#include <cerrno>
#include <cstring>

#include "net/timeval.h"
#include "server/server.h"
#include "server/session.h"

namespace server {

void Session::enter_player_output() {
    if (player_output_) return;
    player_output_ = true;
    ledger_.appended(evbuffer_get_length(out_), false);  // replies so far: all private
    if (tls_) {
        // OpenSSL must encrypt every byte, so the TLS bufferevent writes (never the socket
        // writev of plain players). It is enabled for writing only from a flush to the moment
        // its output is drained (on_write), so write_coalesce batches TLS players too: their
        // records then leave in one writev of the socket bufferevent under the filter. Its
        // write timeout is the stall bound; what it takes from the output counts for the ledger.
        drained_cb_ = evbuffer_add_cb(out_, &Session::on_output_drained, this);
        const long long wt = config_->write_timeout.count();
        timeval wtv = net::to_timeval(wt);
        bufferevent_set_timeouts(bev_, nullptr, wt > 0 ? &wtv : nullptr);
        bufferevent_set_max_single_read(bev_, 2048);
        bufferevent_disable(bev_, EV_WRITE);
        return;
    }
    bufferevent_disable(bev_, EV_WRITE);
    bufferevent_set_timeouts(bev_, nullptr, nullptr);
    // A socket bufferevent freezes the start of its output so that only it drains it; from here
    // on this session drains it instead.
    evbuffer_unfreeze(out_, 1);
    // A player only sends acknowledgements and pings: small reads keep its input buffer small.
    bufferevent_set_max_single_read(bev_, 2048);
    const evutil_socket_t fd = bufferevent_getfd(bev_);
    // Level-triggered: libevent does not mix edge- and level-triggered events on one socket,
    // and the bufferevent still reads it.
    writable_ = event_new(server_.base(), fd, EV_WRITE | EV_PERSIST, &Session::on_writable, this);
    stall_timer_ = evtimer_new(server_.base(), &Session::on_stall_timer, this);
    last_progress_ms_ = server_.now_ms();
}

void Session::on_output_drained(evbuffer*, const evbuffer_cb_info* info, void* self) {
    auto* s = static_cast<Session*>(self);
    if (info->n_deleted == 0) return;
    s->ledger_.sent(info->n_deleted);
    s->last_progress_ms_ = s->server_.now_ms();
}

void Session::request_flush() {
    if (!player_output_ || flush_requested_ || closing_) return;
    flush_requested_ = true;
    server_.schedule_flush(this);
}

void Session::flush() {
    flush_requested_ = false;  // the server has taken this session off its list
    guarded("flush", [this] { write_now(); });
}

void Session::write_now() {
    if (closing_) return;
    if (tls_) {
        bufferevent_enable(bev_, EV_WRITE);  // encrypts now; on_write disables it when drained
        return;
    }
    evbuffer* out = out_;
    const evutil_socket_t fd = bufferevent_getfd(bev_);
    while (evbuffer_get_length(out) > 0) {
        const int n = evbuffer_write(out, fd);
        if (n > 0) {
            ledger_.sent(std::size_t(n));
            last_progress_ms_ = server_.now_ms();
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!want_writable_) event_add(writable_, nullptr);
            want_writable_ = true;  // on_writable() continues when the peer takes bytes
            arm_stall_timer();
            return;
        }
        close(std::string("write failed: ") + (n < 0 ? std::strerror(errno) : "closed"), false);
        return;
    }
    if (want_writable_) event_del(writable_);
    want_writable_ = false;
    if (stall_timer_) evtimer_del(stall_timer_);
    if (flushing_) close(pending_close_reason_, pending_close_error_);
}

void Session::on_writable(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Session*>(self);
    s->guarded("writable", [s] {
        if (s->want_writable_) s->write_now();
    });
}

void Session::arm_stall_timer() {
    const long long limit = config_->write_timeout.count();
    if (limit <= 0 || evtimer_pending(stall_timer_, nullptr)) return;
    const long long left = last_progress_ms_ + limit - server_.now_ms();
    const long long ms = left > 0 ? left : 1;
    timeval tv = net::to_timeval(ms);
    evtimer_add(stall_timer_, &tv);
}

void Session::on_stall_timer(evutil_socket_t, short, void* self) {
    auto* s = static_cast<Session*>(self);
    s->guarded("stall timer", [s] {
        if (s->closing_ || !s->want_writable_) return;
        const long long limit = s->config_->write_timeout.count();
        if (s->server_.now_ms() - s->last_progress_ms_ >= limit) {
            s->close("write timeout: the peer took no bytes for " + format_duration(s->config_->write_timeout), true);
        } else {
            s->arm_stall_timer();  // progress was made since the timer was set
        }
    });
}

}  // namespace server
