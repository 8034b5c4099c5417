// The libevent glue of a session: see socket_session.h.
#include "server/socket_session.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>

#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "net/shared_evbuffer.h"
#include "net/timeval.h"
#include "server/server.h"

namespace server {

SocketSession::SocketSession(Server& server, std::shared_ptr<const Config> config, std::uint64_t id,
                             bufferevent* bev, SessionPeer peer)
    : server_(server), bev_(bev), tls_(peer.tls), out_(bufferevent_get_output(bev)) {
    timer_ = evtimer_new(server_.base(), &SocketSession::on_timer, this);
    drained_cb_ = evbuffer_add_cb(out_, &SocketSession::on_output_drained, this);
    if (tls_)
        if (bufferevent* below = bufferevent_get_underlying(bev_))
            socket_drained_cb_ = evbuffer_add_cb(bufferevent_get_output(below),
                                                 &SocketSession::on_socket_output_drained, this);
    bufferevent_setcb(bev_, &SocketSession::on_read, &SocketSession::on_write,
                      &SocketSession::on_event, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    session_ = std::make_unique<Session>(server, *this, std::move(config), id, std::move(peer));
}

SocketSession::~SocketSession() {
    // Unconditionally: the server must never keep a pointer to a freed session.
    server_.forget_flush(this);
    finished_ = true;
    session_.reset();  // its last reports (totals, unpublish) go out while the socket exists
    if (writable_) event_free(writable_);
    if (timer_) event_free(timer_);
    if (drained_cb_) evbuffer_remove_cb_entry(out_, drained_cb_);
    if (socket_drained_cb_)
        if (bufferevent* below = bufferevent_get_underlying(bev_))
            evbuffer_remove_cb_entry(bufferevent_get_output(below), socket_drained_cb_);
    if (bev_) bufferevent_free(bev_);
}

// --- input -----------------------------------------------------------------------------------

void SocketSession::on_read(bufferevent*, void* self) { static_cast<SocketSession*>(self)->pass_input(); }

void SocketSession::pass_input() {
    if (passing_input_) return;  // a hook answered inside receive(): the loop below goes on
    passing_input_ = true;
    evbuffer* in = bufferevent_get_input(bev_);
    // While a hook decides, input stays in the socket buffer: TCP pushes back on the peer.
    while (!finished_ && session_->wants_input() && evbuffer_get_length(in) > 0) {
        // The contiguous first segment; libevent keeps the rest for the next round.
        evbuffer_iovec vec;
        if (evbuffer_peek(in, -1, nullptr, &vec, 1) < 1) break;
        const std::size_t used =
            session_->receive(util::ByteView(static_cast<const std::uint8_t*>(vec.iov_base), vec.iov_len));
        evbuffer_drain(in, used);
        if (used == 0) break;
    }
    passing_input_ = false;
}

void SocketSession::set_reading(bool on) {
    if (finished_) return;
    if (!on) {
        bufferevent_disable(bev_, EV_READ);
        return;
    }
    bufferevent_enable(bev_, EV_READ);
    pass_input();  // what arrived meanwhile
}

// --- output ----------------------------------------------------------------------------------

void SocketSession::write(util::ByteView bytes) {
    if (ring_output()) return ring_.append_copy(bytes);
    evbuffer_add(out_, bytes.data(), bytes.size());
}

void SocketSession::write_shared(net::SharedBytes& chunks, std::size_t offset) {
    if (ring_output()) return ring_.append_shared(chunks, offset);
    net::append_shared(out_, chunks, offset);
}

std::size_t SocketSession::unsent() const { return ring_output() ? ring_.size() : evbuffer_get_length(out_); }

bool SocketSession::all_sent() const {
    if (unsent() > 0) return false;
    bufferevent* below = tls_ ? bufferevent_get_underlying(bev_) : nullptr;
    return !below || evbuffer_get_length(bufferevent_get_output(below)) == 0;
}

std::size_t SocketSession::unread() const { return evbuffer_get_length(bufferevent_get_input(bev_)); }

void SocketSession::on_output_drained(evbuffer*, const evbuffer_cb_info* info, void* self) {
    auto* s = static_cast<SocketSession*>(self);
    if (info->n_deleted == 0 || s->finished_) return;
    s->session_->on_sent(info->n_deleted);
}

void SocketSession::on_socket_output_drained(evbuffer* buf, const evbuffer_cb_info* info, void* self) {
    auto* s = static_cast<SocketSession*>(self);
    if (info->n_deleted == 0 || evbuffer_get_length(buf) > 0 || s->finished_) return;
    s->session_->on_sent(0);  // TLS: the last encrypted byte left
}

void SocketSession::enter_player_output() {
    if (player_output_) return;
    player_output_ = true;
    // A player only sends acknowledgements and pings: small reads keep its input buffer small.
    bufferevent_set_max_single_read(bev_, 2048);
    bufferevent_disable(bev_, EV_WRITE);
    if (tls_) {
        // OpenSSL must encrypt every byte, so the TLS bufferevent writes (never the socket
        // writev of plain players). It is enabled for writing only from a flush to the moment
        // its output is drained (on_write), so write_coalesce batches TLS players too: their
        // records then leave in one writev of the socket bufferevent under the filter.
        return;
    }
    // A socket bufferevent freezes the start of its output so that only it drains it; from here
    // on this glue drains it instead, and reports what each writev took itself: a buffer
    // callback would run on every message appended, per player.
    evbuffer_unfreeze(out_, 1);
    evbuffer_remove_cb_entry(out_, drained_cb_);
    drained_cb_ = nullptr;
    // What the bufferevent has not sent yet (replies: private, bounded by max_control_output)
    // moves to the front of the ring, so that one queue holds all of this player's output.
    util::Bytes replies(evbuffer_get_length(out_));
    evbuffer_remove(out_, replies.data(), replies.size());
    ring_.append_copy(replies);
    // Level-triggered: libevent does not mix edge- and level-triggered events on one socket,
    // and the bufferevent still reads it.
    fd_ = bufferevent_getfd(bev_);
    writable_ = event_new(server_.base(), fd_, EV_WRITE | EV_PERSIST, &SocketSession::on_writable, this);
}

void SocketSession::flush(bool now) {
    if (!player_output_ || finished_) return;  // before that the bufferevent writes by itself
    if (now) return write_now();
    if (flush_requested_) return;
    flush_requested_ = true;
    server_.schedule_flush(this);
}

void SocketSession::flush_scheduled() {
    flush_requested_ = false;  // the server has taken this session off its list
    write_now();
}

void SocketSession::write_now() {
    if (finished_) return;
    if (tls_) {
        bufferevent_enable(bev_, EV_WRITE);  // encrypts now; on_write disables it when drained
        return;
    }
    write_ring(fd_);
}

void SocketSession::write_ring(evutil_socket_t fd) {
    // Enough for a write_coalesce period of a stream (a few dozen messages); a longer queue (a
    // joiner's GOP burst) takes more writev calls, each as large as the kernel accepts.
    constexpr int kIovecs = 128;
    iovec iov[kIovecs];
    while (!finished_ && !ring_.empty()) {
        const int k = ring_.gather(iov, kIovecs);
        const ssize_t n = ::writev(fd, iov, k);
        if (n > 0) {
            ring_.consume(std::size_t(n));
            session_->on_sent(std::size_t(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (!want_writable_) event_add(writable_, nullptr);
            want_writable_ = true;  // on_writable() continues when the peer takes bytes
            return;
        }
        session_->on_transport_error(std::string("write failed: ") + (n < 0 ? std::strerror(errno) : "closed"),
                                     false);
        return;
    }
    if (want_writable_ && writable_) event_del(writable_);
    want_writable_ = false;
}

void SocketSession::on_writable(evutil_socket_t, short, void* self) {
    auto* s = static_cast<SocketSession*>(self);
    if (s->want_writable_) s->write_now();
}

void SocketSession::on_write(bufferevent*, void* self) {
    auto* s = static_cast<SocketSession*>(self);
    // A TLS player's output is drained: writes wait for the next flush (write_coalesce).
    if (s->tls_ && s->player_output_ && !s->finished_) bufferevent_disable(s->bev_, EV_WRITE);
}

// --- events, time, the end ---------------------------------------------------------------------

void SocketSession::on_event(bufferevent*, short what, void* self) {
    auto* s = static_cast<SocketSession*>(self);
    if (s->finished_) return;
    if (what & BEV_EVENT_EOF) {
        s->session_->on_peer_closed();
    } else if (what & BEV_EVENT_ERROR) {
        if (s->tls_ && bufferevent_get_openssl_error(s->bev_)) {
            std::string why;
            while (unsigned long e = bufferevent_get_openssl_error(s->bev_)) {
                char buf[256];
                ERR_error_string_n(e, buf, sizeof buf);
                why += (why.empty() ? "" : "; ") + std::string(buf);
            }
            s->session_->on_transport_error(why, true);
            return;
        }
        s->session_->on_transport_error(evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), false);
    }
}

void SocketSession::set_deadline(std::optional<long long> at_ms) {
    if (finished_ || !timer_) return;
    if (!at_ms) {
        evtimer_del(timer_);
        return;
    }
    const long long in = *at_ms - server_.now_ms();
    timeval tv = net::to_timeval(in > 0 ? in : 0);
    evtimer_add(timer_, &tv);
}

void SocketSession::on_timer(evutil_socket_t, short, void* self) {
    auto* s = static_cast<SocketSession*>(self);
    if (!s->finished_) s->session_->on_deadline();
}

void SocketSession::finished() {
    if (finished_) return;
    finished_ = true;
    server_.forget_flush(this);
    flush_requested_ = false;
    if (writable_) event_del(writable_);
    if (timer_) evtimer_del(timer_);
    ring_.clear();  // the shared chunks it references are freed now, not when the socket is
    bufferevent_disable(bev_, EV_READ | EV_WRITE);
    server_.schedule_close(this);
}

std::optional<net::TlsSessionInfo> SocketSession::tls_info() const {
    return tls_ ? net::session_info(bufferevent_openssl_get_ssl(bev_)) : std::nullopt;
}

}  // namespace server
